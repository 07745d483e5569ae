import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { eventId, postEvents, type WireEvent } from "../support/client";
import { startServer } from "../support/server";

const root = path.resolve(import.meta.dirname, "../..");

function runBackup(databasePath: string, file: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "--silent", "backup", "--", file], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: databasePath, NODE_OPTIONS: "" } as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c));
    child.stderr.on("data", (c: Buffer) => (output += c));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

const batchOf = (n: number, session: string): WireEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    id: eventId(),
    type: "session.status",
    hostname: "backup-host",
    directory: "/srv/app",
    time: Date.now() + i,
    properties: { sessionID: `${session}_${i % 10}`, status: { type: i % 2 ? "busy" : "idle" } },
  }));

test("npm run backup copies the live database while events keep arriving; the copy holds every event acknowledged before it began, and restores", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ocd-backup-"));
  const server = await startServer({ dataDir: dir });
  const backupFile = path.join(dir, "backup.db");
  try {
    // Some history first, so the copy has pages to move while the server writes.
    for (let i = 0; i < 40; i++)
      assert.equal((await postEvents(server, { events: batchOf(250, `ses_history${i}`) })).status, 202);

    const acked: string[] = [];
    let running = true;
    const writer = (async () => {
      for (let round = 0; running; round++) {
        const events = batchOf(50, `ses_live${round % 50}`);
        const res = await postEvents(server, { events });
        assert.equal(res.status, 202, res.text);
        acked.push(...events.map((e) => e.id));
      }
    })();
    while (acked.length < 1000) await new Promise((r) => setTimeout(r, 10));

    const ackedBefore = [...acked];
    const backup = await runBackup(server.databasePath, backupFile);
    const ackedDuring = acked.length - ackedBefore.length;
    running = false;
    await writer;
    assert.equal(backup.code, 0, backup.output);
    assert.match(backup.output, /^backup: .* → .*backup\.db \([\d.]+ MB, \d+ sessions\) in \d+ ms$/m);
    assert.ok(ackedDuring > 0, "the server kept acknowledging events while the backup ran");

    const copy = new Database(backupFile, { readonly: true, fileMustExist: true });
    assert.equal(copy.pragma("quick_check", { simple: true }), "ok");
    assert.equal(copy.pragma("journal_mode", { simple: true }), "delete", "a single self-contained file");
    const has = copy.prepare("SELECT 1 FROM events_seen WHERE id = ?").pluck();
    const missing = ackedBefore.filter((id) => !has.get(id));
    assert.deepEqual(missing, [], "every event acknowledged before the backup began is in it");
    const sessionsInCopy = copy.prepare("SELECT count(*) FROM sessions").pluck().get() as number;
    copy.close();

    // A second backup never overwrites a file.
    const again = await runBackup(server.databasePath, backupFile);
    assert.equal(again.code, 1);
    assert.match(again.output, /exists; choose a new file name/);

    // Restore as the README says: stop, copy the backup over the database (dropping the old WAL), start.
    await server.stop();
    for (const suffix of ["-wal", "-shm"]) rmSync(server.databasePath + suffix, { force: true });
    copyFileSync(backupFile, server.databasePath);
    await server.restart();
    const health = await fetch(`${server.url}/health`).then((r) => r.json());
    assert.equal(health.status, "ok");
    const storage = await fetch(`${server.url}/api/admin/storage`, { headers: { "x-api-key": server.password } }).then(
      (r) => r.json(),
    );
    assert.equal(storage.tables.sessions, sessionsInCopy);
    assert.ok(storage.tables.events_seen >= ackedBefore.length + 40 * 250);
  } finally {
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("npm run backup without a file name, or without a database, says what to do", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ocd-backup-"));
  const usage = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, ["scripts/backup.mjs"], {
      cwd: root,
      env: { PATH: process.env.PATH, NODE_ENV: "production" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stderr.on("data", (c: Buffer) => (output += c));
    child.on("exit", (code) => resolve({ code, output }));
  });
  assert.equal(usage.code, 1);
  assert.match(usage.output, /usage: npm run backup -- <backup-file>/);
  const none = await runBackup(path.join(dir, "nothing.db"), path.join(dir, "copy.db"));
  assert.equal(none.code, 1);
  assert.match(none.output, /no database at .*nothing\.db/);
  rmSync(dir, { recursive: true, force: true });
});
