import type { NextConfig } from "next";

const config: NextConfig = {
  // Native and Node-only modules stay outside the bundle; route handlers and server.ts then share
  // one loaded copy of better-sqlite3 (and the database handle kept on globalThis).
  // kokoro-js (with transformers.js and onnxruntime-node under it) is loaded by lib/tts at run time.
  serverExternalPackages: ["better-sqlite3", "pino", "socket.io", "kokoro-js", "@huggingface/transformers"],
  // The Docker build sets NEXT_OUTPUT=standalone: Next then traces the files its server needs,
  // next/dist/server/next (what server.ts starts) included, into .next/next-server.js.nft.json,
  // and scripts/prune-runtime.mjs ships only those of the next package. The .next/standalone
  // folder it also writes goes unused (server.ts is the entry point, not Next's server.js); left
  // unset elsewhere, because Next warns at start when a custom server runs a standalone build.
  output: process.env.NEXT_OUTPUT === "standalone" ? "standalone" : undefined,
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;
