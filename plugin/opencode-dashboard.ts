/**
 * OpenCode Dashboard plugin: forwards OpenCode's bus events to a dashboard server.
 *
 * This file ships alone (copied into `~/.config/opencode/plugin/`) or as the npm package
 * `opencode-dashboard-plugin`, so it has no dependencies beyond Node/Bun built-ins. OpenCode 1.18
 * refuses a plugin file with any export that is not a plugin function, so everything except
 * `OpencodeDashboard` stays unexported; tests drive it through the plugin function itself.
 *
 * Wire protocol: POST {url}/events, `X-API-Key`, body `{ events: [...] }` (<= 500 events, <= 1 MB).
 * With `control = "answer"` or `"full"` it also keeps one outbound WebSocket to {url}/control and
 * carries out the dashboard's commands (docs/control.md in the dashboard's repository).
 */
import { createHash, randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const PLUGIN_VERSION = "0.1.0";
const LOG_PREFIX = "[opencode-dashboard]";

// Limits from the wire protocol and the brief.
const BATCH_EVENTS = 50; // flush as soon as this many are queued...
const BATCH_DELAY_MS = 250; // ...or this long after the first one
const REQUEST_MAX_EVENTS = 500; // = the server's MAX_BATCH_EVENTS (tests/unit/limits.test.ts)
const REQUEST_MAX_BYTES = 1024 * 1024; // = the server's MAX_BODY_BYTES (tests/unit/limits.test.ts)
const QUEUE_CAP = 5_000; // in-memory events; beyond this the queue spills to the spool
const DELTA_INTERVAL_MS = 1_000; // at most one "typing" marker per part per second
const STREAM_INTERVAL_MS = 250; // streamed text: the part's text so far, at most this often per part
const STREAM_TEXT_MAX = 16 * 1024; // = the server's TEXT_CAP: past it the final part update says the rest
const STREAM_PARTS_MAX = 1_000; // parts followed at once; more means ends were missed: start over
const DEFAULT_SPOOL_MAX_BYTES = 50 * 1024 * 1024;

/**
 * Events someone may be waiting on (a session became blocked, was answered, failed or finished its
 * turn): sent without the batch delay, so the dashboard shows them, and an answer given there
 * comes back, at once. They are a few per turn.
 */
const URGENT_TYPES = new Set([
  "permission.asked",
  "permission.replied",
  "question.asked",
  "question.replied",
  "question.rejected",
  "session.error",
  "session.idle",
]);

/** Event types worth forwarding, by prefix; everything else (plugin.added, catalog.updated, ...) is start-up noise. */
const FORWARDED_PREFIXES = [
  "session.",
  "message.",
  "permission.",
  "question.",
  "todo.",
  "file.edited",
  "command.executed",
  "vcs.",
];

type Tuning = {
  requestTimeoutMs: number;
  heartbeatMs: number;
  authRetryMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  disposeWaitMs: number;
};

const DEFAULT_TUNING: Tuning = {
  requestTimeoutMs: 10_000,
  heartbeatMs: 30_000,
  authRetryMs: 60_000,
  backoffBaseMs: 500,
  backoffMaxMs: 30_000,
  disposeWaitMs: 2_000,
};

type ControlLevel = "off" | "answer" | "full";
const CONTROL_LEVELS: readonly ControlLevel[] = ["off", "answer", "full"];

type DashboardConfig = {
  url: string;
  apiKey: string;
  control: ControlLevel;
  hostname: string;
  spoolDir: string;
  spoolMaxBytes: number;
};

type Logger = (message: string) => void;

// ---------------------------------------------------------------------------------------------
// Configuration: ~/.config/opencode/dashboard.toml < <project>/.opencode/dashboard.toml < env
// ---------------------------------------------------------------------------------------------

class ConfigError extends Error {}

const CONFIG_KEYS: Record<string, "string" | "number"> = {
  url: "string",
  apiKey: "string",
  hostname: "string",
  spoolDir: "string",
  spoolMaxBytes: "number",
  control: "string",
};

function configHome(): string {
  return process.env.XDG_CONFIG_HOME || path.join(process.env.HOME || os.homedir(), ".config");
}

function dataHome(): string {
  return process.env.XDG_DATA_HOME || path.join(process.env.HOME || os.homedir(), ".local", "share");
}

/** Reads one TOML file; returns {} when it does not exist, throws ConfigError naming the file (and key) otherwise. */
function readTomlFile(file: string, log: Logger): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const bun = (globalThis as { Bun?: { TOML: { parse(text: string): unknown } } }).Bun;
  if (!bun) throw new ConfigError(`cannot parse ${file}: the plugin must run under Bun (OpenCode's runtime)`);
  let parsed: unknown;
  try {
    parsed = bun.TOML.parse(text);
  } catch (err) {
    const e = err as { message?: string; line?: number; column?: number };
    const where = e.line ? ` (line ${e.line}, column ${e.column})` : "";
    throw new ConfigError(`invalid TOML in ${file}${where}: ${e.message ?? String(err)}`);
  }
  const table = parsed as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(table)) {
    const expected = CONFIG_KEYS[key];
    if (!expected) {
      log(`ignoring unknown key "${key}" in ${file} (known keys: ${Object.keys(CONFIG_KEYS).join(", ")})`);
      continue;
    }
    if (typeof value !== expected || (expected === "string" && (value as string).trim() === "")) {
      throw new ConfigError(`invalid ${file}: key "${key}" must be a non-empty ${expected}`);
    }
    if (key === "url" && !isHttpUrl(value as string)) {
      throw new ConfigError(`invalid ${file}: key "url" must be an http(s) URL`);
    }
    if (key === "control" && !CONTROL_LEVELS.includes(value as ControlLevel)) {
      throw new ConfigError(`invalid ${file}: key "control" must be one of ${CONTROL_LEVELS.join(", ")}`);
    }
    if (key === "spoolMaxBytes" && !((value as number) > 0)) {
      throw new ConfigError(`invalid ${file}: key "spoolMaxBytes" must be a positive number`);
    }
    out[key] = value;
  }
  return out;
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

