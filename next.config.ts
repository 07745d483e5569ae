import type { NextConfig } from "next";

const config: NextConfig = {
  // Native and Node-only modules stay outside the bundle; route handlers and server.ts then share
  // one loaded copy of better-sqlite3 (and the database handle kept on globalThis).
  serverExternalPackages: ["better-sqlite3", "pino", "socket.io"],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;
