// Starting the built server the way operators do: from another directory, and with a data
// folder whose files belong to someone else.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { bareServerEnv, SERVER_ENTRY, startServer } from "../support/server";

const root = path.resolve(import.meta.dirname, "../..");
/** Debian's `nobody`; any uid other than the file's owner would do. */
const OTHER_UID = 65534;

test("started from another directory, the server serves the plugin file, pages, assets and the API", async () => {
  const server = await startServer({ cwd: "/" });
  try {
    const plugin = await fetch(`${server.url}/plugin/opencode-dashboard.ts`);
    assert.equal(plugin.status, 200);
    assert.equal(await plugin.text(), readFileSync(path.join(root, "plugin/opencode-dashboard.ts"), "utf8"));
    const login = await fetch(`${server.url}/login`);
    assert.equal(login.status, 200);
    assert.match(await login.text(), /<html/i);
    assert.equal((await fetch(`${server.url}/icon.svg`)).status, 200);
    const sessions = await fetch(`${server.url}/api/sessions`, { headers: { "x-api-key": server.password } });
    assert.equal(sessions.status, 200);
  } finally {
    await server.dispose();
  }
});

test("an unreadable secrets.json stops start-up naming the user who must read it, and is left in place", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ocd-start-"));
  chmodSync(dir, 0o755); // the folder stays open: only the file is closed
  const file = path.join(dir, "secrets.json");
  const secrets = JSON.stringify({
    apiKey: "kept-plugin-key-0123456789",
    frontendPassword: "kept-password",
    authSecret: "kept-auth-secret-0123456789abcdefghijkl",
  });
  writeFileSync(file, secrets);
  chmodSync(file, 0o000);
  try {
    // Root reads a file whatever its mode: then the server runs as another user, as in a
    // container whose volume was written by root.
    const runAs = process.getuid?.() === 0 ? { uid: OTHER_UID, gid: OTHER_UID } : {};
    const expectedUid = process.getuid?.() === 0 ? OTHER_UID : process.getuid?.();
    const result = spawnSync(process.execPath, [SERVER_ENTRY], {
      cwd: root,
      env: bareServerEnv(dir, { secrets: false }),
      encoding: "utf8",
      timeout: 20_000,
      ...runAs,
    });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /configuration error: .*secrets\.json is not readable by uid (\d+)/);
    assert.equal(/is not readable by uid (\d+)/.exec(result.stderr)?.[1], String(expectedUid));
    assert.match(result.stderr, /do not delete/);
    assert.doesNotMatch(result.stderr, /not valid JSON/);
    chmodSync(file, 0o600);
    assert.equal(readFileSync(file, "utf8"), secrets);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const isRoot = process.getuid?.() === 0;
/** As root, runs the server as another user, for whom permissions are real. */
type RunAs = { uid?: number; gid?: number };
const asOtherUser: RunAs = isRoot ? { uid: OTHER_UID, gid: OTHER_UID } : {};

/** Starts the built server once and waits for it to exit (a failed start) or for 20 s. */
function startOnce(dir: string, opts: { env?: Record<string, string>; runAs?: RunAs } = {}) {
  return spawnSync(process.execPath, [SERVER_ENTRY], {
    cwd: root,
    env: bareServerEnv(dir, { env: opts.env }),
    encoding: "utf8",
    timeout: 20_000,
    ...opts.runAs,
  });
}

const sqliteDriver = createRequire(import.meta.url).resolve("better-sqlite3");
const digest = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** A real database, as a previous start left it, in a folder of its own. */
let template: string | undefined;
async function realDatabase(): Promise<string> {
  if (!template) {
    const server = await startServer();
    await server.stop();
    template = server.databasePath;
  }
  const dir = mkdtempSync(path.join(tmpdir(), "ocd-db-"));
  chmodSync(dir, 0o777);
  copyFileSync(template, path.join(dir, "database.db"));
  return dir;
}

test("a database file the server cannot use stops start-up with one line naming the file and what to do, and is left as it was", async () => {
  const cases: { name: string; prepare: (dir: string, file: string) => void; runAs?: RunAs; expect: RegExp }[] = [
    {
      name: "not a database",
      prepare: (_dir, file) => writeFileSync(file, "these are somebody's notes, not a database\n".repeat(200)),
      expect: /is not a SQLite database .*Set DATABASE_URL/,
    },
    {
      name: "a folder",
      prepare: (_dir, file) => {
        rmSync(file);
        mkdirSync(file);
      },
      expect: /is a folder, not a database file: set DATABASE_URL to a file/,
    },
    {
      name: "truncated",
      prepare: (_dir, file) => truncateSync(file, 8192),
      expect: /is damaged .*Restore it from a backup/,
    },
    {
      name: "not writable by the server's user",
      // As root, the file stays root's and the server runs as another user.
      prepare: (_dir, file) => chmodSync(file, isRoot ? 0o644 : 0o444),
      runAs: asOtherUser,
      expect: /cannot open the database .* for writing: .*(not readable and writable by uid \d+|read-only)/,
    },
    {
      // Writes would go to the -wal file, and fail only when copied into the database.
      name: "not writable, beside a -wal and -shm the server's user may write",
      prepare: (_dir, file) => {
        chmodSync(file, isRoot ? 0o644 : 0o444);
        // A read by that user leaves them (SQLite cannot remove them through a read-only file).
        const read = spawnSync(
          process.execPath,
          ["-e", `new (require(${JSON.stringify(sqliteDriver)}))(${JSON.stringify(file)}).prepare("SELECT 1").get()`],
          { ...asOtherUser, encoding: "utf8" },
        );
        assert.equal(read.status, 0, read.stderr);
        assert.ok(existsSync(`${file}-shm`));
      },
      runAs: asOtherUser,
      expect: /cannot open the database .* for writing: .*(not readable and writable by uid \d+|read-only)/,
    },
    {
      name: "not readable by the server's user",
      prepare: (_dir, file) => chmodSync(file, isRoot ? 0o600 : 0o000),
      runAs: asOtherUser,
      expect: /cannot open the database .* for writing: .*not readable and writable by uid \d+/,
    },
  ];
  for (const c of cases) {
    const dir = await realDatabase();
    const file = path.join(dir, "database.db");
    try {
      c.prepare(dir, file);
      const before = c.name === "a folder" ? "" : digest(file);
      const result = startOnce(dir, { runAs: c.runAs });
      assert.equal(result.status, 1, `${c.name}: ${result.stdout}${result.stderr}`);
      assert.doesNotMatch(result.stdout, /listening on/, c.name);
      const line = result.stderr.trim();
      assert.match(line, new RegExp(`^cannot start: .*${file.replaceAll(".", "\\.")}`), c.name);
      assert.match(line, c.expect, c.name);
      assert.doesNotMatch(line, /\n|at \w+ \(/, `${c.name}: one line, no stack`);
      if (c.name === "a folder") continue;
      chmodSync(file, 0o644);
      assert.equal(digest(file), before, `${c.name}: the file was left as it was`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test("a database held locked by another process stops start-up saying so", async () => {
  const dir = await realDatabase();
  const file = path.join(dir, "database.db");
  // Another process holds the file in exclusive locking mode, as a tool may: nothing else can read it.
  const holder = spawn(
    process.execPath,
    [
      "-e",
      `const D = require(${JSON.stringify(sqliteDriver)});
       const db = new D(${JSON.stringify(file)});
       db.pragma("locking_mode = EXCLUSIVE");
       db.exec("BEGIN EXCLUSIVE; CREATE TABLE held (x); COMMIT");
       process.stdout.write("held\\n");
       setInterval(() => {}, 1000);`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    await new Promise<void>((resolve) => holder.stdout!.once("data", () => resolve()));
    const result = startOnce(dir);
    assert.equal(result.status, 1, result.stdout + result.stderr);
    assert.match(result.stderr, /^cannot start: .*database\.db is locked by another process/);
  } finally {
    holder.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a port already in use stops start-up naming the port and what to do", async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", () => resolve()));
  const port = (taken.address() as net.AddressInfo).port;
  const dir = mkdtempSync(path.join(tmpdir(), "ocd-port-"));
  try {
    const result = startOnce(dir, { env: { PORT: String(port) } });
    assert.equal(result.status, 1, result.stdout + result.stderr);
    assert.equal(
      result.stderr.trim(),
      `cannot start: port ${port} on 127.0.0.1 is already in use (another dashboard, or another program); stop it, or set PORT to a free port`,
    );
  } finally {
    taken.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a HOST that is not this machine's, or a port the user may not open, stops start-up saying which and what to do", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ocd-host-"));
  chmodSync(dir, 0o777);
  try {
    // 192.0.2.1 is TEST-NET-1: never an address of this machine.
    const foreign = startOnce(dir, { env: { HOST: "192.0.2.1" } });
    assert.equal(foreign.status, 1, foreign.stdout + foreign.stderr);
    assert.equal(
      foreign.stderr.trim(),
      "cannot start: HOST=192.0.2.1 is not an address of this machine; set HOST to one of its addresses, or 0.0.0.0 for all",
    );
    if (isRoot) {
      const own = path.join(dir, "other-user");
      mkdirSync(own, { mode: 0o777 });
      chmodSync(own, 0o777);
      const privileged = startOnce(own, { env: { PORT: "80" }, runAs: asOtherUser });
      assert.equal(privileged.status, 1, privileged.stdout + privileged.stderr);
      assert.match(
        privileged.stderr.trim(),
        /^cannot start: port 80 on 127\.0\.0\.1: permission denied for uid \d+ .*set PORT to 1024 or above/,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
