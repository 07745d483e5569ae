import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * Runs the real production server (`dist/server.js`, built by `npm test`'s ensure-build step)
 * on an ephemeral port with its own SQLite file in a temp directory.
 */
export type TestServer = {
  url: string;
  port: number;
  /** The server process id, for memory readings. */
  pid: number;
  apiKey: string;
  password: string;
  dataDir: string;
  databasePath: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<number | null>;
  /** Stops and starts again on the same port and database. */
  restart(): Promise<void>;
  /** Stops the server and removes the temp directory (unless a dataDir was passed in). */
  dispose(): Promise<void>;
};

const root = path.resolve(import.meta.dirname, "../..");

/** The built server, for tests that start it by hand (a start that must fail, a signal mid-start). */
export const SERVER_ENTRY = path.join(root, "dist/server.js");

/** The fixed secrets test servers run with (without them the server keeps its own in secrets.json). */
const TEST_SECRETS = {
  API_KEY: "test-plugin-key-0123456789",
  FRONTEND_PASSWORD: "test-dashboard-password",
  NEXTAUTH_SECRET: "test-auth-secret-0123456789abcdefghijklmnop",
};

/**
 * An environment for a server started by hand: nothing inherited but PATH, its database in `dir`,
 * an ephemeral port on loopback, speech off, and the test secrets unless `secrets` is false.
 */
export function bareServerEnv(dir: string, opts: { env?: Record<string, string>; secrets?: boolean } = {}) {
  return {
    PATH: process.env.PATH,
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: path.join(dir, "database.db"),
    ...(opts.secrets === false ? {} : { ...TEST_SECRETS, DISABLE_TTS: "true" }),
    ...opts.env,
  } as unknown as NodeJS.ProcessEnv;
}

export async function startServer(
  opts: {
    dataDir?: string;
    env?: Record<string, string>;
    port?: number;
    nodeArgs?: string[];
    /** The directory the server is started from (default: the project's). */
    cwd?: string;
  } = {},
): Promise<TestServer> {
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), "ocd-test-"));
  const databasePath = path.join(dataDir, "database.db");
  const apiKey = opts.env?.API_KEY ?? TEST_SECRETS.API_KEY;
  const password = opts.env?.FRONTEND_PASSWORD ?? TEST_SECRETS.FRONTEND_PASSWORD;
  let output = "";
  let child: ChildProcess | undefined;
  let port = opts.port ?? 0;

  async function launch() {
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: databasePath,
      API_KEY: apiKey,
      FRONTEND_PASSWORD: password,
      NEXTAUTH_SECRET: TEST_SECRETS.NEXTAUTH_SECRET,
      DISABLE_TTS: "true",
      NEXT_TELEMETRY_DISABLED: "1",
      ...opts.env,
    };
    delete env.NODE_OPTIONS; // the test runner's --import tsx must not leak into the server
    const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), SERVER_ENTRY], {
      cwd: opts.cwd ?? root,
      env: env as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    const from = output.length;
    const listening = new Promise<number>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on http:\/\/[^:]+:(\d+)/.exec(output.slice(from));
        if (match) resolve(Number(match[1]));
      };
      proc.stdout!.on("data", onData);
      proc.stderr!.on("data", (c: Buffer) => (output += c.toString()));
      proc.once("exit", (code) => reject(new Error(`server exited with ${code} before listening:\n${output}`)));
      setTimeout(() => reject(new Error(`server did not start within 30 s:\n${output}`)), 30_000).unref();
    });
    port = await listening;
  }

  async function stop(): Promise<number | null> {
    const proc = child;
    if (!proc || proc.exitCode !== null) return proc?.exitCode ?? null;
    child = undefined;
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }

  await launch();
  const server: TestServer = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    /**
     * The running server's process id. Throws when it is not running: a stand-in like -1 given to
     * process.kill signals every process the user may signal (as root, the whole machine).
     */
    get pid() {
      const pid = child?.pid;
      if (pid === undefined || child?.exitCode !== null) throw new Error("the test server is not running");
      return pid;
    },
    apiKey,
    password,
    dataDir,
    databasePath,
    output: () => output,
    stop,
    async restart() {
      await stop();
      await launch();
    },
    async dispose() {
      await stop();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}
