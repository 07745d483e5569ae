// Starting the built server the way operators do: from another directory, and with a data
// folder whose files belong to someone else.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { startServer } from "../support/server";

const root = path.resolve(import.meta.dirname, "../..");

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
