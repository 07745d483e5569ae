import assert from "node:assert/strict";
import { KOKORO_SAMPLE_RATE } from "../../lib/tts/kokoro";
import { readWavInfo } from "../../lib/tts/wav";

const POLL_MS = 200;

/**
 * Speech end to end on a running server whose TTS_MODEL_DIR holds a Kokoro model: the model
 * loads (kokoro-js, transformers.js, onnxruntime-node), and a signed URL returns a 24 kHz WAV
 * made by Kokoro, not by the espeak-ng fallback.
 */
export async function assertKokoroSpeaks(baseUrl: string, password: string, timeoutMs = 60_000) {
  const headers = { "x-api-key": password, "content-type": "application/json" };
  const until = Date.now() + timeoutMs;
  let status: { engine?: string; state?: string; kokoro?: { state: string; problem: string | null } };
  for (;;) {
    const res = await fetch(`${baseUrl}/api/tts/status`, { headers });
    assert.equal(res.status, 200, `GET /api/tts/status: ${res.status}`);
    status = await res.json();
    if (status.state !== "loading") break;
    assert.ok(Date.now() < until, `the Kokoro model did not load within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  assert.equal(status.engine, "kokoro", `speech status: ${JSON.stringify(status)}`);

  const signed = await fetch(`${baseUrl}/api/tts/sign`, {
    method: "POST",
    headers,
    body: JSON.stringify({ text: "vps-2, fix login bug: finished and is waiting for you" }),
  });
  const body = await signed.json();
  assert.equal(signed.status, 200, JSON.stringify(body));
  const res = await fetch(`${baseUrl}${body.url}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-tts-engine"), "kokoro");
  const info = readWavInfo(new Uint8Array(await res.arrayBuffer()));
  assert.equal(info.sampleRate, KOKORO_SAMPLE_RATE);
  assert.ok(info.durationMs > 0, "the WAV holds audio");
}
