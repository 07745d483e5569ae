import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { io } from "socket.io-client";
import WebSocket from "ws";
import { launchBrowser, signIn } from "../support/browser";
import { eventId, postEvents, type WireEvent } from "../support/client";
import { startServer, type TestServer } from "../support/server";

/**
 * Side doors into the dashboard (issue 15, Security): the login limit under every route spelling
 * next-auth accepts, callbackUrl open redirects, security headers and the CSP, remote images in
 * Markdown, and formulas in the usage CSV.
 */

let server: TestServer;
/** TRUST_PROXY=true: each test picks its own client address (X-Forwarded-For) and can claim https. */
let proxied: TestServer;
let browser: Browser;
const METRICS_TOKEN = "metrics-token-0123456789abcdef";

before(async () => {
  [server, proxied] = await Promise.all([
    startServer(),
    startServer({ env: { TRUST_PROXY: "true", METRICS_TOKEN: METRICS_TOKEN } }),
  ]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await Promise.all([server?.dispose(), proxied?.dispose()]);
});

const ev = (type: string, properties: Record<string, unknown>): WireEvent => ({
  id: eventId(),
  type,
  hostname: "sec-host",
  directory: "/srv/sec",
  time: Date.now(),
  properties,
});

/** `name=value` pairs of a response's Set-Cookie headers, ready for a Cookie header. */
const cookiePairs = (res: Response) => res.headers.getSetCookie().map((c) => c.split(";")[0]);
const sessionCookieOf = (res: Response) => cookiePairs(res).find((c) => c.startsWith("next-auth.session-token="));

/** A password POST to a next-auth path, as the login form sends it (or as a plain form post when json is off). */
async function postPassword(
  base: TestServer,
  route: string,
  password: string,
  opts: { client?: string; callbackUrl?: string; json?: boolean; headers?: Record<string, string> } = {},
) {
  const forwarded: Record<string, string> = {
    ...(opts.client ? { "x-forwarded-for": opts.client } : {}),
    ...opts.headers,
  };
  const csrf = await fetch(`${base.url}/api/auth/csrf`, { headers: forwarded });
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const body = new URLSearchParams({ csrfToken, password, callbackUrl: opts.callbackUrl ?? "/" });
  if (opts.json !== false) body.set("json", "true");
  return fetch(`${base.url}${route}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      ...forwarded,
      "content-type": "application/x-www-form-urlencoded",
      cookie: cookiePairs(csrf).join("; "),
    },
    body,
  });
}

/** An HTTP listener standing in for another site; it records every request it gets. */
async function listener(): Promise<{ url: string; hits: string[]; server: Server }> {
  const hits: string[] = [];
  const other = createServer((req, res) => {
    hits.push(req.url ?? "");
    res.writeHead(200, { "content-type": "image/png" }).end();
  });
  await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(other.address() as AddressInfo).port}`, hits, server: other };
}

describe("the login limit", () => {
  const CREDENTIALS = "/api/auth/callback/credentials";
  // Each reaches next-auth's credentials callback: it routes by the decoded first two segments.
  const SPELLINGS = [
    CREDENTIALS,
    `${CREDENTIALS}/x`,
    "/api/auth/callback/credential%73",
    `${CREDENTIALS}/..%2Fcredentials`,
    "/api/auth/callback/%63redentials/extra/segments",
    `${CREDENTIALS}?x=1`,
  ];

  test("other methods on the credentials route are refused with 405 (GET was a 500)", async () => {
    for (const method of ["GET", "PUT", "PATCH", "DELETE"]) {
      const res = await fetch(`${proxied.url}${CREDENTIALS}?password=${proxied.password}`, {
        method,
        headers: { "x-forwarded-for": "198.51.100.200" },
      });
      assert.equal(res.status, 405, method);
      assert.equal(sessionCookieOf(res), undefined, method);
    }
  });

  test("every spelling of the credentials route signs in when the client is not limited", async () => {
    // Shows the spellings below are real doors, not 404s.
    for (const [i, route] of SPELLINGS.entries()) {
      const res = await postPassword(proxied, route, proxied.password, { client: `198.51.100.${i + 1}` });
      assert.equal(res.status, 200, route);
      assert.ok(sessionCookieOf(res), `${route} signs in`);
    }
  });

  test("after five failures no spelling signs in, even with the right password", async () => {
    const client = "203.0.113.50";
    for (let i = 0; i < 5; i++) {
      const res = await postPassword(proxied, CREDENTIALS, `wrong-${i}`, { client });
      assert.equal(res.status, 401);
    }
    for (const route of SPELLINGS) {
      const res = await postPassword(proxied, route, proxied.password, { client });
      assert.equal(res.status, 429, route);
      assert.equal(sessionCookieOf(res), undefined, `${route} must not sign in while limited`);
    }
    // Another client is unaffected.
    const other = await postPassword(proxied, CREDENTIALS, proxied.password, { client: "203.0.113.51" });
    assert.ok(sessionCookieOf(other));
  });

  test("one machine is one client: the addresses of an IPv6 /64, and an IPv4 address however written", async () => {
    // A host is given a whole /64 and can send from any address in it.
    for (let i = 1; i <= 5; i++) {
      const res = await postPassword(proxied, CREDENTIALS, `wrong-${i}`, { client: `2001:db8:15:1::${i}` });
      assert.equal(res.status, 401);
    }
    const sameNetwork = await postPassword(proxied, CREDENTIALS, proxied.password, { client: "2001:db8:15:1:ffff::9" });
    assert.equal(sameNetwork.status, 429);
    const otherNetwork = await postPassword(proxied, CREDENTIALS, proxied.password, { client: "2001:db8:15:2::1" });
    assert.ok(sessionCookieOf(otherNetwork), "the next /64 is another client");

    for (let i = 1; i <= 5; i++) {
      const client = i % 2 ? "::ffff:203.0.113.52" : "203.0.113.52";
      assert.equal((await postPassword(proxied, CREDENTIALS, `wrong-${i}`, { client })).status, 401);
    }
    assert.equal((await postPassword(proxied, CREDENTIALS, proxied.password, { client: "203.0.113.52" })).status, 429);
  });
});

/** A socket.io handshake with the password from `client`: "connected" or the refusal's message. */
function socketAttempt(password: string, client: string): Promise<string> {
  const socket = io(proxied.url, {
    path: "/socket.io",
    auth: { password },
    transports: ["websocket"],
    extraHeaders: { "x-forwarded-for": client },
    reconnection: false,
    forceNew: true,
  });
  return new Promise<string>((resolve) => {
    socket.once("connect", () => resolve("connected"));
    socket.once("connect_error", (error) => resolve(error.message));
  }).finally(() => socket.close());
}

describe("the password limit at its other doors", () => {
  const api = (client: string, key: string) =>
    fetch(`${proxied.url}/api/sessions`, { headers: { "x-forwarded-for": client, "x-api-key": key } });
  const metrics = (client: string, bearer: string) =>
    fetch(`${proxied.url}/metrics`, { headers: { "x-forwarded-for": client, authorization: `Bearer ${bearer}` } });

  test("X-API-Key on /api, /metrics and the socket.io handshake count failures and refuse a limited client", async () => {
    const client = "203.0.113.60";
    assert.equal((await api(client, proxied.password)).status, 200);
    assert.equal(await socketAttempt(proxied.password, client), "connected");
    // Failures at any door add up: 2 + 2 + 1.
    assert.equal((await api(client, "guess-1")).status, 401);
    assert.equal((await api(client, "guess-2")).status, 401);
    assert.equal((await metrics(client, "guess-3")).status, 401);
    assert.equal((await metrics(client, "guess-4")).status, 401);
    assert.equal(await socketAttempt("guess-5", client), "unauthorized");

    const limitedApi = await api(client, proxied.password);
    assert.equal(limitedApi.status, 429);
    assert.match(limitedApi.headers.get("retry-after") ?? "", /^\d+$/);
    assert.equal(((await limitedApi.json()) as { error: { code: string } }).error.code, "rate_limited");
    assert.equal((await metrics(client, proxied.password)).status, 429);
    assert.match(await socketAttempt(proxied.password, client), /Too many failed sign-ins/);
    const form = await postPassword(proxied, "/api/auth/callback/credentials", proxied.password, { client });
    assert.equal(form.status, 429);

    // The plugin key is a secret, not a guess: refused, but never counted.
    const fresh = "203.0.113.61";
    for (let i = 0; i < 6; i++) assert.equal((await api(fresh, proxied.apiKey)).status, 403);
    assert.equal((await api(fresh, proxied.password)).status, 200);
  });

  test("a limited client learns nothing: neither the plugin key nor METRICS_TOKEN is told apart from a guess", async () => {
    const client = "203.0.113.62";
    assert.equal((await metrics(client, METRICS_TOKEN)).status, 200);
    for (let i = 0; i < 5; i++) assert.equal((await api(client, `guess-${i}`)).status, 401);
    // Before the fix the plugin key answered 403 and the token 200 here, so either could be
    // guessed on without limit once the guesses themselves were refused with 429.
    assert.equal((await api(client, proxied.apiKey)).status, 429);
    assert.equal((await metrics(client, proxied.apiKey)).status, 429);
    assert.equal((await metrics(client, METRICS_TOKEN)).status, 429);
    assert.equal((await metrics("203.0.113.63", METRICS_TOKEN)).status, 200, "another client scrapes on");
  });
});

describe("the plugin key limit", () => {
  /** Its own server: the test limits 127.0.0.1 at the plugin's doors, which the others post through. */
  let own: TestServer;
  before(async () => {
    own = await startServer();
  });
  after(() => own?.dispose());

  const events = (base: TestServer, key: string, client?: string) =>
    fetch(`${base.url}/events`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-api-key": key,
        ...(client ? { "x-forwarded-for": client } : {}),
      },
      body: JSON.stringify({ events: [] }),
    });
  /** The /control upgrade: "open" or the HTTP status it was refused with. */
  const control = (base: TestServer, key: string, client?: string) =>
    new Promise<string>((resolve) => {
      const ws = new WebSocket(`${base.url.replace(/^http/, "ws")}/control`, {
        headers: { "x-api-key": key, ...(client ? { "x-forwarded-for": client } : {}) },
      });
      ws.once("open", () => {
        resolve("open");
        ws.close();
      });
      ws.once("unexpected-response", (_req, res) => {
        resolve(String(res.statusCode));
        res.resume();
      });
      ws.once("error", () => {});
    });

  test("wrong keys at POST /events and /control add up; then even the right key waits, at both doors", async () => {
    const client = "203.0.113.70";
    assert.equal((await events(proxied, proxied.apiKey, client)).status, 202);
    for (let i = 0; i < 20; i++) assert.equal((await events(proxied, `wrong-key-${i}`, client)).status, 401);
    for (let i = 0; i < 10; i++) assert.equal(await control(proxied, `wrong-key-${i}`, client), "401");

    const limited = await events(proxied, proxied.apiKey, client);
    assert.equal(limited.status, 429);
    assert.match(limited.headers.get("retry-after") ?? "", /^\d+$/);
    const { error } = (await limited.json()) as { error: { code: string; message: string } };
    assert.equal(error.code, "rate_limited");
    assert.match(error.message, /Try again in \d+ s/);
    assert.equal(await control(proxied, proxied.apiKey, client), "429");

    // Other machines post and connect on.
    assert.equal((await events(proxied, proxied.apiKey, "203.0.113.71")).status, 202);
    assert.equal(await control(proxied, proxied.apiKey, "203.0.113.71"), "open");
  });

  test("without TRUST_PROXY, X-Forwarded-For does not start a fresh count", async () => {
    for (let i = 0; i < 30; i++) {
      assert.equal((await events(own, `wrong-key-${i}`, `198.18.0.${i}`)).status, 401);
    }
    assert.equal((await events(own, own.apiKey, "198.18.1.1")).status, 429);
    assert.equal(await control(own, own.apiKey, "198.18.1.2"), "429");
  });
});

