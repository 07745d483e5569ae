/**
 * Kokoro-82M v1.0's voices as kokoro-js 1.2.1 ships them (`node_modules/kokoro-js/voices/*.bin`).
 * Kept here as plain data so that config validation never has to import kokoro-js.
 */
export const KOKORO_VOICES = [
  "af_heart",
  "af_alloy",
  "af_aoede",
  "af_bella",
  "af_jessica",
  "af_kore",
  "af_nicole",
  "af_nova",
  "af_river",
  "af_sarah",
  "af_sky",
  "am_adam",
  "am_echo",
  "am_eric",
  "am_fenrir",
  "am_liam",
  "am_michael",
  "am_onyx",
  "am_puck",
  "am_santa",
  "bf_emma",
  "bf_isabella",
  "bm_george",
  "bm_lewis",
  "bf_alice",
  "bf_lily",
  "bm_daniel",
  "bm_fable",
] as const;

export type KokoroVoice = (typeof KOKORO_VOICES)[number];

/** espeak-ng voices offered when it is the engine: accent and a female/male variant. */
export const ESPEAK_VOICES = ["en-us+f3", "en-us+m3", "en-gb+f3", "en-gb+m3"] as const;

/** The espeak-ng voice closest to a Kokoro voice: `bf_emma` → British, female. */
export function espeakVoiceFor(voice: string): string {
  if ((ESPEAK_VOICES as readonly string[]).includes(voice)) return voice;
  const accent = voice.startsWith("b") ? "en-gb" : "en-us";
  return `${accent}+${voice[1] === "m" ? "m3" : "f3"}`;
}
