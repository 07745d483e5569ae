import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * Copies the WAL back into the database file from a worker thread with its own connection.
 * Left to SQLite, that copy runs inside whichever commit crosses the threshold, on the event
 * loop: about a quarter of the ingest path's time under load. The main connection keeps a high
 * automatic threshold as a safety net should this worker ever stop.
 */
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma("busy_timeout = 5000");
let failures = 0;
const timer = setInterval(() => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
    failures = 0;
  } catch (error) {
    if (++failures === 1) parentPort.postMessage({ error: String(error && error.message || error) });
  }
}, workerData.intervalMs);
parentPort.on("message", (message) => {
  if (message !== "stop") return;
  clearInterval(timer);
  db.close();
  parentPort.postMessage({ stopped: true });
});
`;

export type Checkpointer = { stop(): Promise<void> };

export function startCheckpointer(file: string, onError: (message: string) => void, intervalMs = 500): Checkpointer {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(workerSource, { eval: true, workerData: { file, driver, intervalMs } });
  worker.on("message", (message: { error?: string }) => message.error && onError(message.error));
  worker.on("error", (error) => onError(error.message));
  worker.unref();
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => resolve();
        worker.once("message", done);
        worker.once("exit", done);
        // Unreferenced, the worker would let the process exit before it has closed its connection.
        worker.ref();
        worker.postMessage("stop");
        setTimeout(() => void worker.terminate().then(done), 2000).unref();
      }),
  };
}
