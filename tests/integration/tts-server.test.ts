import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { signSpeech } from "../../lib/tts/signature";
import type { EngineName, SpeechStatus } from "../../lib/tts/speech";
import { readWavInfo } from "../../lib/tts/wav";
import { TINY_SAMPLES_PER_TOKEN, writeTinyKokoro } from "../fixtures/tts/tiny-kokoro";
import type { ApiError } from "../support/client";
import { startServer, type TestServer } from "../support/server";

/**
 * Speech over the real server: the real kokoro-js loading path (transformers.js, onnxruntime-node,
 * the phonemizer's espeak-ng wasm) on a tiny Kokoro-shaped ONNX model, the real espeak-ng binary
 * when installed, signatures, limits and fallbacks.
 */

const AUTH_SECRET = "test-auth-secret-0123456789abcdefghijklmnop"; // tests/support/server.ts sets NEXTAUTH_SECRET to this
const hasEspeak = spawnSync("espeak-ng", ["--version"]).status === 0;
const root = mkdtempSync(path.join(tmpdir(), "ocd-tts-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** POST /api/tts/sign's answer. */
type SignedUrl = { url: string; exp: number; engine: EngineName; voice: string };

function api(server: TestServer, route: string, init: RequestInit & { key?: string | null } = {}) {
  const headers = new Headers(init.headers);
  const key = init.key === undefined ? server.password : init.key;
  if (key) headers.set("x-api-key", key);
  if (init.body) headers.set("content-type", "application/json");
  return fetch(`${server.url}${route}`, { ...init, headers });
}

async function sign(server: TestServer, text: string, voice?: string) {
  const res = await api(server, "/api/tts/sign", { method: "POST", body: JSON.stringify({ text, voice }) });
  return { status: res.status, json: (await res.json()) as SignedUrl & ApiError };
}

async function status(server: TestServer) {
  const res = await api(server, "/api/tts/status");
  assert.equal(res.status, 200);
  return (await res.json()) as SpeechStatus;
}

async function waitForStatus(server: TestServer, done: (s: SpeechStatus) => boolean, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await status(server);
    if (done(s)) return s;
    if (Date.now() > until) throw new Error(`speech status did not settle: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A URL signed by the test itself (same derivation as the server), for cases the sign route refuses. */
function selfSigned(text: string, voice: string, exp: number) {
  const sig = signSpeech(AUTH_SECRET, { text, voice, exp });
  return `/api/tts?${new URLSearchParams({ text, voice, exp: String(exp), sig })}`;
}

describe("Kokoro through kokoro-js on a tiny model", () => {
  let server: TestServer;
  const modelDir = path.join(root, "kokoro");
  before(async () => {
    writeTinyKokoro(modelDir);
    // TRUST_PROXY: the rate limit's test below speaks as clients behind a proxy (X-Forwarded-For).
    server = await startServer({
      env: { DISABLE_TTS: "false", TTS_MODEL_DIR: modelDir, LOG_LEVEL: "debug", TRUST_PROXY: "true" },
    });
  });
  after(async () => server?.dispose());

  test("the status route is authenticated like the rest of /api", async () => {
    assert.equal((await api(server, "/api/tts/status", { key: null })).status, 401);
    assert.equal((await api(server, "/api/tts/status", { key: server.apiKey })).status, 403);
    assert.equal((await api(server, "/api/tts/sign", { method: "POST", body: "{}", key: null })).status, 401);
    assert.equal(
      (await api(server, "/api/tts/sign", { method: "POST", body: JSON.stringify({ text: "hi" }), key: server.apiKey }))
        .status,
      403,
    );
  });

  test("the model loads from TTS_MODEL_DIR and the status says kokoro", async () => {
    const s = await waitForStatus(server, (s) => s.state !== "loading");
    assert.equal(s.engine, "kokoro", JSON.stringify(s));
    assert.equal(s.state, "ready");
    assert.equal(s.sampleRate, 24_000);
    assert.equal(s.voice, "af_heart");
    assert.equal(s.kokoro.dtype, "q8");
    assert.ok(s.voices.includes("bm_george"));
    assert.match(server.output(), /Kokoro model ready in \d+ ms/);
    assert.match(
      readFileSync(`/proc/${server.pid}/maps`, "utf8"),
      /libonnxruntime/,
      "onnxruntime-node is loaded in the server process",
    );
    assert.match(server.output(), /loaded onnx\/model_quantized\.onnx/);
  });

  test("a signed URL returns a 24 kHz RIFF WAV, and the second request is served from the cache", async () => {
    const text = "vps-2, fix login bug: needs permission to run bash";
    const signed = await sign(server, text);
    assert.equal(signed.status, 200, JSON.stringify(signed.json));
    assert.equal(signed.json.engine, "kokoro");
    assert.ok(signed.json.exp > Date.now() / 1000 && signed.json.exp <= Date.now() / 1000 + 130);
    const res = await fetch(`${server.url}${signed.json.url}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "audio/wav");
    assert.equal(res.headers.get("x-tts-cache"), "miss");
    const wav = new Uint8Array(await res.arrayBuffer());
    const info = readWavInfo(wav);
    assert.deepEqual([info.format, info.channels, info.sampleRate, info.bitsPerSample], [1, 1, 24_000, 16]);
    // The tiny model makes 50 ms per token: the phonemized sentence plus the two pad tokens.
    assert.equal(info.dataBytes % (TINY_SAMPLES_PER_TOKEN * 2), 0);
    assert.ok(info.durationMs > 1_000 && info.durationMs < 8_000, `duration ${info.durationMs}`);
    let peak = 0;
    for (const s of new Int16Array(wav.buffer.slice(44))) peak = Math.max(peak, Math.abs(s));
    assert.ok(peak > 5_000, "the audio is not silent");

    const again = await fetch(`${server.url}${signed.json.url}`);
    assert.equal(again.headers.get("x-tts-cache"), "hit");
    assert.deepEqual(new Uint8Array(await again.arrayBuffer()), wav);
  });

  test("another voice is another recording", async () => {
    const a = await sign(server, "testing one two", "af_heart");
    const b = await sign(server, "testing one two", "af_bella");
    assert.equal(b.json.voice, "af_bella");
    const wa = new Uint8Array(await (await fetch(server.url + a.json.url)).arrayBuffer());
    const wb = new Uint8Array(await (await fetch(server.url + b.json.url)).arrayBuffer());
    assert.equal(wa.length, wb.length);
    assert.notDeepEqual(wa, wb, "the style vector of the voice changes the waveform");
  });

  test("concurrent requests are synthesised one at a time", async () => {
    const texts = ["one at a time, first", "one at a time, second", "one at a time, third", "one at a time, fourth"];
    const from = server.output().length;
    const urls = await Promise.all(texts.map(async (t) => (await sign(server, t)).json.url as string));
    // The earlier tests' log lines can still be on their way through the pipe: count only
    // syntheses that started after these requests went out (same machine, same clock).
    const sentAt = Date.now();
    const responses = await Promise.all(urls.map((u) => fetch(server.url + u)));
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 200, 200, 200],
    );
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    const lines = () =>
      server
        .output()
        .slice(from)
        .split("\n")
        .filter((l) => l.includes("speech: synthesized"))
        .filter((l) => (JSON.parse(l) as { started: number }).started >= sentAt);
    for (let i = 0; i < 40 && lines().length < 4; i++) await new Promise((r) => setTimeout(r, 50)); // the log pipe may lag
    const runs = lines()
      .map((l) => JSON.parse(l) as { started: number; ms: number })
      .sort((a, b) => a.started - b.started);
    assert.equal(runs.length, 4, server.output().slice(-2000));
    for (let i = 1; i < runs.length; i++)
      assert.ok(runs[i].started >= runs[i - 1].started + runs[i - 1].ms, `synthesis ${i} overlapped the one before`);
  });

  test("a tampered or expired signature is 403", async () => {
    const signed = await sign(server, "vps-1, docs: finished and is waiting for you");
    const url = new URL(signed.json.url, server.url);
    const otherText = new URL(url);
    otherText.searchParams.set("text", "vps-1, docs: something else entirely");
    const r1 = await fetch(otherText);
    assert.equal(r1.status, 403);
    assert.equal(((await r1.json()) as ApiError).error.code, "bad_signature");

    const otherSig = new URL(url);
    const sig = url.searchParams.get("sig")!;
    otherSig.searchParams.set("sig", (sig[0] === "A" ? "B" : "A") + sig.slice(1));
    assert.equal((await fetch(otherSig)).status, 403);

    const laterExp = new URL(url);
    laterExp.searchParams.set("exp", String(Number(url.searchParams.get("exp")) + 3600));
    assert.equal((await fetch(laterExp)).status, 403, "extending the expiry breaks the signature");

    const expired = await fetch(server.url + selfSigned("old news", "af_heart", Math.floor(Date.now() / 1000) - 1));
    assert.equal(expired.status, 403);
    assert.equal(((await expired.json()) as ApiError).error.code, "expired");

    const wrongKey = signSpeech("some-other-secret-0123456789abcdefghijkl", {
      text: "hi",
      voice: "af_heart",
      exp: Math.floor(Date.now() / 1000) + 60,
    });
    const r4 = await fetch(
      `${server.url}/api/tts?${new URLSearchParams({ text: "hi", voice: "af_heart", exp: String(Math.floor(Date.now() / 1000) + 60), sig: wrongKey })}`,
    );
    assert.equal(r4.status, 403);
  });

  test("text is limited to 300 characters, and parameters are checked", async () => {
    assert.equal((await sign(server, "x".repeat(300))).status, 200);
    const long = await sign(server, "x".repeat(301));
    assert.equal(long.status, 400);
    assert.match(long.json.error.message, /^text: must be at most 300 characters/);
    assert.equal((await sign(server, "   ")).status, 400);
    const noSig = await fetch(`${server.url}/api/tts?text=hi&exp=1`);
    assert.equal(noSig.status, 400);
    const body = (await noSig.json()) as ApiError & { field: string };
    assert.equal(body.field, "sig");
    assert.equal(body.error.message, "sig: is required");
  });

  test("more than 30 speech requests a minute from one client is 429 with Retry-After", async () => {
    const signed = await sign(server, "rate limit probe");
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 32; i++) {
      const res = await fetch(server.url + signed.json.url);
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get("retry-after");
      await res.arrayBuffer();
    }
    assert.ok(statuses.includes(429), `statuses: ${statuses.join(",")}`);
    assert.ok(statuses.indexOf(429) <= 30, "the limit is 30 a minute, counting the earlier requests of this test file");
    assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, `Retry-After: ${retryAfter}`);
  });

  test("a client taking a fresh IPv6 address of its /64 for each request is still one client", async () => {
    const signed = await sign(server, "rate limit probe");
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) {
      const res = await fetch(server.url + signed.json.url, {
        headers: { "x-forwarded-for": `2001:db8:7:8::${(i + 1).toString(16)}` },
      });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    assert.ok(statuses.includes(429), `statuses: ${statuses.join(",")}`);
  });
});