/** Returns the merged config, or null (after logging one line) when the plugin should stay idle. */
function loadConfig(directory: string, log: Logger): DashboardConfig | null {
  const globalFile = path.join(configHome(), "opencode", "dashboard.toml");
  const projectFile = path.join(directory, ".opencode", "dashboard.toml");
  let merged: Record<string, unknown>;
  try {
    merged = { ...readTomlFile(globalFile, log), ...readTomlFile(projectFile, log) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    log(`${err.message}; the dashboard plugin stays idle`);
    return null;
  }
  const env = process.env;
  if (env.OPENCODE_DASHBOARD_URL) {
    if (!isHttpUrl(env.OPENCODE_DASHBOARD_URL)) {
      log(
        `invalid environment variable OPENCODE_DASHBOARD_URL: must be an http(s) URL; the dashboard plugin stays idle`,
      );
      return null;
    }
    merged.url = env.OPENCODE_DASHBOARD_URL;
  }
  if (env.OPENCODE_DASHBOARD_API_KEY) merged.apiKey = env.OPENCODE_DASHBOARD_API_KEY;
  if (env.OPENCODE_DASHBOARD_HOSTNAME) merged.hostname = env.OPENCODE_DASHBOARD_HOSTNAME;
  if (env.OPENCODE_DASHBOARD_CONTROL) {
    if (!CONTROL_LEVELS.includes(env.OPENCODE_DASHBOARD_CONTROL as ControlLevel)) {
      log(
        `invalid environment variable OPENCODE_DASHBOARD_CONTROL: must be one of ${CONTROL_LEVELS.join(", ")}; the dashboard plugin stays idle`,
      );
      return null;
    }
    merged.control = env.OPENCODE_DASHBOARD_CONTROL;
  }

  const missing = ["url", "apiKey"].filter((k) => !merged[k]);
  if (missing.length > 0) {
    log(
      `not configured (missing ${missing.join(" and ")}): set them in ${globalFile}, ${projectFile} ` +
        `or OPENCODE_DASHBOARD_URL / OPENCODE_DASHBOARD_API_KEY; the dashboard plugin stays idle`,
    );
    return null;
  }
  const url = merged.url as string;
  return {
    url,
    apiKey: merged.apiKey as string,
    // Off unless the machine's owner turns it on: a dashboard must not act on every machine by default.
    control: (merged.control as ControlLevel | undefined) ?? "off",
    hostname: (merged.hostname as string | undefined) ?? os.hostname(),
    spoolDir: (merged.spoolDir as string | undefined) ?? defaultSpoolDir(url),
    spoolMaxBytes: (merged.spoolMaxBytes as number | undefined) ?? DEFAULT_SPOOL_MAX_BYTES,
  };
}

/** One spool per dashboard URL, so switching dashboards never replays one's events into another. */
function defaultSpoolDir(url: string): string {
  const u = new URL(url);
  const slug = `${u.hostname}-${u.port || u.protocol.replace(":", "")}`.replace(/[^a-zA-Z0-9.-]/g, "_");
  const hash = createHash("sha256").update(url.replace(/\/+$/, "")).digest("hex").slice(0, 12);
  return path.join(dataHome(), "opencode-dashboard", "spool", `${slug}-${hash}`);
}

// ---------------------------------------------------------------------------------------------
// Spool: segment files of one serialized event per line, oldest first by sequence number.
// Sync fs calls on purpose: it is only touched outside the event hook (or on overflow), and the
// same code must work from process 'exit', where nothing async runs any more.
// ---------------------------------------------------------------------------------------------

type Segment = { seq: number; pid: number; file: string; bytes: number; appendable: boolean };

/**
 * Several OpenCode processes on one machine share a dashboard's spool. Each appends only to its own
 * segments, and replays (rewrites, deletes) only its own or those whose process is gone, so no two
 * processes ever rewrite one file. Order between processes does not matter; within one it does.
 */
const pidChecks = new Map<number, { alive: boolean; at: number }>();
function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  const cached = pidChecks.get(pid);
  if (cached && Date.now() - cached.at < 10_000) return cached.alive;
  let alive: boolean;
  try {
    process.kill(pid, 0);
    alive = true;
  } catch (err) {
    alive = (err as NodeJS.ErrnoException).code === "EPERM";
  }
  pidChecks.set(pid, { alive, at: Date.now() });
  return alive;
}

class Spool {
  readonly dir: string;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private segments: Segment[] = [];
  private total = 0;
  private headSeg: Segment | null = null; // the segment the last head() read from
  dropped = 0;

  constructor(
    dir: string,
    maxBytes: number,
    private readonly log: Logger,
  ) {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.segmentBytes = Math.max(4096, Math.min(1024 * 1024, Math.floor(maxBytes / 8)));
    fs.mkdirSync(dir, { recursive: true });
    this.rescan();
  }

  get bytes(): number {
    return this.total;
  }

  /** True while this process has spooled events to send (its own, or orphans of a gone process). */
  get hasWork(): boolean {
    return this.segments.some((seg) => this.replayable(seg));
  }

  private replayable(seg: Segment): boolean {
    return seg.pid === process.pid || !pidAlive(seg.pid);
  }

  /** Picks up segments left by an earlier run (or another OpenCode process using the same dashboard). */
  rescan(): void {
    const known = new Map(this.segments.map((seg) => [seg.file, seg]));
    const found: Segment[] = [];
    for (const name of fs.readdirSync(this.dir)) {
      const m = /^(\d+)-(\d+)\.jsonl$/.exec(name);
      if (!m) continue;
      const file = path.join(this.dir, name);
      try {
        const bytes = fs.statSync(file).size;
        found.push({
          ...(known.get(file) ?? { seq: Number(m[1]), pid: Number(m[2]), file, appendable: false }),
          bytes,
        });
      } catch {
        // removed by another process between readdir and stat: nothing to replay
      }
    }
    this.segments = found.sort((a, b) => a.seq - b.seq);
    this.total = this.segments.reduce((n, seg) => n + seg.bytes, 0);
  }

  /** Appends events (already serialized) behind everything spooled so far. */
  append(lines: string[]): void {
    let i = 0;
    while (i < lines.length) {
      let tail = this.segments[this.segments.length - 1];
      if (!tail || !tail.appendable || tail.bytes >= this.segmentBytes) {
        tail = this.newSegment(tail ? tail.seq + 1 : 1_000_000_000, true);
        this.segments.push(tail);
      }
      let chunk = "";
      let size = 0;
      while (i < lines.length && (chunk === "" || tail.bytes + size + lines[i].length < this.segmentBytes)) {
        chunk += lines[i] + "\n";
        size += Buffer.byteLength(lines[i]) + 1;
        i++;
      }
      fs.appendFileSync(tail.file, chunk);
      tail.bytes += size;
      this.total += size;
    }
    this.enforceBound();
  }

