/**
 * A stand-in dashboard: records every POSTed batch and answers whatever the test decides, so the
 * retry, spool and restart behaviour of the plugin can be driven deterministically.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export type WireEvent = {
  id: string;
  type: string;
  hostname: string;
  directory: string;
  time: number;
  properties: Record<string, unknown>;
};
type Recorded = {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  status: number;
  events: WireEvent[];
};
/** delayMs: answer late (a slow dashboard); hang: never answer (a dead one that keeps the socket open). */
type Reply = {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  hang?: boolean;
};
export type Responder = (req: {
  path: string;
  events: WireEvent[];
  apiKey: string | undefined;
  index: number;
}) => Reply;

export type CaptureServer = {
  url: string;
  port: number;
  requests: Recorded[];
  /** Events of the requests answered 2xx, in arrival order (what a real server would have stored). */
  accepted(): WireEvent[];
  respond: Responder;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
};

export const accept202: Responder = ({ events }) => ({
  status: 202,
  body: { accepted: events.length, duplicates: 0, ignored: 0 },
});

export async function startCaptureServer(
  opts: { prefix?: string; respond?: Responder; port?: number } = {},
): Promise<CaptureServer> {
  const prefix = opts.prefix ?? "";
  const sockets = new Set<import("node:net").Socket>();
  let server: http.Server | null = null;
  const cs: CaptureServer = {
    url: "",
    port: opts.port ?? 0,
    requests: [],
    respond: opts.respond ?? accept202,
    accepted: () => cs.requests.filter((r) => r.status >= 200 && r.status < 300).flatMap((r) => r.events),
    async start() {
      server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          const path = (req.url ?? "").slice(prefix.length);
          if (req.method === "GET" && path === "/health") {
            res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
            return;
          }
          let events: WireEvent[] = [];
          try {
            const parsed = JSON.parse(body);
            events = Array.isArray(parsed.events) ? parsed.events : [parsed];
          } catch {
            // recorded with no events; the test sees the raw body
          }
          const reply = cs.respond({
            path,
            events,
            apiKey: req.headers["x-api-key"] as string | undefined,
            index: cs.requests.length,
          });
          if (reply.hang) {
            cs.requests.push({ path, headers: req.headers, body, status: 0, events });
            return;
          }
          const answer = () => {
            cs.requests.push({ path, headers: req.headers, body, status: reply.status, events });
            res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
            res.end(JSON.stringify(reply.body ?? {}));
          };
          if (reply.delayMs) setTimeout(answer, reply.delayMs);
          else answer();
        });
      });
      server.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
      });
      await new Promise<void>((resolve) => server!.listen(cs.port, "127.0.0.1", resolve));
      cs.port = (server.address() as AddressInfo).port;
      cs.url = `http://127.0.0.1:${cs.port}${prefix}`;
    },
    async stop() {
      if (!server) return;
      const s = server;
      server = null;
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async close() {
      await cs.stop();
    },
  };
  await cs.start();
  return cs;
}