describe("no Kokoro model", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({
      env: { DISABLE_TTS: "false", TTS_ENGINE: "kokoro", TTS_MODEL_DIR: path.join(root, "nowhere") },
    });
  });
  after(async () => server?.dispose());

  test("a missing model folder is a fast 503 that names TTS_MODEL_DIR; the status says the browser speaks", async () => {
    const s = await status(server);
    assert.equal(s.engine, "browser");
    assert.match(s.reason, /TTS_MODEL_DIR=.*nowhere does not exist/);
    const started = Date.now();
    const res = await fetch(server.url + selfSigned("hello", "af_heart", Math.floor(Date.now() / 1000) + 60));
    assert.equal(res.status, 503);
    const body = (await res.json()) as ApiError;
    assert.equal(body.error.code, "tts_unavailable");
    assert.match(body.error.message, /TTS_MODEL_DIR=.*nowhere does not exist/);
    assert.ok(Date.now() - started < 1_000, `took ${Date.now() - started} ms`);
    const signed = await sign(server, "hello");
    assert.equal(signed.status, 503);
    assert.equal(signed.json.engine, "browser");
  });
});

describe("a model left by TTS_ALLOW_DOWNLOAD=true", () => {
  let server: TestServer;
  before(async () => {
    const dir = path.join(root, "downloaded");
    writeTinyKokoro(path.join(dir, "onnx-community", "Kokoro-82M-v1.0-ONNX"));
    server = await startServer({ env: { DISABLE_TTS: "false", TTS_MODEL_DIR: dir } });
  });
  after(async () => server?.dispose());

  test("is found in the Hub layout inside TTS_MODEL_DIR, with downloads off", async () => {
    const s = await waitForStatus(server, (s) => s.state !== "loading");
    assert.equal(s.engine, "kokoro", JSON.stringify(s));
    assert.match(
      server.output(),
      /"model":"[^"]*downloaded\/onnx-community\/Kokoro-82M-v1.0-ONNX","dtype":"q8","download":false/,
    );
  });
});

