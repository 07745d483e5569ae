import { startServer } from "../tests/support/server";
import { benchIngest } from "./ingest";

/**
 * `npm run bench`: starts the production server on a temp database and prints figures.
 * Targets (2 cores): ≥ 35,000 events/s batched, ≥ 1,500 single-event requests/s,
 * broadcast p99 ≤ 50 ms at 1,000 events/s, server RSS ≤ 400 MB.
 */
function print(title: string, figures: Record<string, number | string>) {
  console.log(`\n${title}`);
  for (const [name, value] of Object.entries(figures)) console.log(`  ${name.padEnd(62)} ${value}`);
}

const server = await startServer();
try {
  const pid = server.pid;
  print("Ingest (POST /events)", await benchIngest(server, pid));
} finally {
  await server.dispose();
}