describe("signing out", () => {
  test("ends the login on the server: a copy of its cookie no longer opens pages, /api or the live socket, and its open socket closes", async () => {
    const client = "203.0.113.80";
    const signedIn = await postPassword(proxied, "/api/auth/callback/credentials", proxied.password, { client });
    const copy = sessionCookieOf(signedIn)!;
    const other = sessionCookieOf(
      await postPassword(proxied, "/api/auth/callback/credentials", proxied.password, { client }),
    )!;
    const headers = (cookie: string) => ({ cookie, "x-forwarded-for": client });
    assert.equal((await fetch(`${proxied.url}/api/sessions`, { headers: headers(copy) })).status, 200);
    const openSocket = () =>
      io(proxied.url, {
        path: "/socket.io",
        transports: ["websocket"],
        extraHeaders: headers(copy),
        reconnection: false,
        forceNew: true,
      });
    const live = openSocket();
    await new Promise<void>((resolve, reject) => {
      live.once("connect", resolve);
      live.once("connect_error", reject);
    });
    const liveClosed = new Promise<string>((resolve) => live.once("disconnect", resolve));

    const csrf = await fetch(`${proxied.url}/api/auth/csrf`, { headers: headers(copy) });
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const out = await fetch(`${proxied.url}/api/auth/signout`, {
      method: "POST",
      redirect: "manual",
      headers: {
        ...headers([copy, ...cookiePairs(csrf)].join("; ")),
        "content-type": "application/x-www-form-urlencoded",
      },
      // next-auth follows the callbackUrl after signing out too: it stays on the dashboard.
      body: new URLSearchParams({ csrfToken, callbackUrl: "/\\evil.example/", json: "true" }),
    });
    assert.equal(out.status, 200);
    assert.equal(((await out.json()) as { url: string }).url, `${proxied.url}/`);

    assert.equal((await fetch(`${proxied.url}/api/sessions`, { headers: headers(copy) })).status, 401);
    const page = await fetch(`${proxied.url}/analytics`, { redirect: "manual", headers: headers(copy) });
    assert.equal(page.status, 307);
    assert.match(page.headers.get("location") ?? "", /\/login/);
    // The socket it had open is closed by the server, and a new one is refused.
    assert.equal(await liveClosed, "io server disconnect");
    const socket = openSocket();
    const outcome = await new Promise<string>((resolve) => {
      socket.once("connect", () => resolve("connected"));
      socket.once("connect_error", (e) => resolve(e.message));
    }).finally(() => socket.close());
    assert.equal(outcome, "unauthorized");

    // Another browser's login is its own, and stays.
    assert.equal((await fetch(`${proxied.url}/api/sessions`, { headers: headers(other) })).status, 200);
  });
});

