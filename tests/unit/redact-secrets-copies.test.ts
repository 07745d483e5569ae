import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

/**
 * The plugin ships as one file without dependencies, so it keeps its own copy of the server's
 * rules for provider secrets (lib/ingest/redact-secrets.ts). A rule changed in one place only
 * would let a key through the other: the patterns and the dropped keys must read the same in both.
 */
const root = path.resolve(import.meta.dirname, "../..");
const server = readFileSync(path.join(root, "lib/ingest/redact-secrets.ts"), "utf8");
const plugin = readFileSync(path.join(root, "plugin/opencode-dashboard.ts"), "utf8");

/** The source of `const NAME = …;` (which may span lines). */
function constant(source: string, name: string): string {
  const found = new RegExp(`const ${name} =([\\s\\S]*?);\\n`).exec(source);
  assert.ok(found, `${name} is defined`);
  return found[1].trim();
}

test("the plugin's copy of the secret patterns is the server's", () => {
  for (const name of ["HEADER_VALUE", "BEARER", "KNOWN_KEYS", "KEY_PARAMETER", "URL_PATTERN", "REDACTED"]) {
    assert.equal(constant(plugin, name), constant(server, name), name);
  }
});

test("the plugin drops the same provider detail keys as the server", () => {
  assert.equal(constant(plugin, "PROVIDER_DETAIL_KEYS"), constant(server, "DETAIL_KEYS"));
});
