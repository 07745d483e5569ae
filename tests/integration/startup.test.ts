import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { startServer } from "../support/server";

const root = path.resolve(import.meta.dirname, "../..");

test("a bad configuration value stops start-up with exit 1 and names the variable", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ocd-start-"));
  const result = spawnSync(process.execPath, ["dist/server.js"], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      PORT: "not-a-port",
      DATABASE_URL: path.join(dir, "db.sqlite"),
    } as unknown as NodeJS.ProcessEnv,
    encoding: "utf8",
    timeout: 20_000,
  });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /configuration error: PORT: /);
  rmSync(dir, { recursive: true, force: true });
});

test("first start without secrets generates them, prints the key and password once, and never again", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ocd-start-"));
  const server = await startServer({ dataDir: dir, env: { API_KEY: "", FRONTEND_PASSWORD: "", NEXTAUTH_SECRET: "" } });
  try {
    const first = server.output();
    const password = /Dashboard password: (\S+)/.exec(first)?.[1];
    const key = /Plugin API key: +(\S+)/.exec(first)?.[1];
    assert.ok(password && key, first);
    const health = await fetch(`${server.url}/health`).then((r) => r.json());
    assert.deepEqual(Object.keys(health).sort(), ["db", "status", "uptime", "version"]);
    assert.equal(health.status, "ok");
    // The generated key is the one the webhook wants.
    const res = await fetch(`${server.url}/events`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key! },
      body: JSON.stringify({ events: [] }),
    });
    assert.equal(res.status, 202);

    await server.restart();
    const second = server.output().slice(first.length);
    assert.doesNotMatch(second, new RegExp(password!));
    assert.doesNotMatch(second, new RegExp(key!));
    assert.match(second, /apiKey from file/);
  } finally {
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("/health answers 503 with status error while the database cannot take a write, and recovers", async () => {
  const server = await startServer();
  try {
    const ok = await fetch(`${server.url}/health`);
    assert.equal(ok.status, 200);
    const { default: Database } = await import("better-sqlite3");
    const other = new Database(server.databasePath);
    other.exec("BEGIN IMMEDIATE"); // another process holds the write lock
    const locked = await fetch(`${server.url}/health`);
    const body = await locked.json();
    assert.equal(locked.status, 503);
    assert.equal(body.status, "error");
    assert.equal(body.db, "error");
    assert.match(body.message, /database: .*locked/i);
    other.exec("ROLLBACK");
    other.close();
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
  } finally {
    await server.dispose();
  }
});

test("the plugin file is served for one-line installs, byte for byte", async () => {
  const server = await startServer();
  try {
    const res = await fetch(`${server.url}/plugin/opencode-dashboard.ts`);
    assert.equal(res.status, 200);
    const { readFileSync } = await import("node:fs");
    assert.equal(await res.text(), readFileSync(path.join(root, "plugin/opencode-dashboard.ts"), "utf8"));
  } finally {
    await server.dispose();
  }
});
