// The plugin, its tests and helpers compile under strict TypeScript, and the plugin function
// satisfies @opencode-ai/plugin's `Plugin` type (the repo's tsconfig leaves plugin/ and tests/ out).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";

const ROOT = path.resolve(import.meta.dirname, "../..");

test("strict tsc over the plugin and its tests", () => {
  const files = [
    "plugin/opencode-dashboard.ts",
    "plugin/bench.ts",
    "tests/plugin/harness/plugin-type.check.ts",
    "tests/plugin/harness/capture-server.ts",
    "tests/plugin/harness/run-plugin.ts",
    "tests/plugin/harness/model-script.ts",
    "tests/support/fake-provider.ts",
    "tests/support/opencode.ts",
  ];
  const args = [
    "--noEmit",
    "--strict",
    "--module",
    "esnext",
    "--target",
    "es2022",
    "--moduleResolution",
    "bundler",
    "--allowImportingTsExtensions",
    "--skipLibCheck",
    "--types",
    "node",
    "--lib",
    "es2023,dom",
    ...files,
  ];
  const res = spawnSync(path.join(ROOT, "node_modules/.bin/tsc"), args, {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(res.status, 0, res.stdout + res.stderr);
});