  /** Puts events back in front of the spool (a batch that was in flight when the dashboard failed). */
  prepend(lines: string[]): void {
    if (lines.length === 0) return;
    const head = this.segments[0];
    const seg = this.newSegment(head ? head.seq - 1 : 1_000_000_000, false); // nothing goes behind it later
    const chunk = lines.join("\n") + "\n";
    fs.writeFileSync(seg.file, chunk);
    seg.bytes = Buffer.byteLength(chunk);
    this.segments.unshift(seg);
    this.total += seg.bytes;
    this.enforceBound();
  }

  /**
   * The oldest spooled events this process may send, at most one request's worth. `consumed`
   * counts the lines read, including corrupt ones (a crash mid-write) that are skipped rather than
   * poisoning a whole batch.
   */
  head(maxEvents: number, maxBytes: number): { lines: string[]; consumed: number } {
    for (;;) {
      const seg = this.segments.find((s) => this.replayable(s));
      this.headSeg = seg ?? null;
      if (!seg) return { lines: [], consumed: 0 };
      let text: string;
      try {
        text = fs.readFileSync(seg.file, "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
        this.remove(seg); // replayed by another process meanwhile
        continue;
      }
      const all = text.split("\n").filter((l) => l !== "");
      if (all.length === 0) {
        this.remove(seg);
        continue;
      }
      const lines: string[] = [];
      let bytes = 0;
      let consumed = 0;
      for (const line of all) {
        const size = Buffer.byteLength(line) + 1;
        if (lines.length >= maxEvents || (lines.length > 0 && bytes + size > maxBytes)) break;
        consumed++;
        try {
          JSON.parse(line);
        } catch {
          this.log(`skipping a corrupt line in ${seg.file}`);
          continue;
        }
        lines.push(line);
        bytes += size;
      }
      return { lines, consumed };
    }
  }

  /** Forgets the first `count` lines returned by head(), once the dashboard has them (or refused them for good). */
  commitHead(count: number): void {
    const seg = this.headSeg;
    this.headSeg = null;
    if (!seg || !this.segments.includes(seg)) return; // dropped by the size bound meanwhile
    let lines: string[];
    try {
      lines = fs
        .readFileSync(seg.file, "utf8")
        .split("\n")
        .filter((l) => l !== "");
    } catch {
      this.remove(seg);
      return;
    }
    const rest = lines.slice(count);
    if (rest.length === 0) {
      this.remove(seg);
      return;
    }
    const chunk = rest.join("\n") + "\n";
    fs.writeFileSync(seg.file, chunk);
    const size = Buffer.byteLength(chunk);
    this.total += size - seg.bytes;
    seg.bytes = size;
  }

  private newSegment(seq: number, appendable: boolean): Segment {
    return { seq, pid: process.pid, file: path.join(this.dir, `${seq}-${process.pid}.jsonl`), bytes: 0, appendable };
  }

  private remove(seg: Segment): void {
    const i = this.segments.indexOf(seg);
    if (i < 0) return;
    this.segments.splice(i, 1);
    this.total -= seg.bytes;
    fs.rmSync(seg.file, { force: true });
  }

  /** Keeps the spool under its size limit by dropping the oldest segments this process may touch, counting what is lost. */
  private enforceBound(): void {
    let droppedNow = 0;
    while (this.total > this.maxBytes) {
      const seg = this.segments.find((s) => this.replayable(s));
      if (!seg) break;
      try {
        droppedNow += fs
          .readFileSync(seg.file, "utf8")
          .split("\n")
          .filter((l) => l !== "").length;
      } catch {
        // already gone: nothing to count
      }
      this.remove(seg);
    }
    if (droppedNow > 0) {
      if (this.dropped === 0)
        this.log(`spool ${this.dir} is full (${this.maxBytes} bytes): dropping the oldest events`);
      this.dropped += droppedNow;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Shipper: queue, batching, sending, retries and spooling for one dashboard URL.
// ---------------------------------------------------------------------------------------------

type SendResult =
  | { kind: "done" } // stored, or refused for good (dropped with a log line)
  | { kind: "retry"; afterMs?: number } // network error, timeout, 5xx, 429
  | { kind: "auth"; status: number };

class Shipper {
  private queue: string[] = [];
  private firstQueuedAt = 0;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private wakeTimer: ReturnType<typeof setTimeout> | null = null;
  private pumping: Promise<void> | null = null;
  private inflight: string[] | null = null; // a batch taken from the queue and not yet confirmed
  private blockedUntil = 0;
  private authBlocked = false;
  private failures = 0;
  private flushNow = false; // set on shutdown: send what is queued without waiting for a full batch
  private urgentQueued = false; // an event someone is waiting to see is queued: send without the batch delay
  private readonly loggedOnce = new Set<string>();
  private readonly base: string;
  readonly spool: Spool;

  constructor(
    private readonly config: DashboardConfig,
    private readonly tuning: Tuning,
    private readonly log: Logger,
  ) {
    this.base = config.url.replace(/\/+$/, "");
    this.spool = new Spool(config.spoolDir, config.spoolMaxBytes, log);
  }

  /** Called from the event hook: no I/O except spilling a full queue to disk. */
  push(line: string, urgent = false): void {
    this.queue.push(line);
    if (urgent) this.urgentQueued = true;
    if (this.queue.length === 1) this.firstQueuedAt = Date.now();
    if (this.queue.length > QUEUE_CAP) {
      // The dashboard is slow or down: keep memory bounded. Queued events are newer than anything
      // spooled or in flight, so appending keeps the order.
      try {
        this.spool.append(this.queue);
      } catch (err) {
        this.spool.dropped += this.queue.length;
        this.logOnce(
          `spool:${(err as Error).message}`,
          `cannot write the spool (${(err as Error).message}): dropped ${this.queue.length} queued events`,
        );
      }
      this.queue = [];
      return;
    }
    if (this.urgentQueued || this.queue.length >= BATCH_EVENTS) this.kick();
    else this.armFlushTimer(BATCH_DELAY_MS);
  }

  private armFlushTimer(ms: number): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(
      () => {
        this.flushTimer = null;
        this.kick();
      },
      Math.max(0, ms),
    );
    this.flushTimer.unref?.();
  }

  /** A queue is due when it holds a full batch or its oldest event has waited long enough. */
  private queueDue(): boolean {
    if (this.queue.length === 0) return false;
    if (this.flushNow || this.urgentQueued || this.queue.length >= BATCH_EVENTS) return true;
    const age = Date.now() - this.firstQueuedAt;
    if (age >= BATCH_DELAY_MS) return true;
    this.armFlushTimer(BATCH_DELAY_MS - age);
    return false;
  }

  /** Starts the send loop unless it runs already; never throws. */
  kick(): void {
    if (this.pumping) return;
    this.pumping = this.pump()
      .catch((err) =>
        this.logOnce(
          `pump:${(err as Error).message}`,
          `unexpected error while sending: ${(err as Error).stack ?? err}`,
        ),
      )
      .finally(() => {
        this.pumping = null;
      });
  }

  private async pump(): Promise<void> {
    for (;;) {
      const now = Date.now();
      if (now < this.blockedUntil) {
        // Dashboard down or key refused: nothing goes out, so queued events go to disk now.
        this.spillQueue();
        this.scheduleWake(this.blockedUntil - now);
        return;
      }
      let batch: string[];
      let fromSpool: boolean;
      let consumed = 0;
      if (this.spool.hasWork) {
        const head = this.spool.head(REQUEST_MAX_EVENTS, REQUEST_MAX_BYTES - 16);
        fromSpool = true;
        batch = head.lines;
        consumed = head.consumed;
        if (batch.length === 0) {
          this.spool.commitHead(consumed); // only corrupt lines, or empty segments already dropped
          continue;
        }
      } else if (this.queueDue()) {
        batch = takeBatch(this.queue);
        this.urgentQueued = false;
        if (this.queue.length > 0) this.firstQueuedAt = Date.now();
        fromSpool = false;
        this.inflight = batch;
      } else {
        return;
      }
      const result = await this.sendSplitting(batch);
      this.inflight = null;
      if (result.kind === "done") {
        if (this.failures > 0) this.log(`the dashboard at ${this.base} answers again; sending the spooled events`);
        this.failures = 0;
        if (this.authBlocked) {
          this.authBlocked = false;
          this.log("the dashboard accepts the API key again; sending resumes");
        }
        if (fromSpool) {
          this.spool.commitHead(consumed);
          if (!this.spool.hasWork) this.spool.rescan(); // pick up what other processes left behind
        }
        continue;
      }
      if (!fromSpool) this.spool.prepend(batch);
      this.spillQueue();
      if (result.kind === "auth") {
        if (!this.authBlocked) {
          this.authBlocked = true;
          this.log(
            `the dashboard at ${this.base} refused the API key (HTTP ${result.status}): events are kept in ` +
              `${this.spool.dir} and sending is retried every ${Math.round(this.tuning.authRetryMs / 1000)} s`,
          );
        }
        this.blockedUntil = Date.now() + this.tuning.authRetryMs;
      } else {
        this.failures++;
        const exp = Math.min(this.tuning.backoffMaxMs, this.tuning.backoffBaseMs * 2 ** (this.failures - 1));
        const jittered = exp / 2 + Math.random() * (exp / 2);
        this.blockedUntil = Date.now() + Math.max(jittered, result.afterMs ?? 0);
        if (this.failures === 1)
          this.log(`the dashboard at ${this.base} is unreachable: spooling events to ${this.spool.dir}`);
      }
    }
  }

  /** Sends a batch; on 413 splits it in halves (each half sent in order). */
  private async sendSplitting(batch: string[]): Promise<SendResult> {
    const result = await this.sendOnce(batch);
    if (result !== 413) return result;
    if (batch.length === 1) {
      this.log(`the dashboard refused one event as too large (HTTP 413); dropped it: ${batch[0].slice(0, 120)}`);
      return { kind: "done" };
    }
    const mid = Math.ceil(batch.length / 2);
    const first = await this.sendSplitting(batch.slice(0, mid));
    if (first.kind !== "done") return first;
    // The first half is stored; if the second fails, re-sending the first later is harmless (idempotent by id).
    return this.sendSplitting(batch.slice(mid));
  }

  private async sendOnce(batch: string[]): Promise<SendResult | 413> {
    const body = `{"events":[${batch.join(",")}]}`;
    let res: Response;
    try {
      res = await fetch(`${this.base}/events`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-API-Key": this.config.apiKey },
        body,
        signal: AbortSignal.timeout(this.tuning.requestTimeoutMs),
      });
    } catch (err) {
      this.logOnce(`net:${(err as Error).name}`, `cannot reach ${this.base}/events: ${(err as Error).message}`);
      return { kind: "retry" };
    }
    const text = await res.text().catch(() => "");
    if (res.status >= 200 && res.status < 300) return { kind: "done" };
    if (res.status === 413) return 413;
    if (res.status === 401 || res.status === 403) return { kind: "auth", status: res.status };
    if (res.status === 429 || res.status >= 500) {
      this.logOnce(`http:${res.status}`, `the dashboard answered HTTP ${res.status}; retrying with backoff`);
      return { kind: "retry", afterMs: res.status === 429 ? retryAfterMs(res.headers.get("retry-after")) : undefined };
    }
    // 400 means the valid events were stored and the rejected ones never will be; other 4xx
    // (415, 404, ...) will not get better by retrying. Either way the batch is done.
    const message = serverMessage(text);
    this.logOnce(`http:${res.status}:${message}`, `the dashboard refused events (HTTP ${res.status}): ${message}`);
    return { kind: "done" };
  }

  private spillQueue(): void {
    if (this.queue.length === 0) return;
    this.spool.append(this.queue);
    this.queue = [];
  }

  private scheduleWake(ms: number): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.kick();
    }, ms);
    this.wakeTimer.unref?.();
  }

  private logOnce(key: string, message: string): void {
    if (this.loggedOnce.has(key)) return;
    this.loggedOnce.add(key);
    this.log(message);
  }

  /** OpenCode is shutting down: try to deliver for a bounded time, then put the rest on disk. */
  async drain(waitMs: number): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.flushNow = true;
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline && (this.queue.length > 0 || this.pumping) && Date.now() >= this.blockedUntil) {
      this.kick();
      const running = this.pumping;
      if (!running) break;
      await Promise.race([running, sleep(deadline - Date.now())]);
    }
    this.spillSync();
    this.flushNow = false; // other OpenCode instances in this process may go on using this shipper
  }

  /** Synchronous last resort (process 'exit'): everything not confirmed goes to the spool. */
  spillSync(): void {
    try {
      if (this.inflight) {
        // Possibly already stored; replaying it is harmless because the server dedupes by id.
        this.spool.prepend(this.inflight);
        this.inflight = null;
      }
      this.spillQueue();
    } catch (err) {
      this.log(`could not spool events on exit: ${(err as Error).message}`);
    }
  }

  sameCredentials(other: DashboardConfig): boolean {
    return other.url === this.config.url && other.apiKey === this.config.apiKey;
  }

  get droppedEvents(): number {
    return this.spool.dropped;
  }
}

