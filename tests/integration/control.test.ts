// Acting on sessions from the dashboard (issue 13, docs/control.md), end to end: the real OpenCode
// (`opencode serve`, fake model), the real plugin with its control connection, and the real
// dashboard (dist/server.js). Every command goes through the dashboard's HTTP API, travels over
// the plugin's WebSocket and is carried out by OpenCode; what OpenCode then does is read back from
// the fake model's requests and the dashboard's own API.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { after, before, describe, test } from "node:test";
import { lastUserText, startFakeProvider, type FakeProvider } from "../support/fake-provider.ts";
import { waitFor, ROOT, type OpencodeProject, type OpencodeServer } from "../support/opencode.ts";
import { startServer, type TestServer } from "../support/server.ts";
import { callApi } from "../support/client.ts";
import {
  controlScript,
  sawInToolResult as sawInToolResultOf,
  startControlledMachine,
  toolRunsOf,
} from "../support/control-model.ts";
import type { SessionControl } from "../../lib/control/audit.ts";
import type { CommandItem } from "../../lib/control/commands.ts";
import type { InstanceSummary } from "../../lib/instances/queries.ts";
import type { SessionDetail } from "../../lib/sessions/detail.ts";
import type { Tokens } from "../../lib/sessions/tokens.ts";
import type { OcAssistantMessage, OcMessage, OcMessageInfo } from "../support/opencode-payloads.ts";

const built = fs.existsSync(path.join(ROOT, "dist/server.js")) && fs.existsSync(path.join(ROOT, ".next/BUILD_ID"));
const skip = built ? false : "no production build (dist/server.js, .next): run `npm run build` first";

const script = controlScript("dashboard-tool-ran");

let provider: FakeProvider;
let dashboard: TestServer;
const projects: OpencodeProject[] = [];
const servers: OpencodeServer[] = [];

before(async () => {
  if (!built) return;
  provider = await startFakeProvider(script);
  dashboard = await startServer({ env: { CONTROL_COMMAND_TTL_SECONDS: "60" } });
});
after(async () => {
  for (const s of servers) await s.stop();
  await provider?.close();
  await dashboard?.dispose();
  for (const p of projects) p.cleanup();
});

/** What the routes used here answer, each field as its subject shapes it. */
type Answer = {
  commandId?: string;
  command?: CommandItem;
  commands?: CommandItem[];
  error?: { code: string; message: string };
  sessions?: (Partial<SessionControl> & { id?: string })[];
  instances?: InstanceSummary[];
};

const api = (method: string, route: string, body?: unknown, headers: Record<string, string> = {}) =>
  callApi<Answer>(dashboard, method, route, body, headers);

const detail = async (id: string) =>
  (await api("GET", `/api/sessions/${id}?limit=1000`)).json as unknown as SessionDetail;

/** A machine at the given control level with one session on it (tests/support/control-model.ts). */
const machine = (hostname: string, control: "off" | "answer" | "full") =>
  startControlledMachine({ provider, dashboard, hostname, control, projects, servers });

async function pendingOf(id: string, kind: "permission" | "question") {
  return waitFor(
    async () => {
      const d = await detail(id);
      return d.pending?.find((p) => p.kind === kind);
    },
    60_000,
    `a pending ${kind} in the dashboard`,
  );
}

async function commandSettles(commandId: string | undefined) {
  assert.ok(commandId, "the command was accepted");
  return waitFor(
    async () => {
      const { json } = await api("GET", `/api/commands/${commandId}`);
      return ["applied", "failed", "expired"].includes(json.command?.status ?? "") ? json.command : null;
    },
    30_000,
    `command ${commandId} to settle`,
  );
}

const sawInToolResult = (marker: string) => sawInToolResultOf(provider, marker);
const toolRuns = () => toolRunsOf(provider, "dashboard-tool-ran");
/** How many permissions the dashboard heard OpenCode ask for in the session. */
const permissionsAsked = (d: SessionDetail) => d.timeline.entries.filter((e) => e.kind === "permission").length;
const sum = <T>(list: T[], of: (x: T) => number) => list.reduce((n, x) => n + of(x), 0);

