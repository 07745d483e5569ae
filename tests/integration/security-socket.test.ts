import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { after, before, describe, test } from "node:test";
import { io, type Socket } from "socket.io-client";
import type { Browser } from "playwright-core";
import type { SubscriptionAnswer } from "../../lib/realtime/messages";
import { launchBrowser, signIn } from "../support/browser";
import { connected, eventId, postEvents, type WireEvent } from "../support/client";
import { openRawSocket } from "../support/raw-socket";
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

async function socketClients(target: TestServer): Promise<number> {
  const res = await fetch(`${target.url}/metrics`, { headers: { authorization: `Bearer ${target.password}` } });
  const match = /^opencode_dashboard_socket_clients (\d+)/m.exec(await res.text());
  assert.ok(match, "the socket clients gauge is exported");
  return Number(match[1]);
}

/** About 800 KB of timeline for one session: 50 text parts of 16,000 characters. */
const PARTS_PER_BATCH = 50;
const FILLER = "0123456789abcdef".repeat(1000);
async function postTimelineBatch(target: TestServer, sessionID: string, batch: number) {
  const events = Array.from({ length: PARTS_PER_BATCH }, (_, i) =>
    textPart(sessionID, batch * PARTS_PER_BATCH + i, `${batch}:${i}:${FILLER}`),
  );
  assert.equal((await postEvents(target, { events })).status, 202);
}

const rssBytes = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;

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

  test("a client that answers pings but stops reading is dropped, and server memory stays bounded", async (t) => {
    // Its own server: the client count and the memory readings must be this test's alone.
    const flooded = await startServer();
    t.after(() => flooded.dispose());
    const sessionID = "ses_flood";
    const healthy = socketWith({}, flooded);
    await connected(healthy);
    assert.deepEqual(await subscribe(healthy, sessionID), { ok: true });
    let healthyGot = 0;
    healthy.on("timeline:append", (t: { sessionId: string }) => t.sessionId === sessionID && healthyGot++);

    const stalled = await openRawSocket(flooded, { password: flooded.password });
    stalled.send(`42${JSON.stringify(["subscribe", sessionID])}`);
    await new Promise((r) => setTimeout(r, 200));
    stalled.stopReading();
    stalled.pongEvery(1000);
    assert.equal(await socketClients(flooded), 2);

    // Every batch is pushed to both subscribers.
    const BATCHES = 100;
    const rss: number[] = [];
    let droppedAfter: number | null = null;
    for (let b = 0; b < BATCHES; b++) {
      await postTimelineBatch(flooded, sessionID, b);
      rss.push(rssBytes(flooded.pid));
      if (droppedAfter === null && b % 5 === 4 && (await socketClients(flooded)) === 1) droppedAfter = b + 1;
    }
    assert.ok(droppedAfter !== null, "the stalled client was never dropped");
    assert.ok(droppedAfter <= 30, `dropped only after ${droppedAfter} batches`);
    // Kept for the stalled client, the flood grows the server by about 2 MB a batch to the end;
    // dropped, the server levels off once warm. The second half alone pushes 38 MB.
    const MB = 1024 * 1024;
    const firstHalfPeak = Math.max(...rss.slice(0, BATCHES / 2));
    const secondHalfPeak = Math.max(...rss.slice(BATCHES / 2));
    const MAX_LATE_GROWTH = 20 * MB;
    assert.ok(
      secondHalfPeak - firstHalfPeak < MAX_LATE_GROWTH,
      `server memory kept growing: ${rss.map((r) => Math.round(r / MB)).join(" ")} MB`,
    );
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(healthy.connected, "a client that reads is not dropped");
    assert.equal(healthyGot, BATCHES, "the reading client got every batch");
    stalled.destroy();
    healthy.close();
  });

  test("a polling client that stops polling is dropped the same way", async (t) => {
    const flooded = await startServer();
    t.after(() => flooded.dispose());
    const sessionID = "ses_flood_poll";
    // engine.io's polling transport by hand: what the server sends waits until the next GET.
    const base = `${flooded.url}/socket.io/?EIO=4&transport=polling`;
    const open = await (await fetch(base)).text();
    const url = `${base}&sid=${(JSON.parse(open.slice(1)) as { sid: string }).sid}`;
    const post = (body: string) => fetch(url, { method: "POST", body }).then((r) => r.text());
    assert.equal(await post(`40${JSON.stringify({ password: flooded.password })}`), "ok");
    assert.match(await (await fetch(url)).text(), /^40\{"sid"/);
    assert.equal(await post(`42${JSON.stringify(["subscribe", sessionID])}`), "ok");
    // It never polls again, but answers the pings it never reads.
    const pongs = setInterval(() => void post("3").catch(() => {}), 1000);
    t.after(() => clearInterval(pongs));
    assert.equal(await socketClients(flooded), 1);

    let droppedAfter: number | null = null;
    for (let b = 0; b < 40 && droppedAfter === null; b++) {
      await postTimelineBatch(flooded, sessionID, b);
      if ((await socketClients(flooded)) === 0) droppedAfter = b + 1;
    }
    assert.ok(droppedAfter !== null, "the polling client was never dropped");
    assert.ok(droppedAfter <= 15, `dropped only after ${droppedAfter} batches`);
  });
});

describe("connections per address", () => {
  test("one address holds at most 100 live connections, signed in or not; a closed one frees its place", async (t) => {
    const own = await startServer();
    t.after(() => own.dispose());
    const base = `${own.url}/socket.io/?EIO=4&transport=polling`;
    // engine.io's polling handshake by hand: each opens a connection before any authentication.
    const handshake = async () => {
      const res = await fetch(base);
      const text = await res.text();
      return res.status === 200 ? (JSON.parse(text.slice(1)) as { sid: string }).sid : res.status;
    };
    const sids: string[] = [];
    for (let i = 0; i < 100; i++) {
      const sid = await handshake();
      assert.equal(typeof sid, "string", `handshake ${i + 1}: ${sid}`);
      sids.push(sid as string);
    }
    // Before the cap, 20,000 of these from one address held ~140 MB until they timed out.
    assert.equal(await handshake(), 403);
    // A close packet ends one; its place is free again.
    const closed = await fetch(`${base}&sid=${sids.pop()}`, { method: "POST", body: "1" });
    assert.equal(await closed.text(), "ok");
    assert.equal(typeof (await handshake()), "string");
  });
});