describe("a broken model", () => {
  let server: TestServer;
  before(async () => {
    const dir = path.join(root, "broken");
    writeTinyKokoro(dir);
    writeFileSync(path.join(dir, "onnx", "model_quantized.onnx"), "this is not an ONNX model");
    server = await startServer({ env: { DISABLE_TTS: "false", TTS_MODEL_DIR: dir } });
  });
  after(async () => server?.dispose());

  test("logs one clear line, falls back, and the server keeps running", async () => {
    const s = await waitForStatus(server, (s) => s.state !== "loading");
    assert.equal(s.kokoro.state, "failed");
    assert.equal(s.engine, hasEspeak ? "espeak" : "browser");
    assert.match(server.output(), /the Kokoro model in .*broken could not be loaded, speech falls back/);
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200);
  });
});

describe("espeak-ng", { skip: hasEspeak ? false : "espeak-ng is not installed (apt-get install -y espeak-ng)" }, () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ env: { DISABLE_TTS: "false" } });
  });
  after(async () => server?.dispose());

  test("without a model folder the server speaks with espeak-ng", async () => {
    const version = /text-to-speech:\s*(\S+)/.exec(execFileSync("espeak-ng", ["--version"]).toString())![1];
    const s = await status(server);
    assert.equal(s.engine, "espeak");
    assert.equal(s.espeak.version, version);
    assert.match(s.reason, /TTS_MODEL_DIR is not set; using espeak-ng/);
    const signed = await sign(server, "vps-2, fix login bug: has a question: -v --help; rm -rf /", "en-gb+m3");
    assert.equal(signed.status, 200);
    assert.equal(signed.json.voice, "en-gb+m3");
    const res = await fetch(server.url + signed.json.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-tts-engine"), "espeak");
    const info = readWavInfo(new Uint8Array(await res.arrayBuffer()));
    assert.equal(info.sampleRate, 22_050);
    assert.ok(info.durationMs > 1_500, `duration ${info.durationMs}`);
  });
});

