import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { APP_DIR } from "./app-dir";
import { KOKORO_VOICES, type KokoroVoice } from "./tts/voices";
import { runtime } from "./runtime";

/**
 * The server's configuration, read from the environment and validated once per process.
 * Secrets left unset are generated on first start and kept in the data directory, so the
 * server never runs without auth and a restart keeps the same key and password.
 */
export type Config = {
  port: number;
  host: string;
  databasePath: string;
  dataDir: string;
  apiKey: string;
  frontendPassword: string;
  authSecret: string;
  disableTts: boolean;
  /** Spoken announcements: where the Kokoro model is, its voice, speed and precision, and which engine (lib/tts/speech.ts). */
  tts: {
    modelDir: string | null;
    allowDownload: boolean;
    voice: KokoroVoice;
    speed: number;
    dtype: "fp32" | "fp16" | "q8" | "q4" | "q4f16";
    engine: "auto" | "kokoro" | "espeak" | "browser";
  };
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Sessions idle for longer than this many days are pruned (null: kept forever). */
  retentionDays: number | null;
  /** How long a dashboard command may wait for its machine before it expires (docs/control.md). */
  commandTtlMs: number;
  /**
   * A host whose last heartbeat is this old is offline, and its sessions stale (lib/sessions/active.ts).
   * The plugin sends one every 30 s; the default allows two to go missing.
   */
  offlineAfterMs: number;
  /** How long a finished turn stays "waiting for you" before it ages out (lib/sessions/finished-expiry.ts). */
  finishedWaitingMs: number;
  /** A token that may read /metrics as `Authorization: Bearer` (besides the dashboard password). */
  metricsToken: string | null;
  /** Whether X-Forwarded-* headers come from a reverse proxy we trust (see lib/http/client-address.ts). */
  trustProxy: boolean;
  /** Origins besides the one a request was sent to whose pages may open socket.io (a proxy's public address). */
  allowedOrigins: string[];
  /** Which secrets came from the environment and which from (or into) the secrets file. */
  sources: Record<"apiKey" | "frontendPassword" | "authSecret", "env" | "file" | "generated">;
  /** What the server should log at start: settings it runs with but the operator should fix. */
  warnings: string[];
};

export class ConfigError extends Error {}

const booleanFlag = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .transform((v) => v === "true" || v === "1" || v === "yes");

/** `https://host[:port]` as browsers send it in `Origin`; null for anything with more or less in it. */
function exactOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  const bare = url.pathname === "/" && !url.search && !url.hash && !url.username && !url.password;
  return bare && (url.protocol === "http:" || url.protocol === "https:") ? url.origin : null;
}

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: z.string().min(1).default("./data/database.db"),
  API_KEY: z.string().min(12, "must be at least 12 characters").optional(),
  FRONTEND_PASSWORD: z.string().min(8, "must be at least 8 characters").optional(),
  NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  DISABLE_TTS: booleanFlag.default(false),
  TTS_MODEL_DIR: z
    .string()
    .refine((v) => path.isAbsolute(v), "must be an absolute path")
    .optional(),
  TTS_ALLOW_DOWNLOAD: booleanFlag.default(false),
  TTS_VOICE: z.enum(KOKORO_VOICES, { error: `must be one of ${KOKORO_VOICES.join(", ")}` }).default("af_heart"),
  TTS_SPEED: z.coerce.number().min(0.5, "must be between 0.5 and 2").max(2, "must be between 0.5 and 2").default(1),
  TTS_DTYPE: z.enum(["fp32", "fp16", "q8", "q4", "q4f16"]).default("q8"),
  TTS_ENGINE: z.enum(["auto", "kokoro", "espeak", "browser"]).default("auto"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  RETENTION_DAYS: z.coerce.number().positive("must be a positive number of days").optional(),
  CONTROL_COMMAND_TTL_SECONDS: z.coerce
    .number()
    .int("must be a whole number of seconds")
    .min(1, "must be at least 1 second")
    .max(86_400, "must be at most a day (86400)")
    .default(300),
  OFFLINE_AFTER_SECONDS: z.coerce
    .number()
    .int("must be a whole number of seconds")
    .min(1, "must be at least 1 second")
    .max(86_400, "must be at most a day (86400)")
    .default(90),
  FINISHED_WAITING_SECONDS: z.coerce
    .number()
    .int("must be a whole number of seconds")
    .min(1, "must be at least 1 second")
    .default(24 * 60 * 60),
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  TRUST_PROXY: booleanFlag.default(false),
  ALLOWED_ORIGINS: z
    .string()
    .transform((value, ctx) => {
      const items = value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      const origins = items.map(exactOrigin);
      const bad = origins.indexOf(null);
      if (bad === -1) return origins as string[];
      ctx.addIssue({
        code: "custom",
        message: `must be comma-separated origins such as https://dashboard.example.com (not "${items[bad]}")`,
      });
      return z.NEVER;
    })
    .optional(),
});

