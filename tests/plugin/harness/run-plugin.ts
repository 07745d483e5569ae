/**
 * Spawns tests/plugin/harness/drive-plugin.ts under Bun with HOME and XDG dirs isolated in a temp
 * folder, and collects what it printed.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { WireEvent } from "./capture-server.ts";

export const ROOT = path.resolve(import.meta.dirname, "../../..");
const BUN = path.join(ROOT, "node_modules/.bin/bun");
const DRIVER = path.join(ROOT, "tests/plugin/harness/drive-plugin.ts");

export type Sandbox = {
  root: string;
  home: string;
  configHome: string;
  dataHome: string;
  project: string;
  env: Record<string, string>;
  cleanup(): void;
};

/** A throwaway HOME/XDG layout with a project directory inside. */
export function makeSandbox(): Sandbox {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ocd-plugin-"));
  const home = path.join(root, "home");
  const configHome = path.join(root, "config");
  const dataHome = path.join(root, "data");
  const project = path.join(root, "project");
  for (const d of [home, configHome, dataHome, project]) fs.mkdirSync(d, { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    XDG_CONFIG_HOME: configHome,
    XDG_DATA_HOME: dataHome,
    XDG_CACHE_HOME: path.join(root, "cache"),
    XDG_STATE_HOME: path.join(root, "state"),
  };
  return {
    root,
    home,
    configHome,
    dataHome,
    project,
    env,
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

export function writeGlobalConfig(sb: Sandbox, toml: string): string {
  const file = path.join(sb.configHome, "opencode", "dashboard.toml");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, toml);
  return file;
}

export function writeProjectConfig(sb: Sandbox, toml: string): string {
  const file = path.join(sb.project, ".opencode", "dashboard.toml");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, toml);
  return file;
}

/** What drive-plugin.ts prints, one a line. */
type DriverLine = { hooks: string[] } | { mark: string } | { hookTimesMs: number[] } | { call: string; args: unknown };
export type DriveResult = { code: number | null; stdout: string; stderr: string; lines: DriverLine[] };

export function drivePlugin(
  sb: Sandbox,
  spec: { steps: unknown[]; options?: Record<string, unknown>; timeHook?: boolean; recordClient?: boolean },
  env: Record<string, string> = {},
): Promise<DriveResult> {
  return new Promise((resolve, reject) => {
    // The spec goes through a file: thousands of events do not fit in argv.
    const specFile = path.join(sb.root, `spec-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(specFile, JSON.stringify({ directory: sb.project, ...spec }));
    const child = spawn(BUN, [DRIVER, specFile], {
      env: { ...sb.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const lines = stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      resolve({ code, stdout, stderr, lines });
    });
  });
}

/** Log lines the plugin wrote (it logs to stderr when there is no OpenCode client). */
export function pluginLogLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.startsWith("[opencode-dashboard]"));
}

let counter = 0;
/** A bus event shaped like OpenCode's. */
export function busEvent(
  type: string,
  properties: Record<string, unknown> = {},
): { id: string; type: string; properties: Record<string, unknown> } {
  counter++;
  return { id: `evt_test${process.pid}_${String(counter).padStart(6, "0")}`, type, properties };
}

export function spoolFiles(sb: Sandbox): string[] {
  const base = path.join(sb.dataHome, "opencode-dashboard", "spool");
  if (!fs.existsSync(base)) return [];
  return fs.readdirSync(base).flatMap((d) => fs.readdirSync(path.join(base, d)).map((f) => path.join(base, d, f)));
}

export function spooledEvents(sb: Sandbox): WireEvent[] {
  return spoolFiles(sb)
    .sort((a, b) => parseInt(path.basename(a)) - parseInt(path.basename(b)))
    .flatMap((f) =>
      fs
        .readFileSync(f, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    );
}