describe("turned off", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer(); // DISABLE_TTS=true is the test default
  });
  after(async () => server?.dispose());

  test("DISABLE_TTS=true: the status says off and speech is 503", async () => {
    const s = await status(server);
    assert.equal(s.enabled, false);
    assert.equal(s.engine, null);
    const res = await fetch(server.url + selfSigned("hello", "af_heart", Math.floor(Date.now() / 1000) + 60));
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as ApiError).error.code, "tts_disabled");
    assert.equal((await sign(server, "hello")).status, 503);
    // kokoro-js was never imported: onnxruntime-node's native library is not in the process.
    assert.doesNotMatch(readFileSync(`/proc/${server.pid}/maps`, "utf8"), /onnxruntime/);
  });
});

test("a bad TTS value stops start-up naming the variable", async () => {
  for (const [env, message] of [
    [{ TTS_SPEED: "9" }, /TTS_SPEED: must be between 0.5 and 2/],
    [{ TTS_MODEL_DIR: "models/kokoro" }, /TTS_MODEL_DIR: must be an absolute path/],
    [{ TTS_VOICE: "hal9000" }, /TTS_VOICE: must be one of af_heart/],
  ] as const) {
    await assert.rejects(startServer({ env: { DISABLE_TTS: "false", ...env } }), message);
  }
});