const stringOrMissing = (issue: { input?: unknown }) => (issue.input === undefined ? "is missing" : "must be a string");
const secretsFileSchema = z.object(
  {
    apiKey: z.string({ error: stringOrMissing }).min(12, "must be at least 12 characters"),
    frontendPassword: z.string({ error: stringOrMissing }).min(8, "must be at least 8 characters"),
    authSecret: z.string({ error: stringOrMissing }).min(32, "must be at least 32 characters"),
  },
  { error: "must be a JSON object with apiKey, frontendPassword and authSecret" },
);

/** Said with every secrets file the server will not use: the obvious fix loses every key. */
const DO_NOT_DELETE =
  "do not delete the file to get past this: the server would generate a new API key and password, " +
  "and every plugin and everyone signing in would need the new ones";

/**
 * `./data/x.db`, `/abs/x.db` or `file:` URLs (`file:./x.db`, `file:///abs/x.db`) → a path. A
 * relative path is taken from the app's folder, not the working directory: started from elsewhere,
 * the server would otherwise open a new, empty database and generate new keys beside it.
 */
export function resolveDatabasePath(url: string, base = APP_DIR): string {
  if (/^(postgres|postgresql|mysql):/i.test(url)) {
    throw new ConfigError(
      `DATABASE_URL: ${url.split(":")[0]} is not supported yet; use a SQLite path such as ./data/database.db`,
    );
  }
  let file = url;
  if (url.startsWith("file://")) file = fileURLToPath(url.split("?")[0]);
  else if (url.startsWith("file:")) file = url.slice("file:".length).split("?")[0];
  if (!file) throw new ConfigError("DATABASE_URL: empty SQLite path");
  return path.resolve(base, file);
}

function readEnv(env: Record<string, string | undefined>) {
  // Treat empty strings as unset: compose files often pass `API_KEY=` through.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  if (!cleaned.NEXTAUTH_SECRET && cleaned.AUTH_SECRET) cleaned.NEXTAUTH_SECRET = cleaned.AUTH_SECRET;
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0]);
    // zod's own words for a coerced number that is not one: "expected number, received NaN".
    const message =
      issue.code === "invalid_type" && issue.expected === "number"
        ? `must be a number (it is "${cleaned[name]}")`
        : issue.message;
    throw new ConfigError(`${name}: ${message}`);
  }
  return parsed.data;
}

function secret(bytes: number) {
  return randomBytes(bytes).toString("base64url");
}

/** Who the server runs as, for messages about files it cannot read or write. */
export function serverUser(): string {
  const uid = process.getuid?.();
  if (uid === undefined) return "the user the server runs as";
  let name = "";
  try {
    name = ` (${userInfo().username})`;
  } catch {
    // A uid without a passwd entry (common in containers) has no name.
  }
  return `uid ${uid}${name}, the user the server runs as`;
}

/** "; it is owned by uid N with mode 644" for a message about a file, or "" when it cannot be read. */
export function ownerAndMode(file: string): string {
  try {
    const stat = statSync(file);
    return `; it is owned by uid ${stat.uid} with mode ${(stat.mode & 0o777).toString(8).padStart(3, "0")}`;
  } catch {
    return ""; // the folder itself is closed to us; the message names the file all the same
  }
}

const isPermissionError = (error: unknown) => ["EACCES", "EPERM"].includes((error as NodeJS.ErrnoException).code ?? "");

