import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
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
    [{ PORT: "eighty" }, /^PORT: /],
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