describe("control = full", { skip }, () => {
  let m: Awaited<ReturnType<typeof machine>>;
  before(async () => {
    if (!built) return;
    m = await machine("ctl-full", "full");
    // The plugin's control connection owns the session once OpenCode has said something about it.
    await m.prompt("say hello");
    await waitFor(async () => (await detail(m.id)).session?.status === "idle", 60_000, "first turn done");
  });

  test("a permission allowed once from the API: the tool runs, attention clears, the timeline says so", async () => {
    await m.prompt("run bash please");
    const pending = await pendingOf(m.id, "permission");
    const answer = await api("POST", `/api/sessions/${m.id}/permissions/${pending.id}`, { reply: "once" });
    assert.equal(answer.status, 202, JSON.stringify(answer.json));
    const command = await commandSettles(answer.json.commandId);
    assert.equal(command.status, "applied", command.reason ?? undefined);
    await waitFor(() => sawInToolResult("dashboard-tool-ran"), 30_000, "the bash tool ran");
    const d = await waitFor(
      async () => {
        const d = await detail(m.id);
        return d.session.attention?.reason !== "permission" && d.pending.length === 0 ? d : null;
      },
      30_000,
      "attention cleared",
    );
    const entry = d.timeline.entries.find((e) => e.kind === "control");
    assert.equal(entry?.title, "Allowed once from the dashboard");
    assert.equal(entry?.status, "applied");
    // Answered: a second answer is refused, and nothing more reaches OpenCode.
    const again = await api("POST", `/api/sessions/${m.id}/permissions/${pending.id}`, { reply: "once" });
    assert.equal(again.status, 409);
    assert.match(again.json.error?.message ?? "", /no longer pending/);
  });

  test("a permission rejected with a message: the model sees the feedback", async () => {
    await waitFor(async () => (await detail(m.id)).session.status === "idle", 60_000, "idle");
    await m.prompt("run bash please");
    const pending = await pendingOf(m.id, "permission");
    const feedback = "use the Makefile target instead";
    const answer = await api("POST", `/api/sessions/${m.id}/permissions/${pending.id}`, {
      reply: "reject",
      message: feedback,
    });
    assert.equal(answer.status, 202);
    assert.equal((await commandSettles(answer.json.commandId)).status, "applied");
    await waitFor(() => sawInToolResult(feedback), 30_000, "the model saw the feedback");
  });

  test("a question answered, another dismissed", async () => {
    await waitFor(async () => (await detail(m.id)).session.status === "idle", 60_000, "idle");
    await m.prompt("ask me a question");
    const first = await pendingOf(m.id, "question");
    const answer = await api("POST", `/api/sessions/${m.id}/questions/${first.id}`, { answers: [["Blue"]] });
    assert.equal(answer.status, 202);
    assert.equal((await commandSettles(answer.json.commandId)).status, "applied");
    await waitFor(() => sawInToolResult("Blue"), 30_000, "the model got the answer");

    await waitFor(async () => (await detail(m.id)).session.status === "idle", 60_000, "idle");
    await m.prompt("ask me a question");
    const second = await waitFor(
      async () => (await detail(m.id)).pending.find((p) => p.kind === "question" && p.id !== first.id),
      60_000,
      "a second question",
    );
    const dismiss = await api("POST", `/api/sessions/${m.id}/questions/${second.id}/reject`);
    assert.equal(dismiss.status, 202);
    assert.equal((await commandSettles(dismiss.json.commandId)).status, "applied");
    await waitFor(async () => (await detail(m.id)).pending.length === 0, 30_000, "the question is gone");
  });

  test("a prompt sent to an idle session starts a new turn; Stop aborts a slow stream", async () => {
    await waitFor(async () => (await detail(m.id)).session.status === "idle", 60_000, "idle");
    const sent = await api("POST", `/api/sessions/${m.id}/prompt`, { text: "prompt from the dashboard" });
    assert.equal(sent.status, 202);
    assert.equal((await commandSettles(sent.json.commandId)).status, "applied");
    await waitFor(
      () => provider.requests.some((r) => lastUserText(r).includes("prompt from the dashboard")),
      30_000,
      "the model got the prompt",
    );

    await waitFor(async () => (await detail(m.id)).session.status === "idle", 60_000, "idle");
    const notBusy = await api("POST", `/api/sessions/${m.id}/abort`);
    assert.equal(notBusy.status, 409, "nothing to stop while idle");
    await m.prompt("[slow] write a long story");
    await waitFor(async () => (await detail(m.id)).session.status === "busy", 30_000, "busy");
    const stop = await api("POST", `/api/sessions/${m.id}/abort`);
    assert.equal(stop.status, 202, JSON.stringify(stop.json));
    assert.equal((await commandSettles(stop.json.commandId)).status, "applied");
    const d = await waitFor(
      async () => {
        const d = await detail(m.id);
        return d.session.status === "idle" ? d : null;
      },
      30_000,
      "idle after the abort",
    );
    // Stopped by its user: waiting for the next prompt at most, never an error that needs anyone.
    assert.notEqual(d.session.attention?.reason, "error");
  });

  test("answered in the terminal first: the dashboard's command fails and says why", async () => {
    await waitFor(async () => (await detail(m.id)).session.status === "idle", 60_000, "idle");
    await m.prompt("run bash please");
    const pending = await pendingOf(m.id, "permission");
    // OpenCode's own answer first; the plugin forwards that event after its 250 ms batch delay,
    // so the dashboard still believes it pending when its command goes out.
    await m.oc.api("POST", `/permission/${pending.id}/reply`, { reply: "once" });
    const late = await api("POST", `/api/sessions/${m.id}/permissions/${pending.id}`, { reply: "reject" });
    if (late.status === 409) return; // the event won the race after all: refused before sending
    assert.equal(late.status, 202);
    const command = await commandSettles(late.json.commandId);
    assert.equal(command.status, "failed");
    assert.match(command.reason ?? "", /already answered/);
  });

  // Last of the permission tests here: "always" holds for the rest of this OpenCode process's life.
  test("a permission always allowed from the API: the tool runs, and the next bash call asks nothing", async () => {
    await waitFor(async () => (await detail(m.id)).session.status === "idle", 60_000, "idle");
    await m.prompt("run bash please");
    const pending = await pendingOf(m.id, "permission");
    const ranBefore = toolRuns();
    const answer = await api("POST", `/api/sessions/${m.id}/permissions/${pending.id}`, { reply: "always" });
    assert.equal(answer.status, 202, JSON.stringify(answer.json));
    const command = await commandSettles(answer.json.commandId);
    assert.equal(command.status, "applied", command.reason ?? undefined);
    await waitFor(() => toolRuns() > ranBefore, 30_000, "the bash tool ran");
    const first = await waitFor(
      async () => {
        const d = await detail(m.id);
        return d.session.status === "idle" && d.pending.length === 0 ? d : null;
      },
      60_000,
      "the turn ended with nothing pending",
    );
    assert.equal(
      first.timeline.entries.find((e) => e.key === `control:${command.id}`)?.title,
      "Always allowed from the dashboard",
    );
    const asked = permissionsAsked(first);

    await m.prompt("run bash please");
    const ranAgain = toolRuns();
    await waitFor(() => toolRuns() > ranAgain, 60_000, "the bash tool ran again without asking");
    const second = await waitFor(
      async () => {
        const d = await detail(m.id);
        return d.session.status === "idle" ? d : null;
      },
      60_000,
      "the second turn ended",
    );
    assert.equal(permissionsAsked(second), asked, "no new permission reached the dashboard");
    assert.deepEqual(second.pending, []);
    assert.notEqual(second.session.attention?.reason, "permission");
    assert.deepEqual(await m.oc.api("GET", "/permission"), [], "nothing is pending in OpenCode either");
  });

  test("after these turns the dashboard's totals equal OpenCode's own for the session", async () => {
    await waitFor(async () => (await detail(m.id)).session.status === "idle", 60_000, "idle");
    const messages = await m.oc.api<OcMessage[]>("GET", `/session/${m.id}/message`);
    const assistants = messages
      .map((x) => x.info)
      .filter((x: OcMessageInfo): x is OcAssistantMessage => x.role === "assistant");
    assert.ok(assistants.length >= 8, `${assistants.length} model calls in the session`);
    const want = {
      input: sum(assistants, (a) => a.tokens.input),
      output: sum(assistants, (a) => a.tokens.output),
      reasoning: sum(assistants, (a) => a.tokens.reasoning),
      cacheRead: sum(assistants, (a) => a.tokens.cache.read),
      cacheWrite: sum(assistants, (a) => a.tokens.cache.write),
    };
    const cost = sum(assistants, (a) => a.cost);
    assert.ok(want.output > 0 && cost > 0, "OpenCode counted tokens and a cost");
    // The last events of the last turn may still be on their way to the dashboard.
    let got: { tokens: Omit<Tokens, "total">; cost: number } | undefined;
    await waitFor(
      async () => {
        const { total: _total, ...tokens } = (await detail(m.id)).session.tokens;
        got = { tokens, cost: (await detail(m.id)).session.cost };
        return isDeepStrictEqual(tokens, want) && Math.abs(got.cost - cost) < 1e-9;
      },
      30_000,
      "the dashboard's totals",
    ).catch(() => {});
    assert.deepEqual(got?.tokens, want);
    assert.ok(Math.abs((got?.cost ?? NaN) - cost) < 1e-9, `cost ${got?.cost} vs OpenCode's ${cost}`);
  });

  test("audit lists every command with when, what, where from and the outcome", async () => {
    const { status, json } = await api("GET", `/api/audit?session=${m.id}`, undefined, { "user-agent": "audit-test" });
    assert.equal(status, 200);
    assert.ok((json.commands ?? []).length >= 6);
    for (const c of json.commands ?? []) {
      assert.equal(c.sessionId, m.id);
      assert.ok(c.createdAt > 0 && c.clientAddress && c.action && c.status);
    }
  });
});