function loadSecretsFile(file: string) {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    if (isPermissionError(error)) {
      throw new ConfigError(
        `${file} is not readable by ${serverUser()}${ownerAndMode(file)}. Give that user read access ` +
          `(chown or chmod); ${DO_NOT_DELETE}`,
      );
    }
    throw new ConfigError(`${file}: cannot be read (${(error as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `${file}: not valid JSON (${(error as Error).message}). Fix it by hand (it holds apiKey, ` +
        `frontendPassword and authSecret, as the plugins and your sign-in use them); ${DO_NOT_DELETE}`,
    );
  }
  const parsed = secretsFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.length > 0 ? `${issue.path.join(".")} ` : "";
    throw new ConfigError(`${file}: ${field}${issue.message}. Fix it by hand; ${DO_NOT_DELETE}`);
  }
  return parsed.data;
}

/** The secrets file open to other users of the machine (group or others bits): they could read every key. */
function looseModeWarning(file: string): string | null {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) === 0) return null;
  return (
    `${file} is open to other users of this machine (mode ${mode.toString(8).padStart(3, "0")}) and holds ` +
    `the API key and password: chmod 600 ${file}`
  );
}

function writeSecretsFile(file: string, secrets: object) {
  try {
    writeFileSync(file, JSON.stringify(secrets, null, 2) + "\n", { mode: 0o600 });
    chmodSync(file, 0o600);
  } catch (error) {
    if (!isPermissionError(error)) throw error;
    throw new ConfigError(`cannot create ${file}: its folder must be writable by ${serverUser()}`);
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const values = readEnv(env);
  const databasePath = resolveDatabasePath(values.DATABASE_URL);
  const dataDir = path.dirname(databasePath);
  try {
    // Only its owner may enter a new data folder: the database holds every transcript, and SQLite
    // creates its files readable by all (umask 022).
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "EROFS"
        ? "it is on a read-only file system"
        : isPermissionError(error)
          ? `${serverUser()} may not create it (the folder above must be writable by that user)`
          : (error as Error).message;
    throw new ConfigError(`cannot create the data folder ${dataDir} (from DATABASE_URL): ${why}`);
  }

  const secretsFile = path.join(dataDir, "secrets.json");
  const stored = loadSecretsFile(secretsFile);
  const resolved = {
    apiKey: values.API_KEY ?? stored?.apiKey ?? secret(24),
    frontendPassword: values.FRONTEND_PASSWORD ?? stored?.frontendPassword ?? secret(12),
    authSecret: values.NEXTAUTH_SECRET ?? stored?.authSecret ?? secret(32),
  };
  const source = (fromEnv: unknown, fromFile: unknown) => (fromEnv ? "env" : fromFile ? "file" : "generated");
  const sources = {
    apiKey: source(values.API_KEY, stored?.apiKey),
    frontendPassword: source(values.FRONTEND_PASSWORD, stored?.frontendPassword),
    authSecret: source(values.NEXTAUTH_SECRET, stored?.authSecret),
  } as const;

  const warnings: string[] = [];
  if (!stored) {
    // Keep the generated values even when env overrides them today: unsetting a variable later
    // must not silently rotate a key that every plugin was configured with.
    writeSecretsFile(secretsFile, resolved);
  } else {
    const loose = looseModeWarning(secretsFile);
    if (loose) warnings.push(loose);
  }

  return {
    port: values.PORT,
    host: values.HOST,
    databasePath,
    dataDir,
    apiKey: resolved.apiKey,
    frontendPassword: resolved.frontendPassword,
    authSecret: resolved.authSecret,
    disableTts: values.DISABLE_TTS,
    tts: {
      modelDir: values.TTS_MODEL_DIR ?? null,
      allowDownload: values.TTS_ALLOW_DOWNLOAD,
      voice: values.TTS_VOICE,
      speed: values.TTS_SPEED,
      dtype: values.TTS_DTYPE,
      engine: values.TTS_ENGINE,
    },
    logLevel: values.LOG_LEVEL,
    retentionDays: values.RETENTION_DAYS ?? null,
    commandTtlMs: values.CONTROL_COMMAND_TTL_SECONDS * 1000,
    offlineAfterMs: values.OFFLINE_AFTER_SECONDS * 1000,
    finishedWaitingMs: values.FINISHED_WAITING_SECONDS * 1000,
    metricsToken: values.METRICS_TOKEN ?? null,
    trustProxy: values.TRUST_PROXY,
    allowedOrigins: values.ALLOWED_ORIGINS ?? [],
    sources,
    warnings,
  };
}

/** The process-wide configuration: server.ts loads and installs it first; anything else reads it. */
export function getConfig(): Config {
  runtime.config ??= loadConfig();
  return runtime.config;
}

export function setConfig(config: Config) {
  runtime.config = config;
}
