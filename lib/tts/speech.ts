import type { Config } from "../config";
import { getConfig } from "../config";
import { getLog } from "../log";
import { AudioCache } from "./cache";
import { espeakWav, findEspeak } from "./espeak";
import { findModel, KOKORO_SAMPLE_RATE, loadKokoro, type KokoroVoiceModel } from "./kokoro";
import { ESPEAK_VOICES, KOKORO_VOICES, espeakVoiceFor } from "./voices";
import { encodeWav } from "./wav";
import { runtime } from "../runtime";

/**
 * The server's speech engine: Kokoro from TTS_MODEL_DIR when it is there, else espeak-ng when it
 * is installed, else none (the dashboard then speaks with the browser's own speechSynthesis).
 * One synthesis runs at a time; results are cached.
 */

export const MAX_TEXT = 300;

export type EngineName = "kokoro" | "espeak" | "browser";

export type SpeechStatus = {
  enabled: boolean;
  /** Who speaks: the server with Kokoro or espeak-ng, or the browser. Null when TTS is off. */
  engine: EngineName | null;
  /** `loading` while the Kokoro model loads (requests wait for it). */
  state: "off" | "loading" | "ready";
  reason: string;
  voice: string;
  voices: string[];
  speed: number;
  sampleRate: number | null;
  kokoro: {
    modelDir: string | null;
    dtype: string;
    state: "absent" | "loading" | "ready" | "failed";
    loadMs: number | null;
    problem: string | null;
  };
  espeak: { version: string | null };
};

export class SpeechUnavailable extends Error {
  constructor(
    readonly code: "tts_disabled" | "tts_unavailable",
    message: string,
  ) {
    super(message);
  }
}

type KokoroState =
  | { state: "absent"; problem: string }
  | { state: "loading"; promise: Promise<KokoroVoiceModel | null> }
  | { state: "ready"; model: KokoroVoiceModel; loadMs: number }
  | { state: "failed"; problem: string };

export class Speech {
  private kokoro: KokoroState | undefined;
  private espeak: Promise<string | null> | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly cache = new AudioCache();

  constructor(private readonly config: Pick<Config, "disableTts" | "tts">) {}

  private get tts() {
    return this.config.tts;
  }

  /** Starts loading Kokoro if it is configured and not loaded yet; never throws. */
  warm() {
    if (this.config.disableTts || this.kokoro) return;
    if (this.tts.engine === "espeak" || this.tts.engine === "browser") {
      this.kokoro = { state: "absent", problem: `TTS_ENGINE=${this.tts.engine}` };
      return;
    }
    const found = findModel(this.tts);
    if ("problem" in found && !(this.tts.allowDownload && this.tts.modelDir)) {
      this.kokoro = { state: "absent", problem: found.problem };
      getLog().info(`speech: Kokoro is not available (${found.problem})`);
      return;
    }
    const started = Date.now();
    const log = getLog();
    const promise = loadKokoro(this.tts, log).then(
      (model) => {
        this.kokoro = { state: "ready", model, loadMs: Date.now() - started };
        return model;
      },
      (error: Error) => {
        const message = error?.message?.split("\n")[0] ?? String(error);
        log.error(
          `speech: the Kokoro model in ${this.tts.modelDir} could not be loaded, speech falls back (${message})`,
        );
        this.kokoro = { state: "failed", problem: message };
        return null;
      },
    );
    this.kokoro = { state: "loading", promise };
  }

  private espeakVersion() {
    this.espeak ??= findEspeak();
    return this.espeak;
  }

