/**
 * Helpers to run the real `opencode` client (node_modules/.bin/opencode) in a throwaway project
 * with HOME and XDG dirs isolated, a fake provider, and the dashboard plugin installed one of the
 * two documented ways.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const OPENCODE_BIN = path.join(ROOT, "node_modules/.bin/opencode");
const PLUGIN_DIR = path.join(ROOT, "plugin");
const PLUGIN_FILE = path.join(PLUGIN_DIR, "opencode-dashboard.ts");
const MODEL = "fake/fake-model";
const MODEL_COST = { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 }; // $ per million tokens

/**
 * OpenCode installs `@ai-sdk/openai-compatible` from the npm registry into its cache dir on first
 * use. Sharing one cache dir between tests (and runs) avoids reinstalling it for every project;
 * it only ever holds what OpenCode itself installs.
 */
const SHARED_CACHE = path.join(os.tmpdir(), "opencode-dashboard-tests-opencode-cache");

/**
 * file: <project>/.opencode/plugin/; global-file: ~/.config/opencode/plugin/; package: opencode.json
 * "plugin" entry with a file: path to plugin/; tarball: the same with an `npm pack` tarball of plugin/.
 */
type InstallMethod = "file" | "global-file" | "package" | "tarball" | "none";

export type OpencodeProject = {
  root: string;
  home: string;
  configHome: string;
  dataHome: string;
  dir: string;
  env: Record<string, string>;
  cleanup(): void;
};

export type ProjectOptions = {
  providerURL: string;
  install: InstallMethod;
  /** Written to ~/.config/opencode/dashboard.toml when given. */
  dashboardToml?: string;
  /** Extra opencode.json keys (e.g. permission, agent). */
  config?: Record<string, unknown>;
  /** Options passed to the plugin through an opencode.json [name, options] entry (package install only). */
  pluginOptions?: Record<string, unknown>;
};

