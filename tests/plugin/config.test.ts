// Config precedence (global < project < env), real TOML parsing, error lines, idle mode, and the
// API key never appearing in output. Runs the shipped plugin file under Bun.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { startCaptureServer, type CaptureServer } from "./harness/capture-server.ts";
import {
  busEvent,
  drivePlugin,
  makeSandbox,
  pluginLogLines,
  writeGlobalConfig,
  writeProjectConfig,
  type Sandbox,
} from "./harness/run-plugin.ts";

let a: CaptureServer;
let b: CaptureServer;
const sandboxes: Sandbox[] = [];
const sandbox = () => {
  const sb = makeSandbox();
  sandboxes.push(sb);
  return sb;
};

before(async () => {
  a = await startCaptureServer();
  b = await startCaptureServer();
});
after(async () => {
  await a.close();
  await b.close();
  for (const sb of sandboxes) sb.cleanup();
});

const oneEventThenDispose = () => ({
  steps: [{ events: [busEvent("session.idle", { sessionID: "ses_1" })] }, { dispose: true }],
});

test("project config overrides global key by key, env overrides both", async () => {
  const sb = sandbox();
  writeGlobalConfig(sb, `url = "${a.url}"\napiKey = "global-key"\nhostname = "global-host"\n`);
  writeProjectConfig(sb, `apiKey = "project-key"\nhostname = "project-host"\n`);
  const before = a.requests.length;
  const r = await drivePlugin(sb, oneEventThenDispose(), { OPENCODE_DASHBOARD_HOSTNAME: "env-host" });
  assert.equal(r.code, 0, r.stderr);
  const reqs = a.requests.slice(before);
  assert.ok(reqs.length > 0, "the global url is used");
  for (const req of reqs) assert.equal(req.headers["x-api-key"], "project-key");
  const ev = reqs.flatMap((q) => q.events).find((e) => e.type === "session.idle")!;
  assert.equal(ev.hostname, "env-host");
  assert.equal(ev.directory, sb.project);

  const beforeB = b.requests.length;
  const r2 = await drivePlugin(sb, oneEventThenDispose(), {
    OPENCODE_DASHBOARD_URL: b.url,
    OPENCODE_DASHBOARD_API_KEY: "env-key",
  });
  assert.equal(r2.code, 0, r2.stderr);
  const reqsB = b.requests.slice(beforeB);
  assert.ok(reqsB.length > 0, "the env url wins");
  for (const req of reqsB) assert.equal(req.headers["x-api-key"], "env-key");
  assert.equal(reqsB[0].events[0].hostname, "project-host");
});

test("hostname defaults to the OS hostname; real TOML: comments, literal strings, escapes", async () => {
  const sb = sandbox();
  writeGlobalConfig(
    sb,
    `# dashboard settings\nurl = '${a.url}' # literal string\n\n` +
      `apiKey = "k\\"e\\\\y\\u0041" # escaped quote, backslash, unicode\n`,
  );
  const before = a.requests.length;
  const r = await drivePlugin(sb, oneEventThenDispose());
  assert.equal(r.code, 0, r.stderr);
  const reqs = a.requests.slice(before);
  assert.ok(reqs.length > 0);
  assert.equal(reqs[0].headers["x-api-key"], 'k"e\\yA');
  assert.equal(reqs[0].events[0].hostname, os.hostname());
  assert.deepEqual(pluginLogLines(r.stderr), []);
});

test("missing config: one clear line, no hooks, nothing sent or written", async () => {
  const sb = sandbox();
  const before = a.requests.length + b.requests.length;
  const r = await drivePlugin(sb, oneEventThenDispose());
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.lines[0], { hooks: [] });
  const lines = pluginLogLines(r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /not configured \(missing url and apiKey\).*dashboard\.toml.*stays idle/);
  assert.equal(a.requests.length + b.requests.length, before);
  assert.equal(fs.existsSync(path.join(sb.dataHome, "opencode-dashboard")), false);
});

test("url without apiKey names the missing key", async () => {
  const sb = sandbox();
  writeGlobalConfig(sb, `url = "${a.url}"\n`);
  const r = await drivePlugin(sb, oneEventThenDispose());
  const lines = pluginLogLines(r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /missing apiKey/);
});

test("invalid TOML: one line naming the file and position, plugin idle, key not printed", async () => {
  const sb = sandbox();
  writeGlobalConfig(sb, `url = "${a.url}"\napiKey = "super-secret-1"\n`);
  const file = writeProjectConfig(sb, `hostname = "unterminated\n`);
  const before = a.requests.length;
  const r = await drivePlugin(sb, oneEventThenDispose());
  assert.equal(r.code, 0, r.stderr);
  const lines = pluginLogLines(r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0].includes(file), lines[0]);
  assert.match(lines[0], /invalid TOML.*line 1/);
  assert.deepEqual(r.lines[0], { hooks: [] });
  assert.equal(a.requests.length, before);
  assert.ok(!r.stderr.includes("super-secret-1"));
});

test("a key of the wrong type: one line naming the file and the key, key value not printed", async () => {
  const sb = sandbox();
  const file = writeGlobalConfig(sb, `url = "${a.url}"\napiKey = 12345678\n`);
  const r = await drivePlugin(sb, oneEventThenDispose());
  const lines = pluginLogLines(r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0].includes(file));
  assert.match(lines[0], /key "apiKey" must be a non-empty string/);
  assert.ok(!r.stderr.includes("12345678"));

  const sb2 = sandbox();
  const file2 = writeProjectConfig(sb2, `url = "ftp://nope"\napiKey = "k"\n`);
  const r2 = await drivePlugin(sb2, oneEventThenDispose());
  const lines2 = pluginLogLines(r2.stderr);
  assert.equal(lines2.length, 1, r2.stderr);
  assert.ok(lines2[0].includes(file2) && lines2[0].includes('key "url"'), lines2[0]);
});

test("the API key is never printed, even when the dashboard refuses it", async () => {
  const sb = sandbox();
  const refusing = await startCaptureServer({
    respond: () => ({ status: 401, body: { error: { code: "unauthorized", message: "bad key" } } }),
  });
  try {
    writeGlobalConfig(sb, `url = "${refusing.url}"\napiKey = "never-print-me-42"\n`);
    const r = await drivePlugin(sb, oneEventThenDispose());
    assert.equal(r.code, 0);
    const lines = pluginLogLines(r.stderr);
    assert.ok(
      lines.some((l) => /refused the API key \(HTTP 401\)/.test(l)),
      r.stderr,
    );
    assert.ok(!r.stderr.includes("never-print-me-42"));
    assert.ok(!r.stdout.includes("never-print-me-42"));
  } finally {
    await refusing.close();
  }
});
