import { existsSync, statSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config";
import type { Logger } from "pino";

/**
 * Kokoro-82M through kokoro-js, from a local model folder. kokoro-js (and transformers.js and
 * onnxruntime-node under it) is only ever reached through dynamic import(): importing it installs
 * a process-wide unhandledRejection handler, which a server with DISABLE_TTS=true must not get.
 */

export const KOKORO_SAMPLE_RATE = 24_000;
const REMOTE_MODEL = "onnx-community/Kokoro-82M-v1.0-ONNX";
const DTYPE_FILE: Record<Config["tts"]["dtype"], string> = {
  fp32: "model.onnx",
  fp16: "model_fp16.onnx",
  q8: "model_quantized.onnx",
  q4: "model_q4.onnx",
  q4f16: "model_q4f16.onnx",
};

export type KokoroVoiceModel = {
  generate(text: string, voice: string, speed: number): Promise<Float32Array>;
};

/** The files transformers.js reads for Kokoro, relative to the model folder, for this dtype. */
function kokoroFiles(dtype: Config["tts"]["dtype"]) {
  return ["config.json", "tokenizer.json", "tokenizer_config.json", `onnx/${DTYPE_FILE[dtype]}`];
}

/**
 * Where the model files are: TTS_MODEL_DIR itself, or the Hub layout that a start with
 * TTS_ALLOW_DOWNLOAD=true leaves in it (<dir>/onnx-community/Kokoro-82M-v1.0-ONNX/). Otherwise
 * why not. Cheap: a few stat calls.
 */
export function findModel(tts: Config["tts"]): { dir: string } | { problem: string } {
  if (!tts.modelDir) return { problem: "TTS_MODEL_DIR is not set" };
  // turbopackIgnore: run-time paths; without it Turbopack traces the whole project into every route.
  const root = tts.modelDir;
  if (!existsSync(/* turbopackIgnore: true */ root) || !statSync(/* turbopackIgnore: true */ root).isDirectory()) {
    return { problem: `TTS_MODEL_DIR=${root} does not exist` };
  }
  const missingIn = (dir: string) =>
    kokoroFiles(tts.dtype).filter((f) => !existsSync(path.join(/* turbopackIgnore: true */ dir, f)));
  const missing = missingIn(root);
  if (missing.length === 0) return { dir: root };
  const downloaded = path.join(/* turbopackIgnore: true */ root, REMOTE_MODEL);
  if (missingIn(downloaded).length === 0) return { dir: downloaded };
  return { problem: `TTS_MODEL_DIR=${root} has no ${missing.join(", ")} (TTS_DTYPE=${tts.dtype})` };
}

export async function loadKokoro(tts: Config["tts"], log: Logger): Promise<KokoroVoiceModel> {
  const started = Date.now();
  const transformers = await import("@huggingface/transformers");
  const { KokoroTTS } = await import("kokoro-js");
  const { env } = transformers;
  env.allowLocalModels = true;
  env.allowRemoteModels = tts.allowDownload;
  const found = findModel(tts);
  let modelId: string;
  if ("dir" in found) {
    // An absolute path is not a Hub id, so transformers.js reads <dir>/<file> directly.
    modelId = found.dir;
  } else {
    // Only reached with TTS_ALLOW_DOWNLOAD=true: fetch once from the Hub into TTS_MODEL_DIR.
    modelId = REMOTE_MODEL;
    env.localModelPath = tts.modelDir!;
    env.cacheDir = tts.modelDir!;
  }
  log.info({ model: modelId, dtype: tts.dtype, download: tts.allowDownload }, "speech: loading the Kokoro model");
  let lastLogged = 0;
  const model = await KokoroTTS.from_pretrained(modelId, {
    dtype: tts.dtype,
    device: "cpu",
    progress_callback: (p: { status: string; file?: string; progress?: number }) => {
      if (p.status === "done") log.info({ file: p.file, ms: Date.now() - started }, `speech: loaded ${p.file}`);
      else if (p.status === "progress" && typeof p.progress === "number" && Date.now() - lastLogged > 2_000) {
        lastLogged = Date.now();
        log.info(
          { file: p.file, progress: Math.round(p.progress) },
          `speech: reading ${p.file} ${Math.round(p.progress)}%`,
        );
      }
    },
  });
  // The first generate() also starts the phonemizer (espeak-ng compiled to wasm, about a second):
  // done here so that the first announcement is not the slow one.
  await model.generate("Ready.", { voice: tts.voice });
  log.info({ ms: Date.now() - started }, `speech: Kokoro model ready in ${Date.now() - started} ms`);
  return {
    async generate(text, voice, speed) {
      const audio = await model.generate(text, { voice: voice as never, speed });
      if (audio.sampling_rate !== KOKORO_SAMPLE_RATE)
        throw new Error(`Kokoro returned ${audio.sampling_rate} Hz audio, expected ${KOKORO_SAMPLE_RATE}`);
      return audio.audio;
    },
  };
}