export function makeOpencodeProject(opts: ProjectOptions): OpencodeProject {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ocd-opencode-"));
  const home = path.join(root, "home");
  const configHome = path.join(root, "config");
  const dataHome = path.join(root, "data");
  const dir = path.join(root, "project");
  for (const d of [home, configHome, dataHome, dir, SHARED_CACHE]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(dir, "README.md"), "# test project\n");

  const config: Record<string, unknown> = {
    $schema: "https://opencode.ai/config.json",
    model: MODEL,
    small_model: MODEL,
    autoupdate: false,
    share: "disabled",
    provider: {
      fake: {
        npm: "@ai-sdk/openai-compatible",
        name: "Fake provider",
        options: { baseURL: opts.providerURL, apiKey: "fake-provider-key" },
        models: {
          "fake-model": {
            name: "Fake model",
            tool_call: true,
            cost: MODEL_COST,
            limit: { context: 128000, output: 8192 },
          },
        },
      },
    },
    ...opts.config,
  };
  if (opts.install === "file") {
    // Documented way 1: copy the one file into the project's (or ~/.config/opencode's) plugin dir.
    const pluginDir = path.join(dir, ".opencode", "plugin");
    fs.mkdirSync(pluginDir, { recursive: true });
    fs.copyFileSync(PLUGIN_FILE, path.join(pluginDir, "opencode-dashboard.ts"));
  } else if (opts.install === "global-file") {
    const pluginDir = path.join(configHome, "opencode", "plugin");
    fs.mkdirSync(pluginDir, { recursive: true });
    fs.copyFileSync(PLUGIN_FILE, path.join(pluginDir, "opencode-dashboard.ts"));
  } else if (opts.install === "package" || opts.install === "tarball") {
    // Documented way 2: list the package in opencode.json (here a file: path to plugin/ or its tarball).
    const spec = `file:${opts.install === "tarball" ? packPlugin(root) : PLUGIN_DIR}`;
    config.plugin = [opts.pluginOptions ? [spec, opts.pluginOptions] : spec];
  }
  fs.writeFileSync(path.join(dir, "opencode.json"), JSON.stringify(config, null, 2));
  if (opts.dashboardToml !== undefined) {
    fs.mkdirSync(path.join(configHome, "opencode"), { recursive: true });
    fs.writeFileSync(path.join(configHome, "opencode", "dashboard.toml"), opts.dashboardToml);
  }

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    XDG_CONFIG_HOME: configHome,
    XDG_DATA_HOME: dataHome,
    XDG_STATE_HOME: path.join(root, "state"),
    XDG_CACHE_HOME: SHARED_CACHE,
    // OpenCode installs @opencode-ai/plugin into .opencode/ with npm; a shared npm cache saves a refetch per project.
    npm_config_cache: path.join(SHARED_CACHE, "npm"),
    // Keep OpenCode off the network (only the fake provider and the npm registry are reached).
    OPENCODE_DISABLE_MODELS_FETCH: "true",
    OPENCODE_DISABLE_AUTOUPDATE: "true",
    OPENCODE_DISABLE_DEFAULT_PLUGINS: "true",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "true",
    OPENCODE_DISABLE_SHARE: "true",
    OPENCODE_DISABLE_CLAUDE_CODE: "true",
    OPENCODE_DISABLE_EXTERNAL_SKILLS: "true",
  };
  return {
    root,
    home,
    configHome,
    dataHome,
    dir,
    env,
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** `npm pack` of plugin/ into dir (what would be published); returns the tarball path. */
function packPlugin(dir: string): string {
  const res = spawnSync("npm", ["pack", "--silent", "--pack-destination", dir], {
    cwd: PLUGIN_DIR,
    encoding: "utf8",
    env: { ...process.env, npm_config_cache: path.join(SHARED_CACHE, "npm") },
  });
  if (res.status !== 0) throw new Error(`npm pack failed: ${res.stderr}`);
  return path.join(dir, res.stdout.trim().split("\n").pop()!);
}

export type RunResult = { code: number | null; stdout: string; stderr: string; ms: number };

/** Runs one `opencode run` turn and waits for it to exit (killed after timeoutMs). */
export function runOpencode(
  project: OpencodeProject,
  prompt: string,
  opts: { extraArgs?: string[]; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      OPENCODE_BIN,
      ["run", "--print-logs", "--log-level", "INFO", "-m", MODEL, ...(opts.extraArgs ?? []), prompt],
      {
        cwd: project.dir,
        env: { ...project.env, ...opts.env } as NodeJS.ProcessEnv,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export type OpencodeServer = {
  url: string;
  child: ChildProcess;
  output(): string;
  /**
   * GET/POST JSON against the OpenCode server, scoped to the project directory; `T` is the answer's
   * shape (tests/support/opencode-payloads.ts).
   */
  api<T = unknown>(method: string, pathname: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
};

/** Starts `opencode serve` on a free 127.0.0.1 port and waits until it answers. */
export async function startOpencodeServe(
  project: OpencodeProject,
  opts: { env?: Record<string, string> } = {},
): Promise<OpencodeServer> {
  const port = await freePort();
  const child = spawn(
    OPENCODE_BIN,
    ["serve", "--print-logs", "--log-level", "INFO", "--hostname", "127.0.0.1", "--port", String(port)],
    {
      cwd: project.dir,
      env: { ...project.env, ...opts.env } as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const server: OpencodeServer = {
    url,
    child,
    output: () => output,
    async api(method, pathname, body) {
      const sep = pathname.includes("?") ? "&" : "?";
      const res = await fetch(`${url}${pathname}${sep}directory=${encodeURIComponent(project.dir)}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${pathname} -> ${res.status}: ${text.slice(0, 500)}`);
      return text ? JSON.parse(text) : undefined;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
  // Wait for the "listening" line; an HTTP probe can hang while OpenCode boots its instance.
  const deadline = Date.now() + 60_000;
  while (!/listening on http/.test(output)) {
    if (child.exitCode !== null) throw new Error(`opencode serve exited early:\n${output}`);
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`opencode serve did not start within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return server;
}

/** Polls until check() returns a truthy value, or throws with the last error after timeoutMs. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  timeoutMs = 20_000,
  what = "condition",
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
