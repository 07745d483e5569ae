import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ConfigError, loadConfig, resolveDatabasePath } from "../../lib/config";

const temp = () => mkdtempSync(path.join(tmpdir(), "ocd-config-"));

test("defaults: port 3000, all interfaces, and secrets generated into the data directory with mode 0600", () => {
  const dir = temp();
  const config = loadConfig({ DATABASE_URL: path.join(dir, "database.db") });
  assert.equal(config.port, 3000);
  assert.equal(config.host, "0.0.0.0");
  assert.equal(config.disableTts, false);
  assert.equal(config.finishedWaitingMs, 24 * 60 * 60 * 1000, "finished turns wait a day");
  assert.deepEqual(config.sources, { apiKey: "generated", frontendPassword: "generated", authSecret: "generated" });
  assert.ok(config.apiKey.length >= 32 && config.frontendPassword.length >= 16 && config.authSecret.length >= 40);
  const file = path.join(dir, "secrets.json");
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const fresh = path.join(dir, "new-data");
  loadConfig({ DATABASE_URL: path.join(fresh, "database.db") });
  assert.equal(statSync(fresh).mode & 0o777, 0o700, "a data folder the server creates is its owner's alone");
  assert.equal(JSON.parse(readFileSync(file, "utf8")).apiKey, config.apiKey);

  const again = loadConfig({ DATABASE_URL: path.join(dir, "database.db") });
  assert.equal(again.apiKey, config.apiKey, "a restart keeps the generated key");
  assert.equal(again.sources.apiKey, "file");
});

test("environment values win over the secrets file", () => {
  const dir = temp();
  loadConfig({ DATABASE_URL: path.join(dir, "db.sqlite") });
  const config = loadConfig({
    DATABASE_URL: path.join(dir, "db.sqlite"),
    API_KEY: "my-own-plugin-key",
    FRONTEND_PASSWORD: "hunter22",
    PORT: "8080",
    DISABLE_TTS: "true",
  });
  assert.equal(config.apiKey, "my-own-plugin-key");
  assert.equal(config.frontendPassword, "hunter22");
  assert.equal(config.sources.apiKey, "env");
  assert.equal(config.port, 8080);
  assert.equal(config.disableTts, true);
});

test("a bad value stops start-up with a message that names it", () => {
  const dir = path.join(temp(), "db.sqlite");
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: "eighty" }, /^PORT: must be a number \(it is "eighty"\)$/],
    [{ RETENTION_DAYS: "a week" }, /^RETENTION_DAYS: must be a number \(it is "a week"\)$/],
    [{ TTS_SPEED: "fast" }, /^TTS_SPEED: must be a number/],
    [{ PORT: "70000" }, /^PORT: /],
    [{ API_KEY: "short" }, /^API_KEY: must be at least 12 characters/],
    [{ FRONTEND_PASSWORD: "1234" }, /^FRONTEND_PASSWORD: /],
    [{ NEXTAUTH_SECRET: "tiny" }, /^NEXTAUTH_SECRET: /],
    [{ DISABLE_TTS: "maybe" }, /^DISABLE_TTS: /],
    [{ LOG_LEVEL: "loud" }, /^LOG_LEVEL: /],
    [{ FINISHED_WAITING_SECONDS: "0" }, /^FINISHED_WAITING_SECONDS: must be at least 1 second/],
    [{ FINISHED_WAITING_SECONDS: "1.5" }, /^FINISHED_WAITING_SECONDS: must be a whole number of seconds/],
    [{ DATABASE_URL: "postgres://db/x" }, /^DATABASE_URL: postgres is not supported yet/],
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => loadConfig({ DATABASE_URL: dir, ...env }),
      (e: unknown) => e instanceof ConfigError && message.test((e as Error).message),
      JSON.stringify(env),
    );
  }
});

test("DATABASE_URL accepts a path or a file: URL", () => {
  assert.equal(resolveDatabasePath("./data/database.db", "/srv/app"), "/srv/app/data/database.db");
  assert.equal(resolveDatabasePath("file:./data/x.db", "/srv/app"), "/srv/app/data/x.db");
  assert.equal(resolveDatabasePath("file:///var/lib/ocd/x.db?mode=rwc"), "/var/lib/ocd/x.db");
  assert.equal(resolveDatabasePath("/abs/x.db"), "/abs/x.db");
});

test("a relative DATABASE_URL is taken from the app's folder, not the directory the server was started from", () => {
  const appDir = path.resolve(import.meta.dirname, "../..");
  const started = process.cwd();
  process.chdir(tmpdir());
  try {
    assert.equal(resolveDatabasePath("./data/database.db"), path.join(appDir, "data/database.db"));
  } finally {
    process.chdir(started);
  }
});

test("a secrets file the server will not use is named with what is wrong, and never with advice to delete it", () => {
  const cases: [string, RegExp][] = [
    ['{"apiKey": "abc', /not valid JSON .*Fix it by hand/],
    ["[]", /must be a JSON object with apiKey, frontendPassword and authSecret/],
    ['{"apiKey": "long-enough-plugin-key", "authSecret": "x".repeat(40)}', /not valid JSON/],
    [
      JSON.stringify({ apiKey: "long-enough-plugin-key", authSecret: "s".repeat(40) }),
      /secrets\.json: frontendPassword is missing\./,
    ],
    [
      JSON.stringify({ apiKey: 123456789012345, frontendPassword: "password", authSecret: "s".repeat(40) }),
      /secrets\.json: apiKey must be a string\./,
    ],
    [
      JSON.stringify({ apiKey: "short", frontendPassword: "password", authSecret: "s".repeat(40) }),
      /secrets\.json: apiKey must be at least 12 characters\./,
    ],
  ];
  for (const [text, message] of cases) {
    const dir = temp();
    writeFileSync(path.join(dir, "secrets.json"), text, { mode: 0o600 });
    assert.throws(
      () => loadConfig({ DATABASE_URL: path.join(dir, "database.db") }),
      (e: unknown) =>
        e instanceof ConfigError &&
        message.test(e.message) &&
        /do not delete the file/.test(e.message) &&
        !/fix or delete|undefined/.test(e.message),
      text,
    );
    assert.equal(readFileSync(path.join(dir, "secrets.json"), "utf8"), text, "left as it was");
  }
});

test("a secrets file other users may read is used, with a warning that says how to close it", () => {
  const dir = temp();
  const file = path.join(dir, "secrets.json");
  loadConfig({ DATABASE_URL: path.join(dir, "database.db") });
  assert.deepEqual(loadConfig({ DATABASE_URL: path.join(dir, "database.db") }).warnings, []);
  chmodSync(file, 0o644);
  const config = loadConfig({ DATABASE_URL: path.join(dir, "database.db") });
  assert.equal(config.sources.apiKey, "file");
  assert.deepEqual(config.warnings, [
    `${file} is open to other users of this machine (mode 644) and holds the API key and password: chmod 600 ${file}`,
  ]);
});

test("a data folder that cannot be created stops start-up naming it", () => {
  const dir = temp();
  writeFileSync(path.join(dir, "not-a-folder"), "");
  assert.throws(
    () => loadConfig({ DATABASE_URL: path.join(dir, "not-a-folder", "data", "database.db") }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message.startsWith(
        `cannot create the data folder ${path.join(dir, "not-a-folder", "data")} (from DATABASE_URL)`,
      ),
  );
});
