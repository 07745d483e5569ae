import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, test } from "node:test";
import { io, type Socket } from "socket.io-client";
import type { Browser } from "playwright-core";
import type { SubscriptionAnswer } from "../../lib/realtime/messages";
import { launchBrowser, signIn } from "../support/browser";
import { connected, eventId, postEvents, type WireEvent } from "../support/client";
import { startServer, type TestServer } from "../support/server";

/** The socket.io door: who may open it (Origin) and what one client may cost the server. */

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.dispose();
});

const ev = (type: string, properties: Record<string, unknown>): WireEvent => ({
  id: eventId(),
  type,
  hostname: "sec-host",
  directory: "/srv/sec",
  time: Date.now(),
  properties,
});

const textPart = (sessionID: string, n: number, text: string) =>
  ev("message.part.updated", {
    part: { id: `prt_${sessionID}_${n}`, sessionID, messageID: `msg_${sessionID}`, type: "text", text },
  });

function socketWith(
  opts: { auth?: Record<string, unknown>; origin?: string; headers?: Record<string, string> },
  target: TestServer = server,
) {
  const extraHeaders = { ...opts.headers, ...(opts.origin ? { origin: opts.origin } : {}) };
  return io(target.url, {
    path: "/socket.io",
    auth: opts.auth ?? { password: target.password },
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    extraHeaders,
  });
}

const subscribe = (socket: Socket, id: unknown) =>
  socket.timeout(3000).emitWithAck("subscribe", id) as Promise<SubscriptionAnswer>;

describe("cross-site WebSocket", () => {
  let browser: Browser;
  let otherSite: Server;
  let otherUrl: string;
  before(async () => {
    browser = await launchBrowser();
    // A page on another port of the same host: same-site for cookies (SameSite ignores ports).
    otherSite = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<!doctype html><title>elsewhere</title><p>another app on this host</p>");
    });
    await new Promise<void>((resolve) => otherSite.listen(0, "127.0.0.1", () => resolve()));
    const address = otherSite.address();
    otherUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => otherSite?.close(resolve));
  });

  /** In the page: open the dashboard's socket.io by hand with the browser's cookies, watch a session. */
  async function listenFrom(page: import("playwright-core").Page, sessionID: string) {
    await page.evaluate(
      ({ url, sessionID }) => {
        const log: string[] = [];
        (window as unknown as { socketLog: string[] }).socketLog = log;
        const ws = new WebSocket(url);
        ws.onmessage = (e) => {
          const data = String(e.data);
          log.push(data);
          if (data.startsWith("0{")) ws.send("40");
          if (data.startsWith("40{")) ws.send(JSON.stringify(["subscribe", sessionID]).replace(/^/, "42"));
          if (data === "2") ws.send("3");
        };
        ws.onerror = () => log.push("error");
        ws.onclose = () => log.push("closed");
      },
      { url: `ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`, sessionID },
    );
    await page.waitForFunction(() => {
      const log = (window as unknown as { socketLog: string[] }).socketLog;
      return log.includes("closed") || log.some((m) => m.startsWith("40{") || m.startsWith("44{"));
    });
    await new Promise((r) => setTimeout(r, 100)); // the subscribe reaches the server
  }

  test("a page on another port of the same host cannot watch a session with the signed-in cookie", async () => {
    const context = await browser.newContext();
    const dashboard = await signIn(context, server.url, server.password);
    const sessionID = "ses_xsite";
    const secret = "private timeline text 7f3a";
    await postEvents(server, {
      events: [
        ev("session.created", { info: { id: sessionID, title: "x", directory: "/srv/sec", time: { created: 1 } } }),
      ],
    });

    // The control: the dashboard's own page, the same steps, the same cookie.
    await listenFrom(dashboard, sessionID);
    const elsewhere = await context.newPage();
    await elsewhere.goto(otherUrl);
    await listenFrom(elsewhere, sessionID);

    assert.equal((await postEvents(server, { events: [textPart(sessionID, 1, secret)] })).status, 202);
    await dashboard.waitForFunction(
      (secret) => (window as unknown as { socketLog: string[] }).socketLog.some((m) => m.includes(secret)),
      secret,
    );
    await new Promise((r) => setTimeout(r, 300));
    const log = await elsewhere.evaluate(() => (window as unknown as { socketLog: string[] }).socketLog);
    assert.ok(!log.some((m) => m.includes(secret)), `the other site read the timeline: ${log.join(" | ")}`);
    assert.ok(!log.some((m) => m.startsWith("40{")), `the other site was let in: ${log.join(" | ")}`);
    assert.ok(log.includes("closed"), `the handshake was refused: ${log.join(" | ")}`);
    await context.close();
  });
});

