import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { loadConfig, setConfig } from "../../lib/config";
import { clientAddress } from "../../lib/http/client-address";

const configWith = (env: Record<string, string>) =>
  loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: path.join(mkdtempSync(path.join(tmpdir(), "ocd-addr-")), "db.sqlite"),
    ...env,
  });

test("without TRUST_PROXY the socket address is the answer and X-Forwarded-For is ignored", () => {
  setConfig(configWith({}));
  const headers = new Headers({ "x-forwarded-for": "203.0.113.9" });
  assert.equal(clientAddress(headers, "10.0.0.5"), "10.0.0.5");
  assert.equal(clientAddress({ "x-forwarded-for": "203.0.113.9" }, "::1"), "::1");
});

test("with TRUST_PROXY=true the first X-Forwarded-For hop is the answer", () => {
  setConfig(configWith({ TRUST_PROXY: "true" }));
  assert.equal(clientAddress(new Headers({ "x-forwarded-for": "203.0.113.9, 10.0.0.2" }), "127.0.0.1"), "203.0.113.9");
  assert.equal(clientAddress({ "x-forwarded-for": " 2001:db8::7 ,10.0.0.2" }, "127.0.0.1"), "2001:db8::7");
  // Node joins repeated headers; an array form (as some adapters give) is read the same way.
  assert.equal(
    clientAddress({ "x-forwarded-for": ["198.51.100.1", "10.0.0.2"] as unknown as string }, "127.0.0.1"),
    "198.51.100.1",
  );
});

test("with TRUST_PROXY=true but no usable header, the socket address is the answer", () => {
  setConfig(configWith({ TRUST_PROXY: "1" }));
  assert.equal(clientAddress(new Headers(), "127.0.0.1"), "127.0.0.1");
  assert.equal(clientAddress({ "x-forwarded-for": " , 10.0.0.2" }, "127.0.0.1"), "127.0.0.1");
  assert.equal(clientAddress({}, undefined), "unknown");
});

test("an explicit trustProxy option overrides the configuration", () => {
  setConfig(configWith({ TRUST_PROXY: "false" }));
  assert.equal(clientAddress({ "x-forwarded-for": "203.0.113.9" }, "10.0.0.5", { trustProxy: true }), "203.0.113.9");
  assert.equal(clientAddress({ "x-forwarded-for": "203.0.113.9" }, "10.0.0.5", { trustProxy: false }), "10.0.0.5");
});

test("TRUST_PROXY accepts the usual boolean spellings and rejects others", () => {
  assert.equal(configWith({ TRUST_PROXY: "yes" }).trustProxy, true);
  assert.equal(configWith({}).trustProxy, false);
  assert.throws(() => configWith({ TRUST_PROXY: "maybe" }), /TRUST_PROXY/);
});
