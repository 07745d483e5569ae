// The plugin cuts its requests to the server's limits; it is a self-contained file (no imports
// from lib/), so the two copies of each limit are compared here, from the sources themselves.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { MAX_BATCH_EVENTS, MAX_BODY_BYTES } from "../../lib/ingest/protocol";
import { MAX_FRAME_BYTES, MAX_OWNED_PER_FRAME } from "../../lib/control/protocol";

const plugin = readFileSync(path.resolve(import.meta.dirname, "../../plugin/opencode-dashboard.ts"), "utf8");

/** The value of `const NAME = <arithmetic>;` in the plugin's source. */
function pluginConstant(name: string): number {
  const match = new RegExp(`^const ${name} = ([\\d_ *+]+);`, "m").exec(plugin);
  assert.ok(match, `the plugin defines ${name}`);
  return Function(`"use strict"; return (${match[1]});`)() as number;
}

test("the plugin's request limits are the server's", () => {
  assert.equal(pluginConstant("REQUEST_MAX_BYTES"), MAX_BODY_BYTES);
  assert.equal(pluginConstant("REQUEST_MAX_EVENTS"), MAX_BATCH_EVENTS);
});

test("the plugin's control frames fit the server's limits", () => {
  assert.equal(pluginConstant("OWN_FRAME_MAX"), MAX_OWNED_PER_FRAME);
  assert.ok(MAX_FRAME_BYTES >= 64 * 1024);
});
