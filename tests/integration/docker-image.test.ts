import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { writeTinyKokoro } from "../fixtures/tts/tiny-kokoro";
import { assertKokoroSpeaks } from "../support/speech";

/**
 * The image built by a real Docker engine: its size, its user, speech from a mounted model folder
 * and a clean stop. Skipped where no engine answers (CI; tests/integration/dockerfile.test.ts runs
 * the Dockerfile's steps there). The build and the container use the host's network (the build
 * fetches packages; the server listens on a free port of 127.0.0.1), as a Linux engine allows.
 */

const root = path.resolve(import.meta.dirname, "../..");
/** Docker counts megabytes of 1,000,000 bytes. */
const IMAGE_BUDGET_BYTES = 500 * 1000 * 1000;
/** docker-compose.yml's stop_grace_period; the server itself closes within 5 s. */
const STOP_GRACE_S = 15;
const CLEAN_STOP_MS = 10_000;
const HEALTHY_WITHIN_MS = 120_000;
const BUILD_TIMEOUT_MS = 60 * 60_000;

const engine = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8", timeout: 20_000 });
const noEngine = engine.status === 0 ? false : "no Docker engine answers `docker info`";

function docker(args: string[]) {
  const result = spawnSync("docker", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  assert.equal(result.status, 0, `docker ${args.join(" ")}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout.trim();
}

/** A long docker command without blocking the event loop (the build takes minutes). */
function dockerAsync(args: string[], timeoutMs: number) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn("docker", args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c));
    child.stderr.on("data", (c: Buffer) => (output += c));
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.once("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`docker ${args.join(" ")} exited with ${code}:\n${output.slice(-4000)}`));
    });
  });
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

test(
  "the image builds under 500 MB, runs as uid 1000, speaks from a mounted model folder and stops cleanly",
  { skip: noEngine, timeout: BUILD_TIMEOUT_MS + 5 * 60_000 },
  async (t) => {
    const tag = `opencode-dashboard:test-${process.pid}`;
    const name = `ocd-test-${process.pid}`;
    const work = mkdtempSync(path.join(tmpdir(), "ocd-image-"));
    try {
      const started = Date.now();
      await dockerAsync(["build", "--network", "host", "--tag", tag, root], BUILD_TIMEOUT_MS);
      t.diagnostic(`built ${tag} in ${((Date.now() - started) / 1000).toFixed(0)} s`);

      const size = Number(docker(["image", "inspect", "--format", "{{.Size}}", tag]));
      t.diagnostic(`image size: ${(size / 1e6).toFixed(1)} MB (docker image ls)`);
      assert.ok(size <= IMAGE_BUDGET_BYTES, `the image is ${(size / 1e6).toFixed(1)} MB, more than 500 MB`);

      // The container's `node` user reads the model through the bind mount; mkdtemp made it private.
      const models = path.join(work, "models");
      writeTinyKokoro(models);
      chmodSync(work, 0o755);
      const port = await freePort();
      const password = "docker-image-test-password";
      docker([
        ...["run", "--detach", "--name", name, "--network", "host"],
        ...["--env", `PORT=${port}`, "--env", "HOST=127.0.0.1"],
        ...["--env", "API_KEY=docker-image-test-plugin-key", "--env", `FRONTEND_PASSWORD=${password}`],
        // As docker-compose.yml passes them when TTS_MODEL_DIR names a model folder.
        ...["--env", "DISABLE_TTS=false", "--env", "TTS_MODEL_DIR=/models", "--volume", `${models}:/models:ro`],
        tag,
      ]);
      assert.equal(docker(["exec", name, "id", "-u"]), "1000", "the server runs as the unprivileged node user");

      const until = Date.now() + HEALTHY_WITHIN_MS;
      let health = "";
      while ((health = docker(["inspect", "--format", "{{.State.Health.Status}}", name])) !== "healthy") {
        assert.notEqual(health, "unhealthy", docker(["logs", name]));
        assert.ok(
          Date.now() < until,
          `not healthy within ${HEALTHY_WITHIN_MS} ms (${health}):\n${docker(["logs", name])}`,
        );
        await new Promise((r) => setTimeout(r, 1_000));
      }
      await assertKokoroSpeaks(`http://127.0.0.1:${port}`, password);

      const stopping = Date.now();
      docker(["stop", "--time", String(STOP_GRACE_S), name]);
      const stopMs = Date.now() - stopping;
      t.diagnostic(`docker stop took ${stopMs} ms`);
      assert.equal(docker(["inspect", "--format", "{{.State.ExitCode}}", name]), "0", docker(["logs", name]));
      assert.ok(stopMs < CLEAN_STOP_MS, `docker stop took ${stopMs} ms`);
      const logs = spawnSync("docker", ["logs", name], { encoding: "utf8" });
      assert.doesNotMatch(logs.stdout + logs.stderr, /"level":(50|60)/, "no errors logged");
    } finally {
      spawnSync("docker", ["rm", "--force", "--volumes", name]);
      spawnSync("docker", ["image", "rm", tag]);
      rmSync(work, { recursive: true, force: true });
    }
  },
);
