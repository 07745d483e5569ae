// `npm test` on a machine without Chromium, espeak-ng or tmux: scripts/ensure-test-deps.mjs
// installs them as root with apt-get, and otherwise stops the run with one message before anything
// starts. Nothing is uninstalled: the script looks for Chromium at CHROMIUM_PATH (as the browser
// tests do) and for espeak-ng, tmux and apt-get on PATH, so a temp folder stands in for the machine.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";

const root = path.resolve(import.meta.dirname, "../..");
const script = path.join(root, "scripts/ensure-test-deps.mjs");
const isRoot = process.getuid?.() === 0;
/** Debian's `nobody`: as root, the "not root" case runs as this user for real. */
const OTHER_UID = 65534;
type RunAs = { uid?: number; gid?: number };
const asNonRoot: RunAs = isRoot ? { uid: OTHER_UID, gid: OTHER_UID } : {};

const temp = mkdtempSync(path.join(tmpdir(), "ocd-deps-"));
chmodSync(temp, 0o777); // readable and writable by the other user too
after(() => rmSync(temp, { recursive: true, force: true }));

let serial = 0;
/** A machine: an empty bin folder for PATH, a Chromium path, and a log of apt-get calls. */
function machine(has: { chromium?: boolean; espeak?: boolean; tmux?: boolean; aptGet?: boolean }) {
  const dir = path.join(temp, `m${serial++}`);
  const bin = path.join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  chmodSync(dir, 0o777);
  chmodSync(bin, 0o777);
  const chromium = path.join(dir, "chromium");
  const aptLog = path.join(dir, "apt.log");
  const stub = (file: string, body = "exit 0") => writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  if (has.chromium) stub(chromium);
  if (has.espeak) stub(path.join(bin, "espeak-ng"));
  if (has.tmux) stub(path.join(bin, "tmux"));
  if (has.aptGet) {
    // Stands in for Debian's apt-get: logs its arguments; `install` puts the packages in place.
    stub(
      path.join(bin, "apt-get"),
      [
        `echo "$DEBIAN_FRONTEND $*" >> ${aptLog}`,
        `case "$1" in install) for p in "$@"; do`,
        `  [ "$p" = chromium ] && printf '#!/bin/sh\\n' > ${chromium} && /bin/chmod 755 ${chromium}`,
        `  [ "$p" = espeak-ng ] && printf '#!/bin/sh\\n' > ${bin}/espeak-ng && /bin/chmod 755 ${bin}/espeak-ng`,
        `  [ "$p" = tmux ] && printf '#!/bin/sh\\n' > ${bin}/tmux && /bin/chmod 755 ${bin}/tmux`,
        `done;; esac`,
        `exit 0`,
      ].join("\n"),
    );
  }
  const env = { PATH: bin, CHROMIUM_PATH: chromium, HOME: dir };
  const aptCalls = () => (existsSync(aptLog) ? readFileSync(aptLog, "utf8").trim().split("\n") : []);
  return { dir, bin, env, aptCalls };
}

function run(env: Record<string, string>, options: RunAs = {}) {
  return spawnSync(process.execPath, [script], {
    env: env as unknown as NodeJS.ProcessEnv,
    encoding: "utf8",
    timeout: 20_000,
    ...options,
  });
}

const expectedMessage =
  /The tests need Debian's chromium, espeak-ng and tmux; missing: .*sudo apt-get install -y chromium espeak-ng tmux/;

test("not root: missing packages stop the run with one message naming them and the command", () => {
  const m = machine({ aptGet: true });
  const result = run(m.env, asNonRoot);
  assert.equal(result.status, 1);
  assert.match(result.stderr, expectedMessage);
  assert.match(result.stderr, /missing: chromium \(.*\), espeak-ng \(.*\), tmux \(tmux on PATH\)\./);
  assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  assert.deepEqual(m.aptCalls(), [], "apt-get is not tried without root");
});

test("only espeak-ng missing: the message names just it", () => {
  const m = machine({ chromium: true, tmux: true });
  const result = run(m.env, asNonRoot);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /missing: espeak-ng \(espeak-ng on PATH\)\./);
});

test("only tmux missing: the message names just it", () => {
  const m = machine({ chromium: true, espeak: true });
  const result = run(m.env, asNonRoot);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /missing: tmux \(tmux on PATH\)\./);
});

test("everything there: nothing is installed and the run goes on", () => {
  const m = machine({ chromium: true, espeak: true, tmux: true, aptGet: true });
  const result = run(m.env, isRoot ? {} : asNonRoot);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, "");
  assert.deepEqual(m.aptCalls(), []);
});

test("root without apt-get: the same message, nothing tried", { skip: !isRoot && "needs root" }, () => {
  const m = machine({});
  const result = run(m.env);
  assert.equal(result.status, 1);
  assert.match(result.stderr, expectedMessage);
});

test(
  "root with apt-get: installs what is missing, non-interactively, and goes on",
  { skip: !isRoot && "needs root" },
  () => {
    const m = machine({ espeak: true, aptGet: true });
    const result = run(m.env);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(m.aptCalls(), ["noninteractive update -qq", "noninteractive install -y -qq chromium tmux"]);
  },
);

const npmCli = path.join(path.dirname(process.execPath), "../lib/node_modules/npm/bin/npm-cli.js");

test(
  "npm test stops at this step: nothing is built and no test runs",
  {
    skip: !existsSync(npmCli) && "npm's CLI is not installed beside node",
  },
  () => {
    const m = machine({});
    // PATH holds node and npm (and whatever else lives beside them); Chromium is missing all the same.
    const env = {
      ...m.env,
      PATH: `${path.dirname(process.execPath)}:${m.bin}`,
      npm_config_cache: m.dir,
    } as unknown as NodeJS.ProcessEnv;
    const result = spawnSync(process.execPath, [npmCli, "test", "--silent"], {
      cwd: root,
      env,
      encoding: "utf8",
      timeout: 60_000,
      ...asNonRoot,
    });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, expectedMessage);
    assert.doesNotMatch(result.stdout + result.stderr, /build|# tests|▶|✔/i);
  },
);
