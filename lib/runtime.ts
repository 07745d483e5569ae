import type BetterSqlite3 from "better-sqlite3";
import type { Logger } from "pino";
import type { Config } from "./config";
import type { ControlChannel } from "./control/channel";
import type { FailureLimit } from "./auth/failure-limit";
import type { Db } from "./db/client";
import type { IngestStore } from "./ingest/store";
import type { Metrics } from "./metrics/registry";
import type { Hub } from "./realtime/changes";
import type { RateLimit } from "./tts/rate-limit";
import type { Speech } from "./tts/speech";

/**
 * The one process-wide registry. server.ts and the route handlers that Next bundles into their
 * own module graphs load separate copies of lib/, so anything that must exist once per process
 * (one connection, one metrics registry, one speech engine, one set of limits) hangs off this one
 * object on globalThis. Each owner creates its entry lazily; server.ts installs db and hub.
 */
export type Runtime = {
  config?: Config;
  db?: Db;
  log?: Logger;
  metrics?: Metrics;
  /** The live push; absent until server.ts has socket.io up, and again while stopping. */
  hub?: Hub;
  speech?: Speech;
  /** Plugins' control connections (docs/control.md); absent until server.ts accepts them. */
  control?: ControlChannel;
  /** Prepared ingest statements, for the connection they were prepared on. */
  ingestStore?: { sqlite: BetterSqlite3.Database; store: IngestStore };
  limits: {
    /** Failed sign-ins per client address (lib/auth/login-limiter.ts). */
    loginFailures?: FailureLimit;
    /** Wrong plugin keys per client address (lib/auth/plugin-key-check.ts). */
    pluginKeyFailures?: FailureLimit;
    /** Speech requests per client (lib/tts/http.ts). */
    speech?: RateLimit;
  };
};

const KEY = Symbol.for("opencode-dashboard.runtime");
const holder = globalThis as unknown as { [KEY]?: Runtime };

export const runtime: Runtime = (holder[KEY] ??= { limits: {} });

export function getDb(): Db {
  if (!runtime.db) throw new Error("database is not open: start the app through server.ts");
  return runtime.db;
}

export function getHub(): Hub | undefined {
  return runtime.hub;
}

/** The live push's change count (Hub.version); 0 before server.ts has installed it. */
export function liveVersion(): number {
  return runtime.hub?.version() ?? 0;
}