describe("the login cookie", () => {
  test("is Secure (and __Secure-) when a trusted proxy says https, HttpOnly and SameSite=Lax always", async () => {
    const https = { "x-forwarded-proto": "https" };
    const res = await postPassword(proxied, "/api/auth/callback/credentials", proxied.password, {
      client: "203.0.113.90",
      headers: https,
    });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("__Secure-next-auth.session-token="));
    assert.ok(cookie, res.headers.getSetCookie().join("\n"));
    assert.match(cookie, /; Secure/);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Lax/);
    const api = await fetch(`${proxied.url}/api/sessions`, {
      headers: { ...https, "x-forwarded-for": "203.0.113.90", cookie: cookie.split(";")[0] },
    });
    assert.equal(api.status, 200);

    // Not behind a trusted proxy, a client's claim of https does not make the cookie one a plain
    // http browser would drop.
    const plain = await postPassword(server, "/api/auth/callback/credentials", server.password, { headers: https });
    const plainCookie = plain.headers.getSetCookie().find((c) => c.startsWith("next-auth.session-token="));
    assert.ok(plainCookie);
    assert.doesNotMatch(plainCookie, /; Secure/);
    assert.match(plainCookie, /; HttpOnly/);
  });
});

describe("request bodies at next-auth's routes", () => {
  test("a body past the sign-in form's size is refused with 413 naming the limit, declared or streamed", async () => {
    const big = "password=" + "a".repeat(1024 * 1024);
    const declared = await fetch(`${server.url}/api/auth/callback/credentials`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: big,
    });
    assert.equal(declared.status, 413);
    const { error } = (await declared.json()) as { error: { code: string; message: string } };
    assert.equal(error.code, "payload_too_large");
    assert.match(error.message, /at most 16384 bytes/);

    const streamed = await fetch(`${server.url}/api/auth/signout`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new Blob([big]).stream(),
      duplex: "half",
    } as RequestInit);
    assert.equal(streamed.status, 413);

    // The form's own size still signs in.
    assert.ok(sessionCookieOf(await postPassword(server, "/api/auth/callback/credentials", server.password)));
  });
});