describe("handshake Origin", () => {
  test("a foreign or wrong-scheme Origin is refused even with the password; the own origin and none are let in", async () => {
    for (const origin of [
      "http://evil.example",
      `http://127.0.0.1:${server.port + 1}`,
      `https://127.0.0.1:${server.port}`,
      "null",
    ]) {
      const socket = socketWith({ origin });
      await assert.rejects(connected(socket), Error, origin);
      socket.close();
    }
    for (const origin of [server.url, `http://localhost:${server.port}`, undefined]) {
      const headers = origin?.includes("localhost") ? { host: `localhost:${server.port}` } : undefined;
      const socket = socketWith({ origin, headers });
      await connected(socket);
      socket.close();
    }
    // No Origin header (the plugin, scripts) is no shortcut: the password is still needed.
    const anonymous = socketWith({ auth: {} });
    await assert.rejects(connected(anonymous), /unauthorized/);
    anonymous.close();
  });

  test("behind a proxy: ALLOWED_ORIGINS and the trusted X-Forwarded-Proto name the public origin", async () => {
    const proxied = await startServer({
      env: { TRUST_PROXY: "true", ALLOWED_ORIGINS: "https://dash.example.com, https://alt.example.com:8443" },
    });
    try {
      const attempt = async (origin: string, headers: Record<string, string> = {}) => {
        const socket = socketWith({ origin, headers }, proxied);
        try {
          await connected(socket);
          return true;
        } catch {
          return false;
        } finally {
          socket.close();
        }
      };
      assert.equal(await attempt("https://dash.example.com"), true);
      assert.equal(await attempt("https://alt.example.com:8443"), true);
      assert.equal(await attempt("https://evil.example.com"), false);
      assert.equal(await attempt("http://dash.example.com"), false, "the scheme is part of the origin");
      assert.equal(await attempt(`https://127.0.0.1:${proxied.port}`, { "x-forwarded-proto": "https" }), true);
      assert.equal(await attempt(`https://127.0.0.1:${proxied.port}`), false);
    } finally {
      await proxied.dispose();
    }
  });
});

describe("slow consumers", () => {
  test("subscriptions are capped per client: the 51st is refused until one is left", async () => {
    const socket = socketWith({});
    await connected(socket);
    for (let i = 0; i < 50; i++) assert.deepEqual(await subscribe(socket, `ses_cap_${i}`), { ok: true });
    assert.deepEqual(await subscribe(socket, "ses_cap_0"), { ok: true }, "the same session again costs nothing");
    const refused = await subscribe(socket, "ses_cap_50");
    assert.ok("error" in refused);
    assert.equal(refused.error.code, "too_many_subscriptions");
    assert.match(refused.error.message, /50/);
    socket.emit("unsubscribe", "ses_cap_3");
    assert.deepEqual(await subscribe(socket, "ses_cap_50"), { ok: true });
    socket.close();
  });

  test("session ids are validated: malformed ones get an error naming sessionId; a 900 KB one drops the client", async () => {
    const socket = socketWith({});
    await connected(socket);
    for (const bad of ["", "../x", "ses a", "ses_é", "s".repeat(201), 42, { id: "ses_x" }, null]) {
      const answer = await subscribe(socket, bad);
      assert.ok("error" in answer, JSON.stringify(bad));
      assert.equal(answer.error.code, "invalid_parameter");
      assert.match(answer.error.message, /^sessionId: /);
    }
    assert.deepEqual(await subscribe(socket, "ses_" + "a".repeat(196)), { ok: true }, "200 characters is fine");

    const dropped = new Promise<string>((resolve) => socket.once("disconnect", (reason) => resolve(reason)));
    socket.emit("subscribe", "ses_" + "x".repeat(900 * 1024));
    const reason = await Promise.race([dropped, new Promise((r) => setTimeout(() => r("still connected"), 3000))]);
    assert.equal(reason, "transport close", "a message far over the client limit closes the connection");
    socket.close();

    // The server is fine, and so is everyone else.
    const next = socketWith({});
    await connected(next);
    assert.deepEqual(await subscribe(next, "ses_after"), { ok: true });
    next.close();
  });
});
