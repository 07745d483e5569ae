import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * `GET /api/tts` carries no header (an <audio> element fetches it), so its URL is signed instead:
 * HMAC-SHA256 over expiry, voice and text with a key derived from the auth secret, valid briefly.
 */
const SIGNATURE_TTL_S = 120;

const keys = new Map<string, Buffer>();
function urlKey(authSecret: string) {
  let key = keys.get(authSecret);
  if (!key) {
    // Derived, so a leaked audio URL says nothing about the secret that signs login sessions.
    key = createHmac("sha256", authSecret).update("opencode-dashboard tts-url v1").digest();
    keys.set(authSecret, key);
  }
  return key;
}

export type SignedSpeech = { text: string; voice: string; exp: number };

export function signSpeech(authSecret: string, { text, voice, exp }: SignedSpeech): string {
  return createHmac("sha256", urlKey(authSecret)).update(`${exp}\n${voice}\n${text}`).digest("base64url");
}

export function speechUrl(authSecret: string, text: string, voice: string, nowMs = Date.now()) {
  const exp = Math.floor(nowMs / 1000) + SIGNATURE_TTL_S;
  const sig = signSpeech(authSecret, { text, voice, exp });
  const query = new URLSearchParams({ text, voice, exp: String(exp), sig });
  return { url: `/api/tts?${query}`, exp };
}

export type Verdict = { ok: true } | { ok: false; code: "bad_signature" | "expired"; message: string };

export function verifySpeech(authSecret: string, signed: SignedSpeech, sig: string, nowMs = Date.now()): Verdict {
  const expected = Buffer.from(signSpeech(authSecret, signed));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return {
      ok: false,
      code: "bad_signature",
      message: "the signature does not match this text; ask POST /api/tts/sign for a URL",
    };
  }
  if (signed.exp * 1000 < nowMs) {
    return { ok: false, code: "expired", message: "this speech URL has expired; ask POST /api/tts/sign for a new one" };
  }
  return { ok: true };
}
