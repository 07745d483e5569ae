import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Server } from "socket.io";
import { ConfigError, loadConfig, serverUser, setConfig, type Config } from "./lib/config";
import { ControlChannel } from "./lib/control/channel";
import { createControlUpgrade, isControlUpgrade } from "./lib/control/upgrade";
import { startCheckpointer } from "./lib/db/upkeep/checkpointer";
import { closeDb, openDatabase, startOptimizer } from "./lib/db/client";
import { DatabaseOpenError, explainMigrationFailure } from "./lib/db/open-failure";
import { startSearchIndexer } from "./lib/db/upkeep/search-index";
import { migrateToLatest } from "./lib/db/migrations";
import { pruneExpired, scheduleRetention } from "./lib/db/upkeep/retention";
import { clientAddress } from "./lib/http/client-address";
import { trackConnections } from "./lib/http/graceful-close";
import { readNodeBody } from "./lib/http/node-body";
import { REMOTE_ADDRESS_HEADER } from "./lib/http/remote-address";
import { applySecurityHeaders } from "./lib/http/security-headers";
import { handleEvents } from "./lib/ingest/handle-events";
import { getLog } from "./lib/log";
import type { ClientToServerEvents, ServerToClientEvents } from "./lib/realtime/messages";
import { dropWhenBacklogged } from "./lib/realtime/backpressure";
import { connectionCap } from "./lib/realtime/connection-cap";
import { createPublisher } from "./lib/realtime/publisher";
import { allowSameOrigin, authenticateSocket } from "./lib/realtime/socket-auth";
import { getHub, liveVersion, runtime } from "./lib/runtime";
import { startFinishedExpiry } from "./lib/sessions/finished-expiry";
import { handleSubscriptions, handleSync, MAX_CLIENT_MESSAGE_BYTES } from "./lib/realtime/subscriptions";

const dev = process.argv.includes("--dev");
// Next reads NODE_ENV when it loads, so it is set before the dynamic import below.
(process.env as Record<string, string>).NODE_ENV = dev ? "development" : "production";

const here = path.dirname(fileURLToPath(import.meta.url));
const projectDir = path.basename(here) === "dist" ? path.dirname(here) : here;
/** In-flight requests get this long after SIGTERM, so that the whole stop stays within 5 s. */
const SHUTDOWN_GRACE_MS = 3_000;
/** Live connections one address may hold open: one per dashboard tab, for many tabs or people behind one NAT. */
const MAX_CONNECTIONS_PER_CLIENT = 100;
/** A live connection that has not authenticated by then is closed (a real client does at once). */
const CONNECT_TIMEOUT_MS = 10_000;

function announceCredentials(config: Config) {
  const generated = (Object.keys(config.sources) as (keyof Config["sources"])[]).filter(
    (k) => config.sources[k] === "generated",
  );
  if (generated.length === 0) return;
  // Printed once, when generated; later starts only say where the secrets live.
  const lines = [
    "",
    "OpenCode Dashboard generated credentials (kept in " + path.join(config.dataDir, "secrets.json") + "):",
  ];
  if (generated.includes("frontendPassword"))
    lines.push(`  Dashboard password: ${config.frontendPassword}   (sign in to the dashboard with it)`);
  if (generated.includes("apiKey"))
    lines.push(`  Plugin API key:     ${config.apiKey}   (apiKey in each machine's ~/.config/opencode/dashboard.toml)`);
  if (generated.includes("authSecret")) lines.push("  Session secret:     generated (NEXTAUTH_SECRET)");
  lines.push("  Set API_KEY / FRONTEND_PASSWORD in the environment to choose your own.", "");
  process.stdout.write(lines.join("\n") + "\n");
}

/**
 * POST /events is answered here, before Next, and only here: Next's request pipeline costs about
 * 1.2 ms per request on a 2-core machine, several times the ingest work itself, and the plugins of
 * every machine post here continuously. (A second copy as a Next route handler could only drift.)
 */
async function dispatchEvents(req: IncomingMessage, res: ServerResponse) {
  try {
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : (value ?? null);
    };
    const { status, body, headers } = await handleEvents({
      apiKey: header("x-api-key"),
      client: clientAddress(req.headers, req.socket.remoteAddress),
      contentType: header("content-type"),
      contentEncoding: header("content-encoding"),
      readBody: (limit) => readNodeBody(req, limit),
    });
    const json = JSON.stringify(body);
    res.writeHead(status, {
      ...headers,
      "content-type": "application/json",
      "content-length": Buffer.byteLength(json),
    });
    res.end(json);
  } catch (error) {
    // The client went away mid-body (a plugin's timeout, a network drop, or a shutdown's deadline):
    // nothing was stored and nobody is left to answer. Not a server error.
    if (req.readableAborted || res.destroyed) {
      getLog().info("POST /events: the client closed the connection before sending its whole batch; nothing stored");
      return;
    }
    getLog().error({ err: error }, "POST /events failed");
    if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "internal", message: "the event batch could not be stored; retry" } }));
  }
}

/** A start-up problem the operator fixes in the environment; said in one line, without a stack. */
class StartupError extends Error {}

