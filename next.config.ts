import type { NextConfig } from "next";

const config: NextConfig = {
  // Native and Node-only modules stay outside the bundle; route handlers and server.ts then share
  // one loaded copy of better-sqlite3 (and the database handle kept on globalThis).
  // kokoro-js (with transformers.js and onnxruntime-node under it) is loaded by lib/tts at run time.
  serverExternalPackages: ["better-sqlite3", "pino", "socket.io", "kokoro-js", "@huggingface/transformers"],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;