describe("who may act", { skip }, () => {
  test("control = answer: a prompt is refused with the reason and never reaches OpenCode", async () => {
    const m = await machine("ctl-answer", "answer");
    await m.prompt("say hello");
    await waitFor(async () => (await detail(m.id)).session?.status === "idle", 60_000, "first turn done");
    await waitFor(
      async () => (await api("GET", `/api/control?ids=${m.id}`)).json.sessions?.[0]?.abort?.ok,
      30_000,
      "connected",
    );
    const before = provider.requests.length;
    const res = await api("POST", `/api/sessions/${m.id}/prompt`, { text: "should not arrive" });
    assert.equal(res.status, 503);
    assert.match(res.json.error?.message ?? "", /"answer".*needs "full"/);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(provider.requests.length, before);
  });

  test("control = off: 503 naming it, the permission stays pending in OpenCode", async () => {
    const m = await machine("ctl-off", "off");
    await m.prompt("run bash please");
    const pending = await pendingOf(m.id, "permission");
    const res = await api("POST", `/api/sessions/${m.id}/permissions/${pending.id}`, { reply: "once" });
    assert.equal(res.status, 503);
    assert.match(res.json.error?.message ?? "", /control is off on ctl-off/);
    const stillAsked = await m.oc.api("GET", "/permission");
    assert.ok((stillAsked as { id: string }[]).some((p) => p.id === pending.id));
    // The Hosts page's source says so too.
    const hosts = await api("GET", "/api/instances");
    assert.equal(hosts.json.instances?.find((h) => h.hostname === "ctl-off")?.control, "off");
  });

  test("the plugin key, a cross-origin browser request, bad bodies and unknown ids are refused", async () => {
    const sessions = (await api("GET", "/api/sessions?parent=any&limit=1")).json.sessions ?? [];
    const id = sessions[0].id!;
    const byPlugin = await api("POST", `/api/sessions/${id}/abort`, undefined, { "x-api-key": dashboard.apiKey });
    assert.equal(byPlugin.status, 403);

    const cookie = await signIn();
    const crossSite = await fetch(`${dashboard.url}/api/sessions/${id}/prompt`, {
      method: "POST",
      headers: { cookie, origin: "http://evil.example", "content-type": "application/json" },
      body: JSON.stringify({ text: "hi" }),
    });
    assert.equal(crossSite.status, 403);
    const sameSite = await fetch(`${dashboard.url}/api/sessions/missing-session/prompt`, {
      method: "POST",
      headers: { cookie, origin: dashboard.url, "content-type": "application/json" },
      body: JSON.stringify({ text: "hi" }),
    });
    assert.equal(sameSite.status, 404, "the dashboard's own origin passes the check");

    assert.equal((await api("POST", `/api/sessions/nope/abort`)).status, 404);
    assert.equal((await api("POST", `/api/sessions/${id}/permissions/per_nope`, { reply: "once" })).status, 404);
    assert.equal((await api("GET", `/api/commands/cmd_nope`)).status, 404);
    const bad = await api("POST", `/api/sessions/${id}/permissions/per_nope`, { reply: "sometimes" });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error?.message ?? "", /^reply: /);
    const big = await api("POST", `/api/sessions/${id}/prompt`, { text: "x".repeat(33 * 1024) });
    assert.equal(big.status, 400);
    assert.match(big.json.error?.message ?? "", /^text: must be at most 32768 bytes/);
  });
});

/** A signed-in browser's cookie, the way the login form gets it. */
async function signIn(): Promise<string> {
  const csrf = await fetch(`${dashboard.url}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = csrf.headers.getSetCookie().map((c) => c.split(";")[0]);
  const res = await fetch(`${dashboard.url}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.join("; "), origin: dashboard.url },
    body: new URLSearchParams({ csrfToken, password: dashboard.password, json: "true" }),
    redirect: "manual",
  });
  const session = res.headers.getSetCookie().find((c) => c.startsWith("next-auth.session-token="));
  assert.ok(session, `signed in (${res.status})`);
  return session.split(";")[0];
}
