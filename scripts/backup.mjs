// npm run backup -- <file>: a consistent copy of the live database, taken while the server runs.
// Plain JavaScript on purpose: it runs in the production image, where tsx is not installed.
import Database from "better-sqlite3";
import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The app's folder: a relative DATABASE_URL is taken from there, as the server does (lib/app-dir.ts). */
const appDir = fileURLToPath(new URL("..", import.meta.url));
/** Where the user typed the command: `npm run` starts scripts in the app's folder, and says so in INIT_CWD. */
const userDir = process.env.INIT_CWD || process.cwd();

/** The same DATABASE_URL forms as lib/config.ts's resolveDatabasePath (a path or a file: URL). */
function databasePath(url = process.env.DATABASE_URL || "./data/database.db") {
  let file = url;
  if (url.startsWith("file://")) file = fileURLToPath(url.split("?")[0]);
  else if (url.startsWith("file:")) file = url.slice("file:".length).split("?")[0];
  return path.resolve(appDir, file);
}

function fail(message) {
  process.stderr.write(`backup: ${message}\n`);
  process.exit(1);
}

const target = process.argv[2];
if (!target || target.startsWith("-"))
  fail("usage: npm run backup -- <backup-file>   (DATABASE_URL names the database, as for the server)");
const source = databasePath();
const destination = path.resolve(userDir, target);
if (!existsSync(source)) fail(`no database at ${source} (set DATABASE_URL as the server has it)`);
if (existsSync(destination)) fail(`${destination} exists; choose a new file name`);
if (destination === source) fail("the backup file cannot be the database itself");

const started = Date.now();
const partial = `${destination}.partial`;
rmSync(partial, { force: true });
const db = new Database(source, { readonly: true, fileMustExist: true });
db.pragma("busy_timeout = 5000");
try {
  // All pages in one step: the copy then runs inside one read transaction, so it is the database
  // as of that moment (every commit before it, none after), and in WAL mode the server keeps
  // writing meanwhile. Copied in small steps, each write by the server would restart the copy.
  await db.backup(partial, { progress: () => 0x7fffffff });
} finally {
  db.close();
}

// A self-contained single file (no -wal beside it), checked before it takes its final name.
const copy = new Database(partial);
const check = copy.pragma("quick_check", { simple: true });
copy.pragma("journal_mode = DELETE");
const sessions = copy.prepare("SELECT count(*) FROM sessions").pluck().get();
copy.close();
if (check !== "ok") {
  rmSync(partial, { force: true });
  fail(`the copy failed its integrity check (${check}); the database was not changed`);
}
renameSync(partial, destination);
const mb = (statSync(destination).size / 1e6).toFixed(1);
process.stdout.write(
  `backup: ${source} → ${destination} (${mb} MB, ${sessions} sessions) in ${Date.now() - started} ms\n`,
);
