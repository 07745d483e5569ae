import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { connectSocket, eventId, postEvents } from "../support/client";
import { startServer, type TestServer } from "../support/server";

/** Every way a request can fail to authenticate, each carrying a secret in the wrong place or a near miss. */
async function exerciseAuthFailures(
  server: TestServer,
  secrets: { apiKey: string; password: string; metricsToken?: string },
) {
  const event = {
    id: eventId(),
    type: "session.idle",
    hostname: "log-host",
    directory: "/srv",
    time: Date.now(),
    properties: { sessionID: "ses_logs" },
  };
  await postEvents(server, { events: [event] }, { key: secrets.password }); // the password is not a plugin key
  await postEvents(server, { events: [event] }, { key: `${secrets.apiKey}-wrong` });
  await postEvents(server, null, { key: secrets.apiKey, raw: `{"apiKey": "${secrets.apiKey}", broken` });
  await postEvents(server, null, {
    key: secrets.apiKey,
    raw: JSON.stringify({ events: [{ id: secrets.password, type: "session.idle" }] }),
  });
  await postEvents(server, { events: [event] }); // one that works, so the ingest path logs too
  for (const headers of <Record<string, string>[]>[
    { "x-api-key": secrets.apiKey },
    { "x-api-key": `${secrets.password}-wrong` },
    { authorization: `Bearer ${secrets.password}-wrong` },
    { cookie: `next-auth.session-token=${secrets.password}` },
  ]) {
    await fetch(`${server.url}/api/sessions`, { headers });
    await fetch(`${server.url}/api/admin/storage`, { headers });
    await fetch(`${server.url}/metrics`, { headers });
  }
  await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${secrets.apiKey}` } });
  if (secrets.metricsToken)
    await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${secrets.metricsToken}-wrong` } });
  await fetch(`${server.url}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ password: `${secrets.password}-wrong` }),
    redirect: "manual",
  });
  for (const auth of [
    { password: `${secrets.password}-wrong` },
    { password: secrets.apiKey },
    { token: secrets.password + "x" },
  ]) {
    const socket = connectSocket(server, auth);
    await new Promise<void>((resolve) => {
      socket.once("connect_error", () => resolve());
      socket.once("connect", () => resolve());
      setTimeout(resolve, 2000);
    });
    socket.close();
  }
}

const occurrences = (text: string, secret: string) => text.split(secret).length - 1;

test("secrets set in the environment never reach the log, even at LOG_LEVEL=trace after failed authentication", async () => {
  const secrets = {
    apiKey: "env-plugin-key-4f1c2e9a7b",
    password: "env-dashboard-pw-8d3a61",
    metricsToken: "env-metrics-token-c0ffee1234",
    authSecret: "env-session-secret-0123456789abcdefghijkl",
  };
  const server = await startServer({
    env: {
      API_KEY: secrets.apiKey,
      FRONTEND_PASSWORD: secrets.password,
      METRICS_TOKEN: secrets.metricsToken,
      NEXTAUTH_SECRET: secrets.authSecret,
      LOG_LEVEL: "trace",
    },
  });
  try {
    await exerciseAuthFailures(server, secrets);
  } finally {
    await server.stop();
  }
  const output = server.output();
  await server.dispose();
  assert.match(output, /"level":\d+/, "the server logged (JSON lines)");
  for (const [name, secret] of Object.entries(secrets))
    assert.equal(occurrences(output, secret), 0, `${name} appears in the log:\n${output}`);
});

test("generated secrets are printed once, in the first-start banner, and nowhere else", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ocd-logs-"));
  const server = await startServer({
    dataDir: dir,
    env: { API_KEY: "", FRONTEND_PASSWORD: "", NEXTAUTH_SECRET: "", LOG_LEVEL: "trace" },
  });
  try {
    const banner = server.output();
    const password = /Dashboard password: (\S+)/.exec(banner)?.[1];
    const apiKey = /Plugin API key: +(\S+)/.exec(banner)?.[1];
    assert.ok(password && apiKey, banner);
    await exerciseAuthFailures(server, { apiKey, password });
    await server.restart();
    await exerciseAuthFailures(server, { apiKey, password });
    await server.stop();
    const output = server.output();
    assert.equal(occurrences(output, password), 1, `the password is printed once:\n${output}`);
    assert.equal(occurrences(output, apiKey), 1, `the plugin key is printed once:\n${output}`);
    const bannerLines = output.split("\n").filter((l) => l.includes(password) || l.includes(apiKey));
    assert.ok(
      bannerLines.every((l) => /^ {2}(Dashboard password|Plugin API key):/.test(l)),
      bannerLines.join("\n"),
    );
  } finally {
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a plugin that drops its connection half way through a batch is an info line, not a server error", async () => {
  const server = await startServer();
  try {
    const socket = net.connect(server.port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(
      "POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
        `X-API-Key: ${server.apiKey}\r\nContent-Length: 1000\r\n\r\n{"events":[`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200)); // the server is reading the body
    socket.destroy();
    const deadline = Date.now() + 5_000;
    while (!/POST \/events/.test(server.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const lines = server
      .output()
      .split("\n")
      .filter((line) => line.includes("POST /events"));
    assert.equal(lines.length, 1, server.output());
    const entry = JSON.parse(lines[0]) as { level: number; msg: string };
    assert.equal(entry.level, 30, lines[0]);
    assert.match(entry.msg, /closed the connection before sending its whole batch/);
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
  } finally {
    await server.dispose();
  }
});