describe("callbackUrl", () => {
  const EVIL = "evil.example";
  // As they appear in the query string; each decodes to something a browser resolves off-site.
  const HOSTILE = [
    `%2F%5C${EVIL}`, // "/\evil.example"
    `/%5C${EVIL}`,
    `/\\${EVIL}`,
    `//${EVIL}`,
    `%2F%2F${EVIL}`,
    `/%09/${EVIL}`, // a tab, which URL parsers drop: "//evil.example"
    `%2F%5C%5C${EVIL}`,
    `http://${EVIL}/`,
    `https%3A%2F%2F${EVIL}%2F`,
    `http:%2F%2F${EVIL}`,
    `javascript:alert(1)`,
  ];

  let sessionCookie: string;
  before(async () => {
    const res = await postPassword(server, "/api/auth/callback/credentials", server.password);
    sessionCookie = sessionCookieOf(res)!;
    assert.ok(sessionCookie);
  });

  const sameOrigin = (location: string | null) => new URL(location ?? "", server.url).origin === server.url;

  test("signed in, /login sends every hostile target home", async () => {
    for (const raw of HOSTILE) {
      const res = await fetch(`${server.url}/login?callbackUrl=${raw}`, {
        redirect: "manual",
        headers: { cookie: sessionCookie },
      });
      assert.equal(res.status, 307, raw);
      const location = res.headers.get("location");
      assert.ok(sameOrigin(location), `${raw} -> ${location}`);
      assert.equal(new URL(location!, server.url).pathname, "/", `${raw} -> ${location}`);
    }
  });

  test("signed in, a path on the dashboard is kept as it was", async () => {
    const res = await fetch(`${server.url}/login?callbackUrl=${encodeURIComponent("/sessions/ses_1?tab=x#end")}`, {
      redirect: "manual",
      headers: { cookie: sessionCookie },
    });
    assert.equal(res.status, 307);
    assert.equal(new URL(res.headers.get("location")!, server.url).href, `${server.url}/sessions/ses_1?tab=x#end`);
  });

  test("the credentials POST redirects only to this dashboard", async () => {
    for (const raw of HOSTILE) {
      const callbackUrl = decodeURIComponent(raw);
      for (const json of [true, false]) {
        const res = await postPassword(server, "/api/auth/callback/credentials", server.password, {
          callbackUrl,
          json,
        });
        const target = json ? ((await res.json()) as { url: string }).url : res.headers.get("location");
        assert.ok(sameOrigin(target), `${callbackUrl} (json ${json}) -> ${target}`);
        assert.ok(!new URL(target!, server.url).pathname.startsWith("//"), `${callbackUrl} -> ${target}`);
      }
    }
  });

  test("signed out, the login form lands on this dashboard, not on the callbackUrl's host", async () => {
    const other = await listener();
    const host = new URL(other.url).host;
    const context = await browser.newContext();
    try {
      for (const raw of [`%2F%5C${host}%2F`, `//${host}/`, `%2F%2F${host}`, `${encodeURIComponent(other.url)}`]) {
        const page = await context.newPage();
        await page.goto(`${server.url}/login?callbackUrl=${raw}`);
        await page.getByLabel("Password").fill(server.password);
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.waitForURL((url) => !url.pathname.startsWith("/login"));
        await page.waitForLoadState("load");
        assert.equal(new URL(page.url()).origin, server.url, raw);
        assert.deepEqual(other.hits, [], `${raw} made the browser visit the other host`);
        await context.clearCookies();
        await page.close();
      }
    } finally {
      await context.close();
      other.server.close();
    }
  });
});

