// Starting the built server the way operators do: from another directory, and with a data
// folder whose files belong to someone else.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { startServer } from "../support/server";

const root = path.resolve(import.meta.dirname, "../..");
/** Debian's `nobody`; any uid other than the file's owner would do. */
const OTHER_UID = 65534;

test("started from another directory, the server serves the plugin file, pages, assets and the API", async () => {
  const server = await startServer({ cwd: "/" });
  try {
    const plugin = await fetch(`${server.url}/plugin/opencode-dashboard.ts`);
    assert.equal(plugin.status, 200);
    assert.equal(await plugin.text(), readFileSync(path.join(root, "plugin/opencode-dashboard.ts"), "utf8"));
    const login = await fetch(`${server.url}/login`);
    assert.equal(login.status, 200);
    assert.match(await login.text(), /<html/i);
    assert.equal((await fetch(`${server.url}/icon.svg`)).status, 200);
    const sessions = await fetch(`${server.url}/api/sessions`, { headers: { "x-api-key": server.password } });
    assert.equal(sessions.status, 200);
  } finally {
    await server.dispose();
  }
});

test("an unreadable secrets.json stops start-up naming the user who must read it, and is left in place", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ocd-start-"));
  chmodSync(dir, 0o755); // the folder stays open: only the file is closed
  const file = path.join(dir, "secrets.json");
  const secrets = JSON.stringify({
    apiKey: "kept-plugin-key-0123456789",
    frontendPassword: "kept-password",
    authSecret: "kept-auth-secret-0123456789abcdefghijkl",
  });
  writeFileSync(file, secrets);
  chmodSync(file, 0o000);
  try {
    // Root reads a file whatever its mode: then the server runs as another user, as in a
    // container whose volume was written by root.
    const runAs = process.getuid?.() === 0 ? { uid: OTHER_UID, gid: OTHER_UID } : {};
    const expectedUid = process.getuid?.() === 0 ? OTHER_UID : process.getuid?.();
    const result = spawnSync(process.execPath, [path.join(root, "dist/server.js")], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        PORT: "0",
        HOST: "127.0.0.1",
        DATABASE_URL: path.join(dir, "database.db"),
      } as unknown as NodeJS.ProcessEnv,
      encoding: "utf8",
      timeout: 20_000,
      ...runAs,
    });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /configuration error: .*secrets\.json is not readable by uid (\d+)/);
    assert.equal(/is not readable by uid (\d+)/.exec(result.stderr)?.[1], String(expectedUid));
    assert.match(result.stderr, /do not delete/);
    assert.doesNotMatch(result.stderr, /not valid JSON/);
    chmodSync(file, 0o600);
    assert.equal(readFileSync(file, "utf8"), secrets);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
