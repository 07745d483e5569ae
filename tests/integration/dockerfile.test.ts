import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { writeTinyKokoro } from "../fixtures/tts/tiny-kokoro";
import { assertKokoroSpeaks } from "../support/speech";

/**
 * No Docker engine runs in CI, so this test is the image build: it parses the Dockerfile and
 * performs its steps in order (WORKDIR, ENV, COPY from the .dockerignore-filtered context or an
 * earlier stage, RUN) in a temporary directory per stage, then starts the final stage's CMD with
 * its ENV and a Kokoro model folder, runs its HEALTHCHECK and has it speak. Only RUN steps that
 * start with apt-get are skipped (system packages and file ownership). A change to the Dockerfile
 * is tested as written. Where an engine runs, tests/integration/docker-image.test.ts builds the
 * image for real.
 */

const root = path.resolve(import.meta.dirname, "../..");
/** As `docker image ls` counts them. */
const MB = 1000 * 1000;
const APP_BUDGET_MB = 200;

/** Bytes under a folder, symlinks counted as links (as a layer stores them). */
function sizeOf(target: string): number {
  const stat = lstatSync(target);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(target).reduce((sum, name) => sum + sizeOf(path.join(target, name)), 0);
}

type Step = { instruction: string; args: string; flags: Record<string, string>; line: number };
type Stage = { name: string; image: string; steps: Step[] };

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i];
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith("\\")) {
      line = line.slice(0, -1);
      do i++;
      while (i < lines.length && /^\s*#/.test(lines[i]));
      line += " " + (lines[i] ?? "").trim();
    }
    const match = /^\s*(\w+)\s+(.*)$/.exec(line);
    assert.ok(match, `Dockerfile line ${start}: cannot parse "${line}"`);
    const instruction = match[1].toUpperCase();
    let args = match[2].trim();
    const flags: Record<string, string> = {};
    // HEALTHCHECK's own flags (--interval…) and COPY's/RUN's (--from, --chown, --mount).
    while (args.startsWith("--")) {
      const flag = /^--([\w-]+)(?:=(\S+))?\s*/.exec(args)!;
      flags[flag[1]] = flag[2] ?? "true";
      args = args.slice(flag[0].length);
    }
    if (instruction === "FROM") {
      const [image, as, name] = args.split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === "AS" ? name : String(stages.length), steps: [] });
    } else {
      assert.ok(stages.length > 0, `Dockerfile line ${start}: ${instruction} before FROM`);
      stages.at(-1)!.steps.push({ instruction, args, flags, line: start });
    }
  }
  return stages;
}

/** .dockerignore as Docker reads it: patterns from the context root, `**` across folders, `!` re-includes, last match wins. */
function ignoreMatcher(text: string) {
  const rules = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const negate = l.startsWith("!");
      const pattern = path.posix.normalize((negate ? l.slice(1) : l).replace(/^\/+/, ""));
      const source = pattern
        .split("/")
        .map((part) =>
          part === "**"
            ? "(?:.*)"
            : part
                .replace(/[.+^${}()|[\]\\]/g, "\\$&")
                .replace(/\*/g, "[^/]*")
                .replace(/\?/g, "[^/]"),
        )
        .join("/")
        .replace(/\(\?:\.\*\)\//g, "(?:.*/)?");
      return { negate, regex: new RegExp(`^${source}$`) };
    });
  return (relative: string) => {
    let ignored = false;
    for (const rule of rules) if (rule.regex.test(relative)) ignored = !rule.negate;
    return ignored;
  };
}

function copyContext(to: string) {
  const ignored = ignoreMatcher(
    existsSync(path.join(root, ".dockerignore")) ? readFileSync(path.join(root, ".dockerignore"), "utf8") : "",
  );
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (ignored(child)) continue;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() || entry.isSymbolicLink())
        cpSync(path.join(root, child), path.join(to, child), { verbatimSymlinks: true });
    }
  };
  mkdirSync(to, { recursive: true });
  walk("");
}

/** Docker's ENV forms: `ENV A=1 B="two words"` and the legacy `ENV A 1`. */
function parseEnv(args: string): Record<string, string> {
  if (!/^\w+=/.test(args)) {
    const [key, ...value] = args.split(/\s+/);
    return { [key]: value.join(" ") };
  }
  const env: Record<string, string> = {};
  for (const m of args.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g))
    env[m[1]] = m[2].startsWith('"') ? JSON.parse(m[2]) : m[2];
  return env;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

type Env = Record<string, string | undefined>;

