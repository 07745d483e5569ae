import assert from "node:assert/strict";
import { test } from "node:test";
import { AudioCache } from "../../lib/tts/cache";
import { RateLimit } from "../../lib/tts/rate-limit";
import { signSpeech, speechUrl, verifySpeech } from "../../lib/tts/signature";
import { espeakVoiceFor } from "../../lib/tts/voices";
import { encodeWav, readWavInfo } from "../../lib/tts/wav";

/** The pieces of lib/tts on their own (no server); tts-server.test.ts covers them over HTTP. */

const SECRET = "a-test-auth-secret-that-is-long-enough-0123";

test("the audio cache evicts the least recently used entry, by count and by bytes", () => {
  const cache = new AudioCache(2, 100);
  const k = (text: string) => AudioCache.key({ engine: "kokoro", voice: "af_heart", speed: 1, text });
  cache.set(k("a"), Buffer.alloc(10));
  cache.set(k("b"), Buffer.alloc(10));
  assert.ok(cache.get(k("a"))); // a is now the most recent
  cache.set(k("c"), Buffer.alloc(10));
  assert.equal(cache.get(k("b")), undefined);
  assert.ok(cache.get(k("a")) && cache.get(k("c")));
  cache.set(k("big"), Buffer.alloc(95)); // over the byte budget with the others
  assert.equal(cache.size, 1);
  cache.set(k("huge"), Buffer.alloc(101)); // never cached
  assert.equal(cache.get(k("huge")), undefined);
  assert.notEqual(k("a"), AudioCache.key({ engine: "espeak", voice: "af_heart", speed: 1, text: "a" }));
  assert.notEqual(k("a"), AudioCache.key({ engine: "kokoro", voice: "af_heart", speed: 1.2, text: "a" }));
});

test("the rate limit allows 30 a minute per client and says when to come back", () => {
  const limit = new RateLimit(30, 60_000);
  for (let i = 0; i < 30; i++) assert.ok(limit.take("1.2.3.4", 1_000 + i).ok);
  const refused = limit.take("1.2.3.4", 20_000);
  assert.deepEqual(refused, { ok: false, retryAfterS: 41 });
  assert.ok(limit.take("5.6.7.8", 20_000).ok, "other clients are not affected");
  assert.ok(limit.take("1.2.3.4", 61_001).ok, "the window slides");
});

test("speech URLs: signed over text, voice and expiry; anything changed or late is refused", () => {
  const now = 1_800_000_000_000;
  const { url, exp } = speechUrl(SECRET, "vps-2, fix login bug: needs permission", "af_heart", now);
  assert.equal(exp, now / 1000 + 120);
  const q = new URL(url, "http://x").searchParams;
  const signed = { text: q.get("text")!, voice: q.get("voice")!, exp: Number(q.get("exp")) };
  assert.deepEqual(verifySpeech(SECRET, signed, q.get("sig")!, now), { ok: true });
  assert.equal(verifySpeech(SECRET, { ...signed, text: signed.text + "!" }, q.get("sig")!, now).ok, false);
  assert.equal(verifySpeech(SECRET, { ...signed, voice: "bm_george" }, q.get("sig")!, now).ok, false);
  assert.equal(verifySpeech("another-secret-that-is-long-enough-456789", signed, q.get("sig")!, now).ok, false);
  const late = verifySpeech(SECRET, signed, q.get("sig")!, now + 121_000);
  assert.equal(late.ok || late.code, "expired");
  assert.notEqual(signSpeech(SECRET, signed), signSpeech(SECRET, { ...signed, exp: signed.exp + 1 }));
});

test("WAV: 16-bit PCM mono that reads back with its rate and length", () => {
  const samples = Float32Array.from({ length: 24_000 }, (_, i) => Math.sin(i / 10) * 1.5); // clipped to ±1
  const wav = encodeWav(samples, 24_000);
  assert.equal(wav.toString("ascii", 0, 4), "RIFF");
  assert.deepEqual(readWavInfo(wav), {
    format: 1,
    channels: 1,
    sampleRate: 24_000,
    bitsPerSample: 16,
    dataBytes: 48_000,
    durationMs: 1000,
  });
  assert.equal(Math.max(...Array.from({ length: 100 }, (_, i) => wav.readInt16LE(44 + i * 2))), 32_767);
  assert.throws(() => readWavInfo(Buffer.from("not a wav file at all")), /RIFF/);
});

test("Kokoro voices map to the nearest espeak-ng voice", () => {
  assert.equal(espeakVoiceFor("af_heart"), "en-us+f3");
  assert.equal(espeakVoiceFor("am_adam"), "en-us+m3");
  assert.equal(espeakVoiceFor("bf_emma"), "en-gb+f3");
  assert.equal(espeakVoiceFor("bm_george"), "en-gb+m3");
  assert.equal(espeakVoiceFor("en-gb+m3"), "en-gb+m3");
});
