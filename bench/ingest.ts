import { readFileSync } from "node:fs";
import { connected, connectSocket } from "../tests/support/client";
import type { TestServer } from "../tests/support/server";
import { createClient } from "./http-client";
import { take, workload } from "./workload";

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

let client: ReturnType<typeof createClient>;

async function post(server: TestServer, body: unknown) {
  const payload = typeof body === "string" ? body : JSON.stringify(body);
  const started = performance.now();
  const res = await client.request(
    "POST",
    "/events",
    { "content-type": "application/json", "x-api-key": server.apiKey },
    payload,
  );
  if (res.status !== 202) throw new Error(`POST /events answered ${res.status}: ${res.body}`);
  return performance.now() - started;
}

/** Sends `requests` bodies with `concurrency` in flight; returns per-request latencies and wall time. */
async function drive(server: TestServer, bodies: unknown[], concurrency: number) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) latencies.push(await post(server, bodies[next++]));
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

function peakRss(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 1024);
}

/** Sessions each benchmark connection watches: the server's cap per connection. */
const WATCHED_PER_SOCKET = 50;

export async function benchIngest(server: TestServer, pid: number) {
  const results: Record<string, number | string> = {};
  client = createClient(server.url, 16);

  // Warm up the route and SQLite's cache.
  const warm = take(workload(), 2000);
  for (let i = 0; i < warm.length; i += 50) await post(server, { events: warm.slice(i, i + 50) });

  // Three rounds of 100,000 new events each (the database grows by as much each time): a single
  // round on this kind of shared 2-core VM can be 20% off the next.
  const rates: number[] = [];
  const latencies: number[] = [];
  const events = workload();
  for (let round = 0; round < 3; round++) {
    const batched = take(events, 100_000);
    const batches = [];
    for (let i = 0; i < batched.length; i += 50) batches.push(JSON.stringify({ events: batched.slice(i, i + 50) }));
    const b = await drive(server, batches, 4);
    rates.push(Math.round(batched.length / b.seconds));
    latencies.push(...b.latencies);
  }
  results["batched events/s (50 per request, 4 in flight), median of 3 rounds"] = percentile(rates, 50);
  results["batched events/s, each round"] = rates.join(" / ");
  results["batched request p50 ms"] = +percentile(latencies, 50).toFixed(2);
  results["batched request p99 ms"] = +percentile(latencies, 99).toFixed(2);

  const singles = take(workload(), 30_000).map((e) => JSON.stringify(e));
  const s = await drive(server, singles, 8);
  results["single-event requests/s (8 in flight)"] = Math.round(singles.length / s.seconds);
  results["single request p50 ms"] = +percentile(s.latencies, 50).toFixed(2);
  results["single request p99 ms"] = +percentile(s.latencies, 99).toFixed(2);

  // Broadcast latency at a steady 1,000 events/s: 10 events every 10 ms, from 250 sessions,
  // timed from the POST to the timeline entry arriving at a client subscribed to that session.
  // A connection may watch at most 50 sessions (lib/realtime/subscriptions.ts): one per 50.
  const paced = take(workload(250), 5000);
  const ids = [...new Set(paced.map((e) => e.properties.sessionID as string).filter(Boolean))];
  const sockets = [];
  for (let i = 0; i < ids.length; i += WATCHED_PER_SOCKET) {
    const socket = connectSocket(server, { password: server.password });
    await connected(socket);
    for (const id of ids.slice(i, i + WATCHED_PER_SOCKET)) socket.emit("subscribe", id);
    sockets.push(socket);
  }
  await new Promise((r) => setTimeout(r, 200));
  const sent = new Map<string, number>();
  const delays: number[] = [];
  for (const socket of sockets)
    socket.on("timeline:append", ({ entries }: { entries: { key: string; status: string | null }[] }) => {
      const now = performance.now();
      for (const entry of entries) {
        const at = sent.get(`${entry.key}:${entry.status}`);
        if (at !== undefined) delays.push(now - at);
      }
    });
  const started = performance.now();
  for (let i = 0; i < paced.length; i += 10) {
    const chunk = paced.slice(i, i + 10);
    const wait = started + i - performance.now(); // i events at 1 per ms
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const now = performance.now();
    for (const e of chunk) {
      const part = (e.properties as { part?: { id: string; state?: { status: string } } }).part;
      if (part) sent.set(`${part.id}:${part.state?.status ?? null}`, now);
    }
    void post(server, { events: chunk });
  }
  await new Promise((r) => setTimeout(r, 500));
  for (const socket of sockets) socket.close();
  results["broadcast p50 ms (POST → subscribed client, 1,000 events/s)"] = +percentile(delays, 50).toFixed(2);
  results["broadcast p99 ms (POST → subscribed client, 1,000 events/s)"] = +percentile(delays, 99).toFixed(2);
  results["broadcast samples"] = delays.length;
  results["server peak RSS MB"] = peakRss(pid);
  client.close();
  return results;
}
