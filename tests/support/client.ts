import { readFileSync } from "node:fs";
import path from "node:path";
import { io, type Socket } from "socket.io-client";
import type { ReceiveResult } from "../../lib/ingest/receive";
import type { ClientToServerEvents, ServerToClientEvents } from "../../lib/realtime/messages";
import type { TestServer } from "./server";
import type { z } from "zod";
import type { envelopeSchema } from "../../lib/ingest/protocol";

/** A small typed client for the server's HTTP and socket.io surfaces, as the plugin and UI use them. */

/** One event as the plugin sends it: the ingest protocol's envelope, as its schema accepts it. */
export type WireEvent = z.input<typeof envelopeSchema> & { properties: Record<string, unknown> };

/** The error every route answers with (lib/http/errors.ts). */
export type ApiError = { error: { code: string; message: string } };

type Done = Extract<ReceiveResult, { status: "done" }>;
/**
 * What POST /events answers: the counts once stored (`rejected` too when some events were bad), or
 * `error`. Typed as if every field were there: a test asserts the one it expects.
 */
type EventsAnswer = Omit<Done, "status"> & ApiError;

export type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type Payload<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];

export async function postEvents(
  server: Pick<TestServer, "url" | "apiKey">,
  body: unknown,
  opts: { key?: string | null; contentType?: string; raw?: BodyInit; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { "content-type": opts.contentType ?? "application/json", ...opts.headers };
  const key = opts.key === undefined ? server.apiKey : opts.key;
  if (key !== null) headers["x-api-key"] = key;
  const response = await fetch(`${server.url}/events`, {
    method: "POST",
    headers,
    body: opts.raw ?? JSON.stringify(body),
  });
  const text = await response.text();
  let json: EventsAnswer;
  try {
    json = JSON.parse(text) as EventsAnswer;
  } catch {
    json = undefined as unknown as EventsAnswer;
  }
  return { status: response.status, json, text };
}

/** GET a JSON route as the signed-in dashboard; `T` is the shape the route's subject returns. */
export async function getJson<T>(
  server: Pick<TestServer, "url" | "password">,
  route: string,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${server.url}${route}`, { headers: { "x-api-key": server.password, ...headers } });
  return { status: response.status, json: (await response.json()) as T };
}

/** Reads a captured OpenCode stream and wraps each event as the plugin would send it. */
export function loadStream(
  name: string,
  opts: { hostname?: string; directory?: string; startTime?: number } = {},
): WireEvent[] {
  const file = path.resolve(import.meta.dirname, "../fixtures/opencode", name);
  const lines = readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  const start = opts.startTime ?? 1_795_475_585_000;
  return lines
    .filter((l) => l.id && l.type)
    .map((l, i) => ({
      id: l.id,
      type: l.type,
      hostname: opts.hostname ?? "vps-1",
      directory: opts.directory ?? "/home/dev/webapp",
      time: start + i * 10,
      properties: l.properties,
    }));
}

export function connectSocket(server: Pick<TestServer, "url">, auth: Record<string, unknown>): LiveSocket {
  return io(server.url, { path: "/socket.io", auth, transports: ["websocket"], reconnection: false, forceNew: true });
}

export function once<E extends keyof ServerToClientEvents>(
  socket: LiveSocket,
  event: E,
  predicate: (payload: Payload<E>) => boolean = () => true,
  timeoutMs = 5000,
): Promise<Payload<E>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      untyped.off(name, handler);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    // socket.io's typed `on`/`off` cannot tie a generic event name to its listener: listen untyped.
    const untyped = socket as unknown as Socket;
    const name: string = event;
    function handler(payload: Payload<E>) {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      untyped.off(name, handler);
      resolve(payload);
    }
    untyped.on(name, handler);
  });
}

export function connected(socket: LiveSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", (error) => reject(error));
  });
}

let counter = 0;
/** A fresh event id in OpenCode's style, unique within the test run. */
export function eventId() {
  counter++;
  return `evt_test${Date.now().toString(36)}${counter.toString(36).padStart(6, "0")}`;
}

/**
 * A JSON route called as the signed-in dashboard (the password as the key), with a JSON body when
 * one is given; `T` is the answer's shape. Bounded, so a hung server fails the test, not the run.
 */
export async function callApi<T>(
  server: Pick<TestServer, "url" | "password">,
  method: string,
  route: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: T }> {
  const res = await fetch(`${server.url}${route}`, {
    method,
    headers: {
      "x-api-key": server.password,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, json: (await res.json()) as T };
}
