import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { readWavInfo } from "../lib/tts/wav";
import { writeTinyKokoro } from "../tests/fixtures/tts/tiny-kokoro";
import { startServer, type TestServer } from "../tests/support/server";

/**
 * Speech: time to first audio and real-time factor for a 12-word announcement, per engine the
 * machine has, and the server's RSS before and after the Kokoro model loads.
 *
 * Kokoro runs on the real model when BENCH_KOKORO_DIR points at a folder with it
 * (onnx-community/Kokoro-82M-v1.0-ONNX: config.json, tokenizer*.json, onnx/model_quantized.onnx);
 * otherwise on the tiny test model, reported as "kokoro (test model)": its figures measure the
 * server's path (kokoro-js, phonemizer, onnxruntime, WAV, HTTP), not Kokoro-82M's inference.
 */

const RUNS = 5;
// 12 words; the host differs per run so that no run is served from the cache.
const sentence = (i: number) => `web-${i + 1}, refactor the billing module: finished and is waiting for you now`;

function rssMb(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function status(server: TestServer) {
  const res = await fetch(`${server.url}/api/tts/status`, { headers: { "x-api-key": server.password } });
  return (await res.json()) as { engine: string; state: string; kokoro: { loadMs: number | null; state: string } };
}

/** Sign, then fetch the audio: ms to the first byte of audio, ms to all of it, seconds of audio. */
async function speakOnce(server: TestServer, text: string) {
  const started = performance.now();
  const signed = await fetch(`${server.url}/api/tts/sign`, {
    method: "POST",
    headers: { "x-api-key": server.password, "content-type": "application/json" },
    body: JSON.stringify({ text }),
  });
  if (signed.status !== 200) throw new Error(`sign answered ${signed.status}: ${await signed.text()}`);
  const { url } = (await signed.json()) as { url: string };
  const res = await fetch(server.url + url);
  if (res.status !== 200) throw new Error(`GET /api/tts answered ${res.status}: ${await res.text()}`);
  const reader = res.body!.getReader();
  const chunks: Uint8Array[] = [];
  let firstByte = NaN;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (Number.isNaN(firstByte)) firstByte = performance.now() - started;
    chunks.push(value);
  }
  const total = performance.now() - started;
  const info = readWavInfo(Buffer.concat(chunks));
  return { firstByte, total, audioS: info.durationMs / 1000, sampleRate: info.sampleRate };
}

async function measure(server: TestServer) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await speakOnce(server, sentence(i)));
  return {
    // The model load ends with a warm-up synthesis, so the first request should not stand out.
    first: Math.round(runs[0].firstByte),
    ttfa: Math.round(median(runs.map((r) => r.firstByte))),
    rtf: Number(median(runs.map((r) => r.total / 1000 / r.audioS)).toFixed(3)),
    audioS: Number(median(runs.map((r) => r.audioS)).toFixed(2)),
    sampleRate: runs[0].sampleRate,
  };
}

export async function benchTts(): Promise<Record<string, number | string>> {
  const figures: Record<string, number | string> = {};
  const realDir = process.env.BENCH_KOKORO_DIR;
  const tmp = mkdtempSync(path.join(tmpdir(), "ocd-bench-tts-"));
  const modelDir = realDir && existsSync(realDir) ? realDir : writeTinyKokoro(path.join(tmp, "tiny-kokoro"));
  const label = modelDir === realDir ? "kokoro" : "kokoro (test model)";
  try {
    const server = await startServer({ env: { DISABLE_TTS: "false", TTS_MODEL_DIR: modelDir } });
    try {
      await new Promise((r) => setTimeout(r, 500)); // let start-up settle before reading memory
      figures["server RSS before the model loads (MB)"] = rssMb(server.pid);
      let s = await status(server); // the first status call starts the load
      while (s.state === "loading") {
        await new Promise((r) => setTimeout(r, 50));
        s = await status(server);
      }
      if (s.engine !== "kokoro") throw new Error(`Kokoro did not load from ${modelDir}: ${JSON.stringify(s)}`);
      figures[`${label}: model load (ms)`] = s.kokoro.loadMs ?? NaN;
      figures["server RSS after the model loads (MB)"] = rssMb(server.pid);
      const m = await measure(server);
      figures[`${label}: time to first audio, first request after the load (ms)`] = m.first;
      figures[`${label}: time to first audio, 12 words, sign + synthesis (ms, median of ${RUNS})`] = m.ttfa;
      figures[`${label}: real-time factor (synthesis s / audio s)`] = m.rtf;
      figures[`${label}: audio length (s) at ${m.sampleRate} Hz`] = m.audioS;
      figures["server RSS after synthesis (MB)"] = rssMb(server.pid);
    } finally {
      await server.dispose();
    }

    if (spawnSync("espeak-ng", ["--version"]).status === 0) {
      const server = await startServer({ env: { DISABLE_TTS: "false", TTS_ENGINE: "espeak" } });
      try {
        const m = await measure(server);
        figures[`espeak-ng: time to first audio, 12 words, sign + synthesis (ms, median of ${RUNS})`] = m.ttfa;
        figures["espeak-ng: real-time factor (synthesis s / audio s)"] = m.rtf;
        figures[`espeak-ng: audio length (s) at ${m.sampleRate} Hz`] = m.audioS;
      } finally {
        await server.dispose();
      }
    } else {
      figures["espeak-ng"] = "not installed";
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log("\nSpeech (/api/tts)");
  for (const [name, value] of Object.entries(await benchTts())) console.log(`  ${name.padEnd(78)} ${value}`);
}