/** Takes at most one request's worth (500 events, 1 MB of UTF-8) off the front of the queue. */
function takeBatch(queue: string[]): string[] {
  let bytes = 16; // {"events":[ ... ]}
  let n = 0;
  while (n < queue.length && n < REQUEST_MAX_EVENTS) {
    const size = Buffer.byteLength(queue[n]) + 1;
    if (n > 0 && bytes + size > REQUEST_MAX_BYTES) break;
    bytes += size;
    n++;
  }
  return queue.splice(0, n);
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string }; rejected?: unknown[] };
    const parts = [body.error?.code, body.error?.message].filter(Boolean).join(": ");
    const rejected = Array.isArray(body.rejected)
      ? ` (${body.rejected.length} event(s) rejected: ${JSON.stringify(body.rejected).slice(0, 300)})`
      : "";
    return (parts || text.slice(0, 300)) + rejected;
  } catch {
    return text.slice(0, 300) || "(empty body)";
  }
}

/**
 * OpenCode's APIError (in session.error, an assistant message's `error`, a retry part, and flat in
 * session.next.retried) carries the provider's raw response headers and body and the request URL
 * (`metadata`): they can hold API keys and account data, and never leave this machine. So can the
 * text: an UnknownError's message is often the AI SDK error serialised whole (its url, request
 * body, headers and response), and messages quote URLs with keys, Authorization headers and bare
 * keys. The dashboard applies the same rules again (lib/ingest/redact-secrets.ts; the plugin ships
 * alone, so a copy). The message, name and status code are what the dashboard shows.
 */
