import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ConfigError, loadConfig } from "../../lib/config";
import { checkOrigin, requestOrigin } from "../../lib/http/request-origin";

const direct = { trustProxy: false, allowedOrigins: [] };

test("the request's own origin is its Host and the connection's scheme, or a trusted proxy's", () => {
  assert.equal(requestOrigin({ host: "127.0.0.1:3000" }, false, false), "http://127.0.0.1:3000");
  assert.equal(requestOrigin({ host: "Dash.Example.com:443" }, true, false), "https://dash.example.com");
  const forwarded = { host: "127.0.0.1:3000", "x-forwarded-proto": "https", "x-forwarded-host": "dash.example.com" };
  assert.equal(requestOrigin(forwarded, false, false), "http://127.0.0.1:3000", "untrusted headers are ignored");
  assert.equal(requestOrigin(forwarded, false, true), "https://dash.example.com");
  assert.equal(requestOrigin({ host: "a", "x-forwarded-proto": "https, http" }, false, true), "https://a");
  assert.equal(requestOrigin({}, false, false), null);
});

test("Origin must be the request's own origin or an allowed one; no Origin passes on to authentication", () => {
  const host = { host: "127.0.0.1:3000" };
  assert.deepEqual(checkOrigin(host, false, direct), { ok: true });
  assert.deepEqual(checkOrigin({ ...host, origin: "http://127.0.0.1:3000" }, false, direct), { ok: true });
  for (const origin of ["http://127.0.0.1:3001", "https://127.0.0.1:3000", "http://evil.example", "null", "", "x"]) {
    const check = checkOrigin({ ...host, origin }, false, direct);
    assert.deepEqual(check, { ok: false, origin, expected: ["http://127.0.0.1:3000"] }, origin);
  }
  const proxied = { trustProxy: false, allowedOrigins: ["https://dash.example.com"] };
  assert.deepEqual(checkOrigin({ ...host, origin: "https://DASH.example.com:443" }, false, proxied), { ok: true });
  assert.equal(checkOrigin({ ...host, origin: "https://dash.example.com.evil" }, false, proxied).ok, false);
});

test("ALLOWED_ORIGINS is a comma-separated list of bare origins, normalised; anything else stops start-up", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ocd-origins-"));
  const load = (value?: string) =>
    loadConfig({
      DATABASE_URL: path.join(dir, "db.sqlite"),
      ...(value === undefined ? {} : { ALLOWED_ORIGINS: value }),
    });
  assert.deepEqual(load().allowedOrigins, []);
  assert.deepEqual(load(" https://Dash.example.com/ , http://10.0.0.5:3000,").allowedOrigins, [
    "https://dash.example.com",
    "http://10.0.0.5:3000",
  ]);
  for (const bad of ["dash.example.com", "https://dash.example.com/app", "ftp://x", "https://x?y", "https://u:p@x"]) {
    assert.throws(
      () => load(bad),
      (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /^ALLOWED_ORIGINS: must be comma-separated origins/);
        assert.ok(error.message.includes(bad), error.message);
        return true;
      },
    );
  }
});
