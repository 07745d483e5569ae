import type { AnnouncerSettings } from "@/lib/announce/settings";

/**
 * How a sentence becomes sound in the browser: the server's voice (a signed /api/tts URL played by
 * an <audio> element) when the server has Kokoro or espeak-ng, else the browser's speechSynthesis;
 * and a chime made with Web Audio for people who prefer no voice. One sound at a time.
 */

// Type-only imports are erased from the browser bundle: the server's speech code never ships.
import type { EngineName, SpeechStatus as ServerSpeechStatus } from "@/lib/tts/speech";

export type Engine = EngineName;
/** The part of GET /api/tts/status the browser reads. */
export type SpeechStatus = Pick<ServerSpeechStatus, "enabled" | "engine" | "state" | "reason" | "voice" | "voices">;

/** Thrown when the browser refuses to play before the user has interacted with the page. */
export class PlaybackBlocked extends Error {}

function headers(apiKey?: string): HeadersInit {
  return apiKey ? { "x-api-key": apiKey } : {};
}

export async function fetchStatus(apiKey?: string): Promise<SpeechStatus> {
  const res = await fetch("/api/tts/status", { headers: headers(apiKey), credentials: "same-origin" });
  if (!res.ok) throw new Error(`GET /api/tts/status: ${res.status}`);
  return (await res.json()) as SpeechStatus;
}

async function signedUrl(text: string, voice: string | null, apiKey?: string): Promise<string | null> {
  const res = await fetch("/api/tts/sign", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers(apiKey) },
    credentials: "same-origin",
    body: JSON.stringify({ text, ...(voice ? { voice } : {}) }),
  });
  if (res.status === 503) return null; // the server has no engine (any more): the browser speaks
  if (!res.ok) throw new Error(`POST /api/tts/sign: ${res.status}`);
  return ((await res.json()) as { url: string }).url;
}

function playUrl(url: string, volume: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const audio = new Audio(url);
    audio.volume = volume;
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, 60_000);
    audio.addEventListener("ended", done, { once: true });
    audio.addEventListener(
      "error",
      () => (clearTimeout(timer), reject(new Error(`audio failed: ${audio.error?.message ?? "unknown"}`))),
      { once: true },
    );
    audio.play().catch((error: Error) => {
      clearTimeout(timer);
      reject(error.name === "NotAllowedError" ? new PlaybackBlocked(error.message) : error);
    });
  });
}

function speakInBrowser(text: string, voiceName: string | null, volume: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!("speechSynthesis" in window)) return resolve();
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.volume = volume;
    const voice = voiceName ? speechSynthesis.getVoices().find((v) => v.name === voiceName) : undefined;
    if (voice) utterance.voice = voice;
    const timer = setTimeout(resolve, 30_000); // some engines never fire `end`
    utterance.onend = () => (clearTimeout(timer), resolve());
    utterance.onerror = (event) => {
      clearTimeout(timer);
      // Chrome refuses speech before the user has interacted with the page, like audio.
      if (event.error === "not-allowed") reject(new PlaybackBlocked("speech synthesis is not allowed yet"));
      else resolve();
    };
    speechSynthesis.speak(utterance);
  });
}

let audioContext: AudioContext | null = null;

/** Two short rising tones (E5 → A5), about half a second. */
async function playChime(volume: number): Promise<void> {
  audioContext ??= new AudioContext();
  const ctx = audioContext;
  if (ctx.state === "suspended") await ctx.resume().catch(() => {});
  if (ctx.state !== "running") throw new PlaybackBlocked("the audio context is not allowed to start yet");
  const start = ctx.currentTime + 0.02;
  for (const [i, freq] of [659.25, 880].entries()) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "sine";
    osc.frequency.value = freq;
    const t = start + i * 0.18;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(Math.max(0.0002, 0.35 * volume), t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.3);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t);
    osc.stop(t + 0.32);
  }
  await new Promise((r) => setTimeout(r, 550));
}

let tail: Promise<unknown> = Promise.resolve();

/** Says `text` as the settings ask, after whatever is being said now. */
export function say(text: string, settings: AnnouncerSettings, engine: Engine | null, apiKey?: string): Promise<void> {
  const job = async () => {
    if (settings.muted) return;
    if (settings.sound !== "voice") await playChime(settings.volume);
    if (settings.sound === "chime") return;
    if (engine === "kokoro" || engine === "espeak") {
      const url = await signedUrl(text, settings.voice, apiKey);
      if (url) return playUrl(url, settings.volume);
    }
    // The browser's voices have names, the server's ids: a server voice means "default" here.
    const browserVoice = settings.voice && !/^[a-z]{2}_|^en-/.test(settings.voice) ? settings.voice : null;
    return speakInBrowser(text, browserVoice, settings.volume);
  };
  const run = tail.then(job, job);
  tail = run.catch(() => {});
  return run;
}