function run(command: string, cwd: string, env: Env, step: Step) {
  const started = Date.now();
  const result = spawnSync("sh", ["-c", command], {
    cwd,
    env: env as NodeJS.ProcessEnv,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(
    result.status,
    0,
    `Dockerfile line ${step.line}: RUN ${command} failed:\n${result.stdout}\n${result.stderr}`,
  );
  return Date.now() - started;
}

test(
  "the Dockerfile's own steps build the app in a clean copy of the context under its size budget, and its CMD serves /health and speaks",
  { timeout: 15 * 60_000 },
  async (t) => {
    const dockerfile = readFileSync(path.join(root, "Dockerfile"), "utf8");
    const stages = parseDockerfile(dockerfile);
    assert.deepEqual(
      stages.map((s) => s.image),
      ["node:22-bookworm-slim", "node:22-bookworm-slim"],
    );

    // Layer caching: only the manifests are copied before the install, the sources after it.
    const build = stages[0].steps;
    const firstCopy = build.findIndex((s) => s.instruction === "COPY");
    const install = build.findIndex((s) => s.instruction === "RUN" && /\bnpm (ci|install)\b/.test(s.args));
    const sources = build.findIndex((s) => s.instruction === "COPY" && s.args === ". .");
    assert.equal(build[firstCopy].args, "package.json package-lock.json .npmrc ./");
    assert.ok(firstCopy < install && install < sources, "COPY manifests → npm install → COPY . .");

    const work = mkdtempSync(path.join(tmpdir(), "ocd-docker-"));
    const context = path.join(work, "context");
    copyContext(context);
    for (const absent of ["node_modules", ".git", ".next", "dist", "data", "test-results"]) {
      assert.equal(existsSync(path.join(context, absent)), false, `.dockerignore keeps ${absent} out of the context`);
    }

    // Each stage gets its own root; absolute paths in the Dockerfile (/app…) point into it.
    const stageRoots = new Map<string, string>();
    const inStage = (stageRoot: string, p: string) => path.join(stageRoot, p);
    const baseEnv: Env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      npm_config_cache: process.env.npm_config_cache,
    };
    // The image's npm fetches from the registry; here the npm cache saves the downloads.
    // JOBS: node-gyp compiles better-sqlite3 on every core when no prebuilt binary can be fetched.
    const buildEnv: Env = { ...baseEnv, npm_config_prefer_offline: "true", JOBS: "max", CI: "true" };
    let runtime: { dir: string; env: Record<string, string>; cmd: string[]; healthcheck: string[] } | undefined;
    const timings: string[] = [];

    for (const stage of stages) {
      const stageRoot = path.join(work, "stages", stage.name);
      stageRoots.set(stage.name, stageRoot);
      mkdirSync(stageRoot, { recursive: true });
      let workdir = stageRoot;
      const env: Record<string, string> = {};
      const mapPaths = (value: string) =>
        value.replace(/(^|[\s=:])\/app(?=\/|$|\s)/g, (_, pre) => pre + inStage(stageRoot, "/app"));
      let cmd: string[] = [];
      let healthcheck: string[] = [];
      for (const step of stage.steps) {
        switch (step.instruction) {
          case "WORKDIR":
            workdir = path.isAbsolute(step.args) ? inStage(stageRoot, step.args) : path.join(workdir, step.args);
            mkdirSync(workdir, { recursive: true });
            break;
          case "ENV":
            for (const [key, value] of Object.entries(parseEnv(step.args))) env[key] = mapPaths(value);
            break;
          case "COPY": {
            const parts = step.args.startsWith("[") ? (JSON.parse(step.args) as string[]) : step.args.split(/\s+/);
            const dest = parts.pop()!;
            const from = step.flags.from;
            const target = path.isAbsolute(dest) ? inStage(stageRoot, dest) : path.join(workdir, dest);
            for (const src of parts) {
              const source = from
                ? inStage(stageRoots.get(from) ?? assert.fail(`COPY --from=${from}: no such stage`), src)
                : path.join(context, src);
              assert.ok(existsSync(source), `Dockerfile line ${step.line}: COPY ${src} — not there`);
              const isDir = spawnSync("test", ["-d", source]).status === 0;
              const into =
                isDir || !(dest.endsWith("/") || parts.length > 1) ? target : path.join(target, path.basename(src));
              cpSync(source, into, { recursive: true, verbatimSymlinks: true });
            }
            break;
          }
          case "RUN": {
            if (/^apt-get\b/.test(step.args)) {
              t.diagnostic(`skipped (system step) line ${step.line}: RUN ${step.args.slice(0, 80)}…`);
              break;
            }
            const ms = run(step.args, workdir, { ...buildEnv, ...env }, step);
            timings.push(`RUN ${step.args} — ${(ms / 1000).toFixed(1)} s`);
            break;
          }
          case "CMD":
            cmd = JSON.parse(step.args);
            break;
          case "HEALTHCHECK":
            healthcheck = JSON.parse(step.args.replace(/^CMD\s+/, ""));
            break;
          case "USER":
          case "EXPOSE":
          case "VOLUME":
          case "LABEL":
          case "ARG":
            break;
          default:
            assert.fail(`Dockerfile line ${step.line}: ${step.instruction} is not handled by this test; teach it`);
        }
      }
      runtime = { dir: workdir, env, cmd, healthcheck };
    }
    for (const line of timings) t.diagnostic(line);

    const app = runtime!;
    assert.deepEqual(app.cmd, ["node", "dist/server.js"]);
    assert.equal(app.env.DISABLE_TTS, "true");
    assert.equal(app.env.NODE_ENV, "production");
    for (const left of [
      "node_modules/typescript",
      "tests",
      ".next/cache",
      ".next/standalone",
      "node_modules/@next/swc-linux-x64-gnu",
      "node_modules/onnxruntime-web",
      "node_modules/recharts",
    ]) {
      assert.equal(existsSync(path.join(app.dir, left)), false, `build-only ${left} is left behind`);
    }
    for (const shipped of [
      ".next/BUILD_ID",
      "dist/server.js",
      "plugin/opencode-dashboard.ts",
      "next.config.js",
      "package.json",
      "scripts/backup.mjs",
      "node_modules/better-sqlite3",
    ]) {
      assert.ok(existsSync(path.join(app.dir, shipped)), `the image holds ${shipped}`);
    }
    // What the image adds to its base: node:22-bookworm-slim (about 270 MB with Node's headers)
    // and espeak-ng (about 22 MB) leave about 200 MB of the image's 500 MB for the app.
    const appMb = sizeOf(app.dir) / MB;
    t.diagnostic(`the app in the image: ${appMb.toFixed(1)} MB on top of node:22-bookworm-slim and espeak-ng`);
    assert.ok(appMb <= APP_BUDGET_MB, `the app takes ${appMb.toFixed(1)} MB, more than ${APP_BUDGET_MB} MB`);

    // Start as the container would: the image's ENV and what compose passes, nothing from this shell.
    const port = await freePort();
    const modelDir = path.join(work, "models");
    const secrets = { API_KEY: "docker-test-plugin-key-0123", FRONTEND_PASSWORD: "docker-test-password" };
    const env: Record<string, string> = {
      PATH: process.env.PATH!,
      HOME: path.join(work, "home"),
      ...app.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      ...secrets,
      // As docker-compose.yml passes them when a Kokoro model folder is mounted at /models.
      DISABLE_TTS: "false",
      TTS_MODEL_DIR: modelDir,
    };
    writeTinyKokoro(modelDir);
    mkdirSync(path.dirname(env.DATABASE_URL), { recursive: true });
    let output = "";
    const server: ChildProcess = spawn(app.cmd[0], app.cmd.slice(1), {
      cwd: app.dir,
      env: env as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    server.stdout!.on("data", (c: Buffer) => (output += c));
    server.stderr!.on("data", (c: Buffer) => (output += c));
    try {
      const deadline = Date.now() + 60_000;
      while (!/listening on/.test(output)) {
        assert.equal(server.exitCode, null, `the server exited:\n${output}`);
        assert.ok(Date.now() < deadline, `the server did not start within 60 s:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const check = spawnSync(app.healthcheck[0], app.healthcheck.slice(1), {
        cwd: app.dir,
        env: env as NodeJS.ProcessEnv,
        encoding: "utf8",
        timeout: 10_000,
      });
      assert.equal(check.status, 0, `HEALTHCHECK failed: ${check.stderr}`);
      const health = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.json());
      assert.equal(health.status, "ok");
      assert.equal(health.db, "ok");
      assert.ok(existsSync(env.DATABASE_URL), "the database is created under /app/data");
      const plugin = await fetch(`http://127.0.0.1:${port}/plugin/opencode-dashboard.ts`);
      assert.equal(plugin.status, 200);
      const events = await fetch(`http://127.0.0.1:${port}/events`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": secrets.API_KEY },
        body: JSON.stringify({
          events: [
            {
              id: "evt_docker1",
              type: "session.idle",
              hostname: "docker",
              directory: "/",
              time: Date.now(),
              properties: { sessionID: "ses_docker" },
            },
          ],
        }),
      });
      assert.equal(events.status, 202);
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`, {
        headers: { authorization: `Bearer ${secrets.FRONTEND_PASSWORD}` },
      });
      assert.equal(metrics.status, 200);
      await assertKokoroSpeaks(`http://127.0.0.1:${port}`, secrets.FRONTEND_PASSWORD);
      assert.doesNotMatch(output, /"level":(50|60)/, `no errors logged:\n${output}`);
    } finally {
      const exited = new Promise<number | null>((resolve) =>
        server.exitCode !== null ? resolve(server.exitCode) : server.once("exit", resolve),
      );
      server.kill("SIGTERM");
      const code = await exited;
      assert.equal(code, 0, `stopped cleanly on SIGTERM:\n${output}`);
      rmSync(work, { recursive: true, force: true });
    }
  },
);
