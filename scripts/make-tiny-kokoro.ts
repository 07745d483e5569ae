// Writes the tiny Kokoro-shaped test model (config, tokenizer, onnx/model.onnx and
// onnx/model_quantized.onnx) into a folder: `node --import tsx scripts/make-tiny-kokoro.ts /tmp/kokoro-tiny`.
// The tests build the same folder themselves; this is for trying the server by hand:
// `DISABLE_TTS=false TTS_MODEL_DIR=/tmp/kokoro-tiny npm start`.
import path from "node:path";
import { writeTinyKokoro } from "../tests/fixtures/tts/tiny-kokoro";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node --import tsx scripts/make-tiny-kokoro.ts <folder>");
  process.exit(2);
}
writeTinyKokoro(path.resolve(dir));
console.log(`tiny Kokoro model written to ${path.resolve(dir)}`);