describe("security headers", () => {
  const expectHeaders = (res: Response, what: string) => {
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /(^|; )img-src 'self' data:(;|$)/, `${what}: ${csp}`);
    assert.match(csp, /(^|; )frame-ancestors 'none'(;|$)/, `${what}: ${csp}`);
    assert.match(csp, /(^|; )script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}'(;|$)/, `${what}: ${csp}`);
    assert.doesNotMatch(csp, /unsafe-eval|script-src[^;]*unsafe-inline/, `${what}: ${csp}`);
    assert.equal(res.headers.get("x-frame-options"), "DENY", what);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff", what);
    assert.equal(res.headers.get("referrer-policy"), "same-origin", what);
  };

  test("every kind of response carries them, without HSTS on plain http", async () => {
    const key = { "x-api-key": server.password };
    const responses: [string, Response][] = [
      ["login page", await fetch(`${server.url}/login`)],
      ["redirect to login", await fetch(`${server.url}/analytics`, { redirect: "manual" })],
      ["unknown page", await fetch(`${server.url}/no-such-page`)],
      ["static file", await fetch(`${server.url}/icon.svg`)],
      ["API", await fetch(`${server.url}/api/sessions`, { headers: key })],
      ["API error", await fetch(`${server.url}/api/sessions`)],
      ["CSV", await fetch(`${server.url}/api/export/usage.csv`, { headers: key })],
      ["health", await fetch(`${server.url}/health`)],
      [
        "POST /events",
        await fetch(`${server.url}/events`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": server.apiKey },
          body: JSON.stringify({ events: [] }),
        }),
      ],
      ["metrics", await fetch(`${server.url}/metrics`, { headers: key })],
      ["plugin file", await fetch(`${server.url}/plugin/opencode-dashboard.ts`)],
      // socket.io answers long-polling itself, before Next's handler.
      ["socket.io polling", await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`)],
      ["socket.io error", await fetch(`${server.url}/socket.io/?EIO=4&transport=nonsense`)],
      // Not behind a trusted proxy, a client's own claim of https is not believed.
      ["claimed https", await fetch(`${server.url}/login`, { headers: { "x-forwarded-proto": "https" } })],
    ];
    for (const [what, res] of responses) {
      expectHeaders(res, what);
      assert.equal(res.headers.get("strict-transport-security"), null, what);
    }
  });

  test("HSTS when a trusted proxy says the browser came over https", async () => {
    const res = await fetch(`${proxied.url}/login`, { headers: { "x-forwarded-proto": "https" } });
    expectHeaders(res, "https login page");
    assert.match(res.headers.get("strict-transport-security") ?? "", /^max-age=\d{7,}/);
    const plain = await fetch(`${proxied.url}/login`, { headers: { "x-forwarded-proto": "http" } });
    assert.equal(plain.headers.get("strict-transport-security"), null);
  });

  test("each page gets a fresh nonce, and every script in it carries that nonce", async () => {
    const nonces = [];
    for (let i = 0; i < 2; i++) {
      // A client-sent policy must not choose the nonce.
      const res = await fetch(`${server.url}/login`, {
        headers: { "content-security-policy": "script-src 'nonce-attacker'", "x-nonce": "attacker" },
      });
      const nonce = /'nonce-([^']+)'/.exec(res.headers.get("content-security-policy")!)![1];
      const html = await res.text();
      const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      assert.ok(scripts.length > 0);
      for (const tag of scripts) assert.ok(tag.includes(`nonce="${nonce}"`), tag);
      assert.ok(!html.includes("attacker"));
      nonces.push(nonce);
    }
    assert.notEqual(nonces[0], nonces[1]);
  });
});

describe("the CSP on every page", () => {
  test("no page breaks it: login, the empty board's setup, a session, analytics and hosts load without a violation", async () => {
    const sessionID = "ses_sec_pages";
    const context = await browser.newContext();
    const problems: string[] = [];
    const watch = (page: Page) => {
      page.on("console", (m) => m.type() === "error" && problems.push(`${page.url()}: ${m.text()}`));
      page.on("pageerror", (e) => problems.push(`${page.url()}: ${e.message}`));
    };
    try {
      const login = await context.newPage();
      watch(login);
      await login.goto(`${server.url}/login`);
      await login.waitForLoadState("networkidle");
      await login.close();

      const page = await signIn(context, server.url, server.password);
      watch(page);
      // No events have reached this server yet: the board shows its setup steps.
      await page.goto(`${server.url}/`);
      await page.waitForLoadState("networkidle");
      await postEvents(server, {
        events: [
          ev("session.created", {
            info: { id: sessionID, title: "Pages", directory: "/srv/sec", time: { created: Date.now() } },
          }),
        ],
      });
      for (const path of ["/", `/sessions/${sessionID}`, "/analytics", "/instances"]) {
        await page.goto(`${server.url}${path}`);
        await page.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
        await page.waitForLoadState("networkidle");
      }
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

describe("remote images in Markdown", () => {
  test("are shown as links, never fetched, and the CSP breaks nothing on the page", async () => {
    const other = await listener();
    const sessionID = "ses_sec_images";
    const remote = `${other.url}/p.png?leak=secret-token`;
    await postEvents(server, {
      events: [
        ev("session.created", {
          info: { id: sessionID, title: "Images", directory: "/srv/sec", time: { created: Date.now() } },
        }),
        ev("message.part.updated", {
          part: {
            id: "prt_sec_img",
            sessionID,
            messageID: "msg_sec_a1",
            type: "text",
            text: `Here: ![a chart](${remote}) and ![](${other.url}/bare.png)`,
            time: { start: Date.now(), end: Date.now() },
          },
        }),
      ],
    });

    const context = await browser.newContext();
    const page = await signIn(context, server.url, server.password);
    const problems: string[] = [];
    page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    try {
      const res = await page.goto(`${server.url}/sessions/${sessionID}`);
      assert.match(res!.headers()["content-security-policy"] ?? "", /img-src 'self' data:/);
      await page.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
      const entry = page.locator('[data-key="prt_sec_img"]');
      await entry.waitFor();
      assert.equal(await entry.locator("img").count(), 0, "no <img> for a remote image");
      const link = entry.locator(`a[href="${remote}"]`);
      assert.equal(await link.textContent(), "Image: a chart");
      assert.equal(await entry.locator(`a[href="${other.url}/bare.png"]`).textContent(), "Image");

      // The page hydrated under the CSP: a live update still arrives.
      await postEvents(server, {
        events: [
          ev("message.part.updated", {
            part: {
              id: "prt_sec_live",
              sessionID,
              messageID: "msg_sec_a1",
              type: "text",
              text: "A **live** line",
              time: { start: Date.now(), end: Date.now() },
            },
          }),
        ],
      });
      await page.locator('[data-key="prt_sec_live"] strong').waitFor();

      // And the CSP itself refuses another host's image, whatever puts it on the page.
      const violation = await page.evaluate(
        (src) =>
          new Promise<string>((resolve) => {
            document.addEventListener("securitypolicyviolation", (e) => resolve(e.violatedDirective), { once: true });
            const img = document.createElement("img");
            img.src = src;
            document.body.append(img);
          }),
        `${other.url}/injected.png`,
      );
      assert.equal(violation, "img-src");
      await page.waitForLoadState("networkidle");
      assert.deepEqual(other.hits, [], "the other host was never asked");
      const unexpected = problems.filter((p) => !p.includes("injected.png"));
      assert.deepEqual(unexpected, [], "no errors on the page");
    } finally {
      await context.close();
      other.server.close();
    }
  });
});

/** RFC 4180 records: quoted fields may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ",") {
      record.push(field);
      field = "";
    } else if (!quoted && c === "\r" && text[i + 1] === "\n") {
      records.push([...record, field]);
      record = [];
      field = "";
      i++;
    } else {
      field += c;
    }
  }
  return records;
}

describe("usage CSV", () => {
  test("cells a spreadsheet would run as formulas are escaped; numbers are not", async () => {
    const sessionID = "ses_sec_csv";
    const models = ['=HYPERLINK("http://x.example","click")', "@SUM(1+1)", "+1+1", "-1+1", "\t=1", "\r=1", "plain"];
    await postEvents(server, {
      events: [
        ev("session.created", {
          info: { id: sessionID, title: "CSV", directory: "/srv/sec", time: { created: Date.now() } },
        }),
        ...models.map((modelID, i) =>
          ev("message.updated", {
            info: {
              id: `msg_sec_csv_${i}`,
              sessionID,
              role: "assistant",
              providerID: "=cmd|' /C calc'!A0",
              modelID,
              cost: 0.5,
              tokens: { input: 10, output: 1, reasoning: 0, cache: { read: 0, write: 0 } },
              time: { created: Date.now() - 1000, completed: Date.now() },
            },
          }),
        ),
      ],
    });
    const res = await fetch(`${server.url}/api/export/usage.csv`, { headers: { "x-api-key": server.password } });
    assert.equal(res.status, 200);
    const text = await res.text();
    const rows = parseCsv(text).filter((row) => row[1]?.includes("cmd|"));
    assert.equal(rows.length, models.length);
    for (const row of rows) {
      assert.equal(row[1], "'=cmd|' /C calc'!A0", "the provider is escaped");
      assert.deepEqual(row.slice(3), ["1", "10", "1", "0", "0", "0", "11", "0.5"], "counts and cost stay numbers");
    }
    const shown = new Set(rows.map((row) => row[2]));
    for (const model of models) {
      const expected = model === "plain" ? model : `'${model}`;
      assert.ok(shown.has(expected), `${JSON.stringify(expected)} in ${JSON.stringify([...shown])}`);
    }
  });
});