const PROVIDER_DETAIL_KEYS = new Set([
  "responseHeaders",
  "responseBody",
  "requestBodyValues",
  "requestHeaders",
  "headers",
  "metadata",
  "url",
]);
const REDACTED = "[redacted]";
/** How deep an error is followed (`cause` inside `data` inside `cause`...). */
const MAX_ERROR_DEPTH = 8;
const HEADER_VALUE =
  /\b(authorization|proxy-authorization|x-api-key|api-key|x-goog-api-key|anthropic-api-key|cookie|set-cookie)(["']?\s*[:=]\s*["']?)((?:bearer|basic|token)\s+)?[^"'\s,;}]+/gi;
const BEARER = /\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const KNOWN_KEYS = /\b(?:sk-[A-Za-z0-9_-]{12,}|AIza[0-9A-Za-z_-]{30,}|gsk_[A-Za-z0-9]{20,}|xai-[A-Za-z0-9]{20,})/g;
const KEY_PARAMETER = /\b(api[_-]?key|access[_-]?token|token|key|secret|password)=[^&\s"']+/gi;
const URL_PATTERN = /\b(?:https?|wss?):\/\/[^\s"'<>`]+/gi;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function bareUrl(text: string): string {
  try {
    const url = new URL(text);
    const cut = url.search || url.hash || url.username || url.password;
    return `${url.protocol}//${url.host}${url.pathname}${cut ? "?…" : ""}`;
  } catch {
    return text.replace(/[?#].*$/, "?…");
  }
}

function messageOf(value: unknown, depth = 0): string | undefined {
  if (!isRecord(value) || depth > MAX_ERROR_DEPTH) return undefined;
  if (typeof value.message === "string" && value.message.trim()) return value.message;
  for (const key of ["data", "error", "cause", "lastError"]) {
    const found = messageOf(value[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Error text without a serialised provider error, URL queries, credentials or keys. */
function redactSecrets(text: string): string {
  let plain = text;
  if (text.trim().startsWith("{")) {
    try {
      const parsed: unknown = JSON.parse(text);
      plain = messageOf(parsed) ?? JSON.stringify(withoutProviderDetails(parsed));
    } catch {
      // Not JSON after all: the text as it is.
    }
  }
  return plain
    .replace(URL_PATTERN, bareUrl)
    .replace(HEADER_VALUE, (_match, name: string, separator: string) => `${name}${separator}${REDACTED}`)
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(KNOWN_KEYS, REDACTED)
    .replace(KEY_PARAMETER, `$1=${REDACTED}`);
}

/** An error at any depth (its data, its cause, a list of errors) without the raw exchange, its text redacted. */
function withoutProviderDetails(value: unknown, depth = 0): unknown {
  if (depth > MAX_ERROR_DEPTH) return undefined;
  if (typeof value === "string") return redactSecrets(value);
  if (Array.isArray(value)) return value.map((item) => withoutProviderDetails(item, depth + 1));
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !PROVIDER_DETAIL_KEYS.has(key))
      .map(([key, item]) => [key, withoutProviderDetails(item, depth + 1)]),
  );
}

/**
 * JSON.stringify replacer: whatever sits under an `error` key, at any depth (an error object, or a
 * tool state's error text), and a retry status's message go through the rules above.
 */
function redactProviderDetails(this: unknown, key: string, value: unknown): unknown {
  if (key === "error" && (isRecord(value) || typeof value === "string")) return withoutProviderDetails(value);
  if (key === "message" && typeof value === "string" && isRecord(this) && this.type === "retry") {
    return redactSecrets(value);
  }
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref?.());
}

// ---------------------------------------------------------------------------------------------
// Control: one outbound WebSocket to {url}/control; the dashboard's commands run through
// OpenCode's own client (docs/control.md). Only the actions below reach OpenCode.
// ---------------------------------------------------------------------------------------------

type RunMode = "serve" | "tui" | "run";
/** What each action carries: the dashboard's lib/control/protocol.ts (the plugin ships alone, so a copy). */
type CommandArgs = {
  "permission.reply": { permissionId: string; reply: "once" | "always" | "reject"; message?: string };
  "question.reply": { requestId: string; answers: string[][] };
  "question.reject": { requestId: string };
  prompt: { text: string };
  abort: Record<string, never>;
};
type CommandFrame = {
  [A in keyof CommandArgs]: { type: "command"; id: string; sessionId: string; action: A; args: CommandArgs[A] };
}[keyof CommandArgs];
type Outcome = { status: "applied" | "failed"; reason?: string };

/** What a v1 client call resolves to: `{ data, error, response }` rather than throwing. */
type ClientAnswer = { error?: { data?: { message?: string }; name?: string } | null; response?: { status: number } };
/** The parts of OpenCode's v1 client (@opencode-ai/sdk) that control calls. */
type ClientLike = {
  _client?: {
    request?: (options: {
      method: "POST";
      url: string;
      body?: unknown;
      headers?: Record<string, string>;
    }) => Promise<ClientAnswer>;
  };
  postSessionIdPermissionsPermissionId(options: {
    path: { id: string; permissionID: string };
    body: { response: CommandArgs["permission.reply"]["reply"] };
  }): Promise<ClientAnswer>;
  session: {
    promptAsync(options: {
      path: { id: string };
      body: { parts: { type: "text"; text: string }[] };
    }): Promise<ClientAnswer>;
    abort(options: { path: { id: string } }): Promise<ClientAnswer>;
  };
};

const CONTROL_BACKOFF_BASE_MS = 500;
const CONTROL_BACKOFF_MAX_MS = 30_000;
const REMEMBERED_COMMANDS = 1_000;
const OWN_FRAME_MAX = 500;
const ANSWER_ACTIONS = ["permission.reply", "question.reply", "question.reject", "abort"];
const NOT_PENDING = "no longer pending in OpenCode (already answered in the terminal?)";

/** `opencode run` answers permissions itself at once; the dashboard must know not to try. */
function runMode(): RunMode {
  const args = process.argv.slice(1).filter((a) => !a.startsWith("-"));
  if (args.includes("run")) return "run";
  if (args.includes("serve") || args.includes("web")) return "serve";
  return "tui";
}

/** A command's outcome from OpenCode's answer: a 404 means the request was answered meanwhile. */
async function outcomeOf(call: Promise<ClientAnswer>): Promise<Outcome> {
  const result = await call;
  const status = result?.response?.status;
  if (status === undefined || (status >= 200 && status < 300)) return { status: "applied" };
  if (status === 404) return { status: "failed", reason: NOT_PENDING };
  const error = result?.error;
  const detail = typeof error === "object" && error ? (error.data?.message ?? error.name ?? JSON.stringify(error)) : "";
  return {
    status: "failed",
    reason: `OpenCode answered ${status}${detail ? `: ${String(detail).slice(0, 300)}` : ""}`,
  };
}

class ControlLink {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly owned = new Set<string>();
  /** Outcomes of recent commands by id: a command re-sent after a reconnect runs only once. */
  private readonly done = new Map<string, Outcome | null>();

  constructor(
    private readonly config: DashboardConfig,
    private readonly client: ClientLike | undefined,
    private readonly hello: { instance: string; directory: string; opencodeVersion: () => string | null },
    private readonly log: Logger,
  ) {
    this.connect();
  }

  /** Called from the event hook: costs a Set lookup unless the session is new to this process. */
  own(sessionId: string) {
    if (this.owned.has(sessionId)) return;
    this.owned.add(sessionId);
    this.send({ type: "own", sessionIds: [sessionId] });
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.ws?.close();
  }

  private connect() {
    if (this.stopped) return;
    const url = this.config.url.replace(/\/+$/, "").replace(/^http/, "ws") + "/control";
    let ws: WebSocket;
    try {
      // Bun's WebSocket takes headers (lib.dom's type of it, which wins in the type check, does not
      // say so); the key never goes into the URL (proxies log URLs).
      const BunWebSocket = WebSocket as unknown as new (url: string, options: Bun.WebSocketOptions) => WebSocket;
      ws = new BunWebSocket(url, { headers: { "x-api-key": this.config.apiKey } });
    } catch (err) {
      this.log(`control connection to ${url} failed: ${(err as Error).message}`);
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.attempt > 0) this.log(`control connection to the dashboard is back`);
      this.attempt = 0;
      const version = this.hello.opencodeVersion();
      this.send({
        type: "hello",
        instance: this.hello.instance,
        hostname: this.config.hostname,
        directory: this.hello.directory,
        control: this.config.control,
        mode: runMode(),
        pluginVersion: PLUGIN_VERSION,
        ...(version ? { opencodeVersion: version } : {}),
      });
      const ids = [...this.owned];
      for (let i = 0; i < ids.length; i += OWN_FRAME_MAX) {
        this.send({ type: "own", sessionIds: ids.slice(i, i + OWN_FRAME_MAX) });
      }
    };
    ws.onmessage = (message: MessageEvent) => {
      let frame: { type?: unknown } | null;
      try {
        frame = JSON.parse(String(message.data));
      } catch {
        return;
      }
      if (frame?.type === "command") void this.run(frame as CommandFrame);
    };
    ws.onclose = (event: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (event.code === 1008) this.log(`the dashboard closed the control connection: ${event.reason}`);
      this.retry();
    };
    ws.onerror = () => {}; // onclose follows and retries
  }

  private retry() {
    if (this.stopped) return;
    // Exponential backoff with full jitter: machines that lost the dashboard together do not
    // all come back in the same second.
    const cap = Math.min(CONTROL_BACKOFF_MAX_MS, CONTROL_BACKOFF_BASE_MS * 2 ** this.attempt++);
    this.timer = setTimeout(() => this.connect(), CONTROL_BACKOFF_BASE_MS / 2 + Math.random() * cap);
    this.timer.unref?.();
  }

  private send(frame: object) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  private async run(command: CommandFrame) {
    if (typeof command.id !== "string") return;
    this.send({ type: "received", commandId: command.id });
    if (this.done.has(command.id)) {
      const earlier = this.done.get(command.id);
      if (earlier) this.send({ type: "result", commandId: command.id, ...earlier });
      return; // still running: its result follows
    }
    this.done.set(command.id, null);
    if (this.done.size > REMEMBERED_COMMANDS) this.done.delete(this.done.keys().next().value!);
    let outcome: Outcome;
    try {
      outcome = await this.execute(command);
    } catch (err) {
      outcome = { status: "failed", reason: `the plugin could not run it: ${(err as Error).message}`.slice(0, 500) };
    }
    this.done.set(command.id, outcome);
    this.send({ type: "result", commandId: command.id, ...outcome });
  }

  private execute({ action, sessionId, args }: CommandFrame): Promise<Outcome> {
    const allowed = this.config.control === "full" || ANSWER_ACTIONS.includes(action);
    if (!allowed) {
      return Promise.resolve({
        status: "failed",
        reason: `control on ${this.config.hostname} is "${this.config.control}": ${action} is not allowed`,
      });
    }
    const client = this.client;
    if (!client) return Promise.resolve({ status: "failed", reason: "this OpenCode gave the plugin no client" });
    const raw = (url: string, body?: unknown) => {
      // The v1 client has no method for these routes; its internal request function reaches them.
      if (typeof client._client?.request !== "function") {
        throw new Error("this OpenCode's client cannot send raw requests (client._client.request is missing)");
      }
      return client._client.request({
        method: "POST",
        url,
        ...(body === undefined ? {} : { body, headers: { "content-type": "application/json" } }),
      });
    };
    const id = encodeURIComponent;
    switch (action) {
      case "permission.reply":
        if (args.message) {
          return outcomeOf(
            raw(`/permission/${id(args.permissionId)}/reply`, { reply: args.reply, message: args.message }),
          );
        }
        return outcomeOf(
          client.postSessionIdPermissionsPermissionId({
            path: { id: sessionId, permissionID: args.permissionId },
            body: { response: args.reply },
          }),
        );
      case "question.reply":
        return outcomeOf(raw(`/question/${id(args.requestId)}/reply`, { answers: args.answers }));
      case "question.reject":
        return outcomeOf(raw(`/question/${id(args.requestId)}/reject`));
      case "prompt":
        return outcomeOf(
          client.session.promptAsync({ path: { id: sessionId }, body: { parts: [{ type: "text", text: args.text }] } }),
        );
      case "abort":
        return outcomeOf(client.session.abort({ path: { id: sessionId } }));
      default:
        return Promise.resolve({ status: "failed", reason: `unknown action ${action}` });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Plugin entry
// ---------------------------------------------------------------------------------------------

type BusEvent = { id?: string; type?: string; properties?: Record<string, unknown> };
/** An event's properties are forwarded as they are; these are the few the plugin reads itself. */
type EventProperties = Record<string, unknown> & {
  partID?: string;
  messageID?: string;
  sessionID?: string;
  field?: string;
  delta?: string;
  status?: { type?: string };
  info?: { id?: string; version?: unknown };
  part?: { sessionID?: string };
};

type PluginInputLike = {
  directory: string;
  client?: {
    app?: {
      log?: (opts: {
        body: { service: string; level: "debug" | "info" | "warn" | "error"; message: string };
      }) => unknown;
    };
  };
};

// One shipper per dashboard (URL + key) per process, shared by every OpenCode instance (project)
// that loads the plugin: they share one spool, and spool order must have a single writer.
const shippers = new Map<string, Shipper>();
let exitHandlersInstalled = false;

type StreamedPart = {
  sessionID: string;
  messageID: string;
  type: string;
  start?: number;
  text: string;
  sentAt: number;
  /** The id of the latest delta not forwarded yet (the snapshot sent for it reuses its id). */
  unsent: string | null;
};

/**
 * Streamed answer text. OpenCode sends a text part's text in `message.part.delta` chunks, tens a
 * second, and the whole text only once the part ends. The dashboard is sent the part's text so far
 * (`text`, with the part's `partType` and `start`) instead of each chunk, at most once per
 * STREAM_INTERVAL_MS per part, the last one when the stream pauses: the session page shows the
 * answer as it is written, and a lost or reordered snapshot is made good by the next one.
 */
class TextStreams {
  private readonly parts = new Map<string, StreamedPart>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly send: (id: string, properties: Record<string, unknown>, time: number) => void) {}

  /** message.part.updated: learn a text part's kind and start; forget it once it has ended. */
  partUpdated(part: unknown) {
    const p = (part ?? {}) as { id?: unknown; type?: unknown; time?: { start?: unknown; end?: unknown } };
    if (typeof p.id !== "string") return;
    if (p.time?.end !== undefined) {
      this.parts.delete(p.id);
      return;
    }
    const known = this.parts.get(p.id);
    if (known && typeof p.type === "string") known.type = p.type;
    if (known && typeof p.time?.start === "number") known.start = p.time.start;
    if (!known && (p.type === "text" || p.type === "reasoning")) {
      const q = part as { sessionID?: unknown; messageID?: unknown; text?: unknown };
      if (typeof q.sessionID !== "string" || typeof q.messageID !== "string") return;
      if (this.parts.size >= STREAM_PARTS_MAX) this.parts.clear();
      this.parts.set(p.id, {
        sessionID: q.sessionID,
        messageID: q.messageID,
        type: p.type,
        start: typeof p.time?.start === "number" ? p.time.start : undefined,
        text: typeof q.text === "string" ? q.text : "",
        sentAt: 0,
        unsent: null,
      });
    }
  }

  /** A text delta: true when taken (forwarded now or soon), false to forward it as a plain marker. */
  delta(id: string, props: EventProperties, now: number): boolean {
    const { partID, messageID, sessionID, field, delta } = props;
    if (field !== "text" || typeof delta !== "string" || typeof partID !== "string") return false;
    let part = this.parts.get(partID);
    if (!part) {
      if (typeof sessionID !== "string" || typeof messageID !== "string") return false;
      if (this.parts.size >= STREAM_PARTS_MAX) this.parts.clear();
      part = { sessionID, messageID, type: "text", text: "", sentAt: 0, unsent: null };
      this.parts.set(partID, part);
    }
    if (part.text.length >= STREAM_TEXT_MAX) return false;
    part.text = (part.text + delta).slice(0, STREAM_TEXT_MAX);
    part.unsent = id;
    if (now - part.sentAt >= STREAM_INTERVAL_MS) this.forward(partID, part, now);
    else this.timer ??= setTimeout(() => this.flush(), STREAM_INTERVAL_MS);
    this.timer?.unref?.();
    return true;
  }

  private forward(partID: string, part: StreamedPart, now: number) {
    if (part.unsent === null) return;
    this.send(
      part.unsent,
      {
        sessionID: part.sessionID,
        messageID: part.messageID,
        partID,
        field: "text",
        partType: part.type,
        ...(part.start !== undefined ? { start: part.start } : {}),
        text: part.text,
      },
      now,
    );
    part.sentAt = now;
    part.unsent = null;
  }

  /** Sends what waited for its interval; waits again for parts whose interval is not over yet. */
  private flush() {
    this.timer = undefined;
    const now = Date.now();
    let waiting = false;
    for (const [partID, part] of this.parts) {
      if (part.unsent === null) continue;
      if (now - part.sentAt >= STREAM_INTERVAL_MS) this.forward(partID, part, now);
      else waiting = true;
    }
    if (waiting) {
      this.timer = setTimeout(() => this.flush(), STREAM_INTERVAL_MS);
      this.timer.unref?.();
    }
  }

  stop() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function makeLogger(input: PluginInputLike): Logger {
  const appLog = input.client?.app?.log;
  // With `opencode serve`/the TUI, stderr would scribble over the terminal UI, so lines go to
  // OpenCode's own log when a client is there; stderr is the fallback.
  return (message: string) => {
    const line = `${LOG_PREFIX} ${message}`;
    if (typeof appLog !== "function" || process.env.OPENCODE_DASHBOARD_LOG === "stderr") {
      process.stderr.write(line + "\n");
      return;
    }
    Promise.resolve()
      .then(() => appLog.call(input.client!.app, { body: { service: "opencode-dashboard", level: "warn", message } }))
      .catch(() => process.stderr.write(line + "\n"));
  };
}

function installExitHandlers(): void {
  if (exitHandlersInstalled) return;
  exitHandlersInstalled = true;
  const spillAll = () => {
    for (const shipper of shippers.values()) shipper.spillSync();
  };
  process.on("beforeExit", spillAll);
  process.on("exit", spillAll);
}

export const OpencodeDashboard = async (input: PluginInputLike, options?: Record<string, unknown>) => {
  const log = makeLogger(input);
  const config = loadConfig(input.directory, log);
  if (!config) return {};
  const tuning: Tuning = { ...DEFAULT_TUNING };
  for (const key of Object.keys(DEFAULT_TUNING) as (keyof Tuning)[]) {
    const value = options?.[key];
    if (typeof value === "number" && value > 0) tuning[key] = value;
  }

  // Keyed by spool directory: two shippers on one spool would interleave its segments.
  let shipper = shippers.get(config.spoolDir);
  if (!shipper) {
    try {
      shipper = new Shipper(config, tuning, log);
    } catch (err) {
      log(`cannot use spool directory ${config.spoolDir}: ${(err as Error).message}; the dashboard plugin stays idle`);
      return {};
    }
    shippers.set(config.spoolDir, shipper);
  } else if (!shipper.sameCredentials(config)) {
    log(
      `${input.directory} configures another API key for ${config.url}; this OpenCode process keeps using the first one`,
    );
  }
  const ship = shipper;
  installExitHandlers();

  const hostname = config.hostname;
  const directory = input.directory;
  const busySessions = new Set<string>();
  const lastDeltaAt = new Map<string, number>();
  const streams = new TextStreams((id, properties, time) => enqueue(id, "message.part.delta", properties, time));
  let opencodeVersion: string | null = null;
  let hookFailures = 0;
  // Opened from start-up without waiting: OpenCode never waits for the dashboard.
  const control =
    config.control === "off"
      ? null
      : new ControlLink(
          config,
          input.client as ClientLike | undefined,
          { instance: `ins_${randomUUID().replace(/-/g, "")}`, directory, opencodeVersion: () => opencodeVersion },
          log,
        );

  const enqueue = (id: string, type: string, properties: unknown, time: number) => {
    ship.push(
      JSON.stringify({ id, type, hostname, directory, time, properties }, redactProviderDetails),
      URGENT_TYPES.has(type),
    );
  };

  const heartbeat = () => {
    const time = Date.now();
    enqueue(
      `hb_${hostname}_${time}`,
      "dashboard.heartbeat",
      {
        opencodeVersion,
        pluginVersion: PLUGIN_VERSION,
        busySessions: busySessions.size,
        spoolBytes: ship.spool.bytes,
        droppedEvents: ship.droppedEvents,
        control: config.control,
      },
      time,
    );
  };
  heartbeat();
  const heartbeatTimer = setInterval(heartbeat, tuning.heartbeatMs);
  heartbeatTimer.unref?.();
  ship.kick(); // replay whatever an earlier run left in the spool

  const onEvent = (event: BusEvent) => {
    const type = event.type;
    if (typeof type !== "string" || !FORWARDED_PREFIXES.some((p) => type.startsWith(p))) return;
    const time = Date.now();
    const props = (event.properties ?? {}) as EventProperties;
    if (type === "message.part.delta") {
      if (streams.delta(String(event.id), props, time)) return;
      // Any other stream arrives tens of times a second; the dashboard only needs to know someone is typing.
      const partID = String(props.partID ?? props.messageID ?? "");
      const last = lastDeltaAt.get(partID);
      if (last !== undefined && time - last < DELTA_INTERVAL_MS) return;
      if (lastDeltaAt.size > 10_000) lastDeltaAt.clear();
      lastDeltaAt.set(partID, time);
      const { delta: _dropped, ...marker } = props;
      enqueue(String(event.id), type, marker, time);
      return;
    }
    if (type === "message.part.updated") streams.partUpdated(props.part);
    if (type === "session.status") {
      const status = props.status?.type;
      const id = props.sessionID;
      if (id !== undefined && (status === "busy" || status === "retry")) busySessions.add(id);
      else if (id !== undefined) busySessions.delete(id);
    } else if (type === "session.deleted") {
      const id = props.sessionID ?? props.info?.id;
      if (id !== undefined) busySessions.delete(id);
    }
    enqueue(String(event.id), type, props, time);
    if (control) {
      const sessionId =
        props.sessionID ?? props.part?.sessionID ?? (type.startsWith("session.") ? props.info?.id : undefined);
      if (typeof sessionId === "string") control.own(sessionId);
    }
    if (opencodeVersion === null && typeof props.info?.version === "string" && type.startsWith("session.")) {
      // The plugin input carries no version; the first session tells it. Report it right away
      // rather than 30 s later.
      opencodeVersion = props.info.version;
      heartbeat();
    }
  };

  return {
    // OpenCode does not await this hook and calls overlap: it must return at once and never throw.
    event: async ({ event }: { event: BusEvent }) => {
      try {
        onEvent(event);
      } catch (err) {
        if (hookFailures++ === 0) log(`could not forward a ${event?.type} event: ${(err as Error).message}`);
      }
    },
    dispose: async () => {
      clearInterval(heartbeatTimer);
      streams.stop();
      control?.stop();
      await ship.drain(tuning.disposeWaitMs);
    },
  };
};