function explainListenFailure(config: Config, error: NodeJS.ErrnoException): Error {
  const where = `port ${config.port} on ${config.host}`;
  switch (error.code) {
    case "EADDRINUSE":
      return new StartupError(
        `${where} is already in use (another dashboard, or another program); stop it, or set PORT to a free port`,
      );
    case "EACCES":
      return new StartupError(
        `${where}: permission denied for ${serverUser()} (ports below 1024 need root or CAP_NET_BIND_SERVICE); ` +
          `set PORT to 1024 or above, and put a reverse proxy in front for port 80 or 443`,
      );
    case "EADDRNOTAVAIL":
      return new StartupError(
        `HOST=${config.host} is not an address of this machine; set HOST to one of its addresses, or 0.0.0.0 for all`,
      );
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new StartupError(
        `HOST=${config.host} does not resolve to an address of this machine; set HOST to an IP address, or 0.0.0.0 for all`,
      );
    default:
      return error;
  }
}

/** RETENTION_DAYS set: prune at start and hourly (lib/db/upkeep/retention.ts). */
function startRetention(config: Config, sqlite: Parameters<typeof pruneExpired>[0]) {
  const days = config.retentionDays;
  if (days === null) return undefined;
  const log = getLog();
  return scheduleRetention(async (signal) => {
    try {
      const result = await pruneExpired(sqlite, days, {
        signal,
        onRemoved: (ids) => ids.forEach((id) => getHub()?.sessionRemoved(id)),
      });
      const level = result.sessions + result.eventsSeen + result.instances > 0 || result.stopped ? "info" : "debug";
      log[level](
        { retention: { days, ...result } },
        `retention: pruned ${result.sessions} session(s), ${result.eventsSeen} event id(s), ${result.instances} host(s) older than ${days} day(s)` +
          (result.stopped ? "; stopped there for the shutdown, the rest goes at the next start" : ""),
      );
    } catch (error) {
      log.error({ err: error }, "retention: pruning failed; retrying at the next run");
    }
  });
}

