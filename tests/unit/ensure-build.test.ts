// `npm start` and `npm test` build first when the sources are newer than the build
// (scripts/ensure-build.mjs). A copy of the script runs in a folder of its own, whose `npm run
// build` only records that it ran, so no real build is needed.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";

const root = path.resolve(import.meta.dirname, "../..");
const temp = mkdtempSync(path.join(tmpdir(), "ocd-ensure-build-"));
after(() => rmSync(temp, { recursive: true, force: true }));

let serial = 0;
/** An app folder with a build already done; `during` is a file the build touches while it runs. */
function app(during?: string) {
  const dir = path.join(temp, `a${serial++}`);
  mkdirSync(path.join(dir, "scripts"), { recursive: true });
  copyFileSync(path.join(root, "scripts/ensure-build.mjs"), path.join(dir, "scripts/ensure-build.mjs"));
  // As a real build: the sources are read first and the bundle written last.
  const build = [
    "const fs = require('fs');",
    during ? `fs.writeFileSync('${during}', 'saved while building');` : "",
    "fs.mkdirSync('dist', { recursive: true }); fs.mkdirSync('.next', { recursive: true });",
    "fs.writeFileSync('.next/BUILD_ID', 'x'); fs.writeFileSync('dist/server.js', '');",
    "fs.appendFileSync('builds.log', 'built\\n');",
  ].join(" ");
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ scripts: { build: `node -e "${build}"` } }));
  for (const source of ["server.ts", "proxy.ts"]) writeFileSync(path.join(dir, source), "");
  const past = new Date(Date.now() - 60_000);
  for (const source of ["server.ts", "proxy.ts", "package.json"]) utimesSync(path.join(dir, source), past, past);
  const run = () => execFileSync(process.execPath, [path.join(dir, "scripts/ensure-build.mjs")], { encoding: "utf8" });
  const builds = () =>
    existsSync(path.join(dir, "builds.log"))
      ? readFileSync(path.join(dir, "builds.log"), "utf8").split("\n").length - 1
      : 0;
  return { dir, run, builds };
}

test("a change to proxy.ts (the middleware) alone rebuilds", () => {
  const { dir, run, builds } = app();
  run();
  assert.equal(builds(), 1, "no build yet: built");
  run();
  assert.equal(builds(), 1, "nothing changed: not built again");
  writeFileSync(path.join(dir, "proxy.ts"), "// signed-out visitors go to /login");
  utimesSync(path.join(dir, "proxy.ts"), new Date(Date.now() + 5_000), new Date(Date.now() + 5_000));
  run();
  assert.equal(builds(), 2);
});

test("a source saved while the build ran is built next time", () => {
  const { run, builds } = app("server.ts");
  run();
  assert.equal(builds(), 1);
  run();
  assert.equal(builds(), 2, "server.ts changed during the first build");
});