  async status(): Promise<SpeechStatus> {
    this.warm();
    const k = this.kokoro;
    const espeak =
      this.config.disableTts || this.tts.engine === "kokoro" || this.tts.engine === "browser"
        ? null
        : await this.espeakVersion();
    const kokoroPart: SpeechStatus["kokoro"] = {
      modelDir: this.tts.modelDir,
      dtype: this.tts.dtype,
      state: k?.state ?? "absent",
      loadMs: k?.state === "ready" ? k.loadMs : null,
      problem: k?.state === "absent" || k?.state === "failed" ? k.problem : null,
    };
    const base = { speed: this.tts.speed, kokoro: kokoroPart, espeak: { version: espeak } };
    if (this.config.disableTts) {
      return {
        ...base,
        enabled: false,
        engine: null,
        state: "off",
        reason: "DISABLE_TTS=true",
        voice: this.tts.voice,
        voices: [],
        sampleRate: null,
      };
    }
    if (k?.state === "ready" || k?.state === "loading") {
      const reason =
        k.state === "ready"
          ? `Kokoro model from ${this.tts.modelDir} (${this.tts.dtype})`
          : `loading the Kokoro model from ${this.tts.modelDir}`;
      return {
        ...base,
        enabled: true,
        engine: "kokoro",
        state: k.state,
        reason,
        voice: this.tts.voice,
        voices: [...KOKORO_VOICES],
        sampleRate: KOKORO_SAMPLE_RATE,
      };
    }
    const kokoroWhy =
      this.tts.engine === "auto" || this.tts.engine === "kokoro"
        ? `Kokoro unavailable: ${kokoroPart.problem}`
        : `TTS_ENGINE=${this.tts.engine}`;
    if (espeak) {
      return {
        ...base,
        enabled: true,
        engine: "espeak",
        state: "ready",
        reason: `${kokoroWhy}; using espeak-ng ${espeak}`,
        voice: espeakVoiceFor(this.tts.voice),
        voices: [...ESPEAK_VOICES],
        sampleRate: 22_050,
      };
    }
    const espeakWhy = this.tts.engine === "auto" || this.tts.engine === "espeak" ? "; espeak-ng is not installed" : "";
    return {
      ...base,
      enabled: true,
      engine: "browser",
      state: "ready",
      reason: `${kokoroWhy}${espeakWhy}; the dashboard speaks with the browser's voice`,
      voice: this.tts.voice,
      voices: [],
      sampleRate: null,
    };
  }

  /** WAV audio for `text`, synthesised one request at a time, or SpeechUnavailable. */
  async synthesize(text: string, voice?: string): Promise<{ wav: Buffer; engine: EngineName; cached: boolean }> {
    const clipped = text.slice(0, MAX_TEXT);
    let status = await this.status();
    if (status.state === "loading" && this.kokoro?.state === "loading") {
      await this.kokoro.promise;
      status = await this.status();
    }
    if (!status.enabled)
      throw new SpeechUnavailable(
        "tts_disabled",
        "spoken announcements are turned off on this server (DISABLE_TTS=true)",
      );
    if (status.engine !== "kokoro" && status.engine !== "espeak")
      throw new SpeechUnavailable("tts_unavailable", `no speech engine on the server: ${status.reason}`);
    const engine = status.engine;
    const chosen = voice && status.voices.includes(voice) ? voice : status.voice;
    const key = AudioCache.key({ engine, voice: chosen, speed: this.tts.speed, text: clipped });
    const hit = this.cache.get(key);
    if (hit) return { wav: hit, engine, cached: true };
    const job = async () => {
      const again = this.cache.get(key); // a request queued behind an identical one
      if (again) return again;
      const started = Date.now();
      let wav: Buffer;
      if (engine === "kokoro") {
        const model = this.kokoro?.state === "ready" ? this.kokoro.model : null;
        if (!model) throw new SpeechUnavailable("tts_unavailable", "the Kokoro model is not loaded");
        wav = encodeWav(await model.generate(clipped, chosen, this.tts.speed), KOKORO_SAMPLE_RATE);
      } else {
        wav = await espeakWav(clipped, chosen, this.tts.speed);
      }
      this.cache.set(key, wav);
      const ms = Date.now() - started;
      getLog().debug(
        { engine, chars: clipped.length, started, ms },
        `speech: synthesized ${clipped.length} characters with ${engine} in ${ms} ms`,
      );
      return wav;
    };
    const run = this.tail.then(job, job);
    this.tail = run.catch(() => {});
    return { wav: await run, engine, cached: false };
  }
}

export function getSpeech(): Speech {
  runtime.speech ??= new Speech(getConfig());
  return runtime.speech;
}