async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  // Route handlers run in Next's own module graph; they read these through process.env.
  process.env.LOG_LEVEL = config.logLevel;
  // next-auth takes the origin from the request (Host, X-Forwarded-Proto as normalised below)
  // rather than a fixed NEXTAUTH_URL, so one install works on localhost, a LAN IP and behind TLS.
  process.env.AUTH_TRUST_HOST ??= "true";
  setConfig(config);
  const log = getLog();
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  const secretSources = Object.entries(config.sources)
    .map(([k, v]) => `${k} from ${v}`)
    .join(", ");
  log.info(
    { mode: dev ? "development" : "production", database: config.databasePath },
    `starting OpenCode Dashboard (${secretSources})`,
  );
  for (const warning of config.warnings) log.warn(warning);
  announceCredentials(config);

  const db = openDatabase(config.databasePath);
  runtime.db = db;
  const applied = await migrateToLatest(db.kysely).catch((error: unknown) => {
    throw explainMigrationFailure(db.path, error);
  });
  log.info({ applied }, applied.length ? `applied ${applied.length} migration(s)` : "database schema is up to date");
  const checkpointer = startCheckpointer(db.path, (message) => log.warn(`WAL checkpoint failed: ${message}`));
  const retention = startRetention(config, db.sqlite);
  const stopOptimizer = startOptimizer(db, (error) => log.warn({ err: error }, "PRAGMA optimize failed"));
  const stopSearchIndexer = startSearchIndexer(db.sqlite, (error) =>
    log.warn({ err: error }, "search indexing failed; retrying"),
  );
  // The speech engine is not warmed from here: its instance would come from this bundle's copy
  // of lib/tts, whose error classes the route handlers' copy does not recognise. Dashboards ask
  // /api/tts/status when they open, which starts the load.

  const { default: next } = await import("next");
  const app = next({ dev, dir: projectDir, hostname: config.host, port: config.port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const upgradeNext = app.getUpgradeHandler();

  const httpServer = createServer((req, res) => {
    if (req.method === "POST" && (req.url === "/events" || req.url?.startsWith("/events?"))) {
      void dispatchEvents(req, res);
      return;
    }
    void handle(req, res);
  });
  const connections = trackConnections(httpServer);
  const sameOrigin = allowSameOrigin(config, (origin, expected) =>
    log.warn(
      { origin, expected },
      `socket.io: refused a page of ${origin}; set ALLOWED_ORIGINS if it is this dashboard`,
    ),
  );
  const liveConnections = connectionCap(MAX_CONNECTIONS_PER_CLIENT, (client) =>
    log.warn(
      { client },
      `socket.io: ${client} holds ${MAX_CONNECTIONS_PER_CLIENT} live connections; refusing more until one closes`,
    ),
  );
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, {
    path: "/socket.io",
    serveClient: false,
    // Other upgrades (Next's dev HMR socket) are passed on below instead of being destroyed.
    destroyUpgrade: false,
    maxHttpBufferSize: MAX_CLIENT_MESSAGE_BYTES,
    // Unauthenticated connections are dropped this long after opening (socket.io's default is 45 s).
    connectTimeout: CONNECT_TIMEOUT_MS,
    allowRequest: (req, done) => {
      if (!liveConnections.allows(req)) return done("too many connections from this address", false);
      sameOrigin(req, done);
    },
  });
  liveConnections.track(io);
  // Runs before every other request listener, socket.io's long-polling included (it answers its
  // own requests before the handler above sees them), so every response carries the headers.
  httpServer.prependListener("request", (req, res) => {
    // Route handlers cannot see the peer address (the login limiter needs it).
    req.headers[REMOTE_ADDRESS_HEADER] = req.socket.remoteAddress ?? "unknown";
    // next-auth derives the public origin, and so whether cookies are Secure, from these: only a
    // trusted proxy may set them; otherwise they describe this very connection.
    if (!config.trustProxy || !req.headers["x-forwarded-proto"]) {
      req.headers["x-forwarded-proto"] = "encrypted" in req.socket && req.socket.encrypted ? "https" : "http";
    }
    if (!config.trustProxy) delete req.headers["x-forwarded-host"];
    applySecurityHeaders(req, res, { dev });
  });
  io.use(authenticateSocket);
  io.on("connection", (socket) => {
    dropWhenBacklogged(socket, (buffered) =>
      log.warn(
        { client: socket.handshake.address, buffered },
        `socket.io: dropped a client that stopped reading (${buffered} characters waiting to be sent)`,
      ),
    );
    handleSubscriptions(socket);
    handleSync(socket, liveVersion);
  });
  // Plugins' control connections (docs/control.md) on /control; socket.io takes /socket.io/.
  const control = new ControlChannel(() => runtime.hub?.controlChanged());
  runtime.control = control;
  const controlUpgrade = createControlUpgrade(control);
  httpServer.on("upgrade", (req, socket, head) => {
    if (isControlUpgrade(req)) controlUpgrade.handle(req, socket, head);
    else if (!req.url?.startsWith("/socket.io/")) void upgradeNext(req, socket, head);
  });
  const publisher = createPublisher(io, 100, (error) => log.error({ err: error }, "live push failed"));
  runtime.hub = publisher;
  // After the hub, so the first sweep's changes reach dashboards (lib/sessions/finished-expiry.ts).
  const stopFinishedExpiry = startFinishedExpiry(
    config.finishedWaitingMs,
    (cleared) => log.info({ cleared }, `${cleared} finished session(s) stopped waiting after FINISHED_WAITING_SECONDS`),
    (error) => log.error({ err: error }, "finished-session expiry failed; retrying at the next sweep"),
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", (error) => reject(explainListenFailure(config, error)));
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const address = httpServer.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
  log.info({ port }, `listening on http://${shownHost}:${port}`);

  stop = async (signal: string) => {
    log.info(`${signal} received: finishing in-flight requests, then stopping`);
    publisher.close();
    controlUpgrade.close();
    runtime.control = undefined;
    runtime.hub = undefined;
    // Live clients go at once (long polls answered, websockets closed): they would hold the drain.
    io.engine.close();
    if (!(await connections.close(SHUTDOWN_GRACE_MS))) {
      log.warn(`requests still open after ${SHUTDOWN_GRACE_MS} ms; closed them`);
    }
    await app.close?.().catch(() => {});
    await retention?.stop();
    stopFinishedExpiry();
    stopOptimizer();
    stopSearchIndexer();
    await checkpointer.stop();
    runtime.db = undefined;
    await closeDb(db);
    log.info("stopped");
    process.exit(0);
  };
  if (stopRequested) void stop(stopRequested);
}

/** Set once the server is up: stops it (in-flight requests answered, database closed). */
let stop: ((signal: string) => Promise<void>) | undefined;
/** A signal that came while starting: acted on once started, so that start-up never stops half way. */
let stopRequested: string | undefined;
let signalsReceived = 0;

/**
 * SIGTERM (docker stop, systemd) and SIGINT (Ctrl-C) stop the server gracefully. Listened to from
 * the start: without a listener, a signal during start-up or just after "listening" killed the
 * process outright. A second signal means "now": the process exits without waiting (SQLite's
 * journal keeps the database whole; only requests still in flight go unanswered).
 */
function onSignal(signal: NodeJS.Signals) {
  signalsReceived++;
  const log = getLog();
  if (signalsReceived > 1) {
    log.warn(`${signal} received again: exiting now, without waiting for requests in flight`);
    if (runtime.db?.sqlite.open) runtime.db.sqlite.close();
    process.exit(1);
  }
  if (stop) void stop(signal);
  else {
    stopRequested = signal;
    log.info(`${signal} received while starting: stopping as soon as start-up is done`);
  }
}

main().catch((error) => {
  // A problem the operator must fix, said in one line; anything else with its stack.
  if (error instanceof DatabaseOpenError || error instanceof StartupError) {
    process.stderr.write(`cannot start: ${error.message}\n`);
  } else {
    getLog().fatal({ err: error }, `start-up failed: ${(error as Error).message}`);
  }
  process.exit(1);
});
