import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import pino from "pino";
import { analyticsPageParams } from "../../lib/analytics/params";
import { encodeCursor } from "../../lib/http/cursor";
import { pageLoader } from "../../lib/http/page-loader";
import { runtime } from "../../lib/runtime";
import { loadBoard } from "../../lib/sessions/pages";
import { sessionListParams, timelineParams } from "../../lib/sessions/params";
import {
  BOARD_PAGE_SIZE,
  type BoardView,
  boardListQuery,
  boardUrlQuery,
  parseBoardView,
  sessionTimelineQuery,
  TIMELINE_PAGE_SIZE,
} from "../../lib/sessions/views";

/** How pages read their URL, what they ask /api/sessions for, and how their loaders fail. */

type Query = Record<string, string | string[] | undefined>;

describe("the board's view", () => {
  const cases: [string, Query, BoardView][] = [
    ["nothing in the URL", {}, { host: "", status: "", search: "", group: "host" }],
    [
      "every filter",
      { host: "vps-1", status: "busy", q: "  login bug ", group: "project" },
      { host: "vps-1", status: "busy", search: "login bug", group: "project" },
    ],
    [
      "repeated parameters: the first counts",
      { host: ["a", "b"], status: ["error", "busy"], group: ["flat", "project"] },
      { host: "a", status: "error", search: "", group: "flat" },
    ],
    [
      "unknown status and grouping show the defaults",
      { status: "sleeping", group: "tree" },
      { host: "", status: "", search: "", group: "host" },
    ],
    [
      "text cut to what the list accepts",
      { host: "h".repeat(300), q: "x".repeat(300) },
      { host: "h".repeat(255), status: "", search: "x".repeat(200), group: "host" },
    ],
    ["a blank host is no host", { host: "   " }, { host: "", status: "", search: "", group: "host" }],
  ];
  for (const [name, query, view] of cases) {
    test(name, () => assert.deepEqual(parseBoardView(query), view));
  }

  test("the board's URL reads back as the same view", () => {
    for (const [, query] of cases) {
      const view = parseBoardView(query);
      assert.deepEqual(parseBoardView(Object.fromEntries(boardUrlQuery(view))), view);
    }
    assert.equal(boardUrlQuery(parseBoardView({})).toString(), "", "the default view is the bare URL");
  });

  test("every view asks /api/sessions a question it accepts: every session, filtered as shown", () => {
    const cursor = encodeCursor({ at: 1_700_000_000_000, id: "ses_x" });
    for (const [name, query] of cases) {
      const view = parseBoardView(query);
      const parsed = sessionListParams.safeParse(Object.fromEntries(boardListQuery(view, cursor)));
      assert.ok(parsed.success, `${name}: ${parsed.error?.message}`);
      assert.equal(parsed.data.parent, "any");
      assert.equal(parsed.data.limit, BOARD_PAGE_SIZE);
      assert.equal(parsed.data.hostname, view.host || undefined);
      assert.deepEqual(parsed.data.status, view.status ? [view.status] : undefined);
      assert.equal(parsed.data.search, view.search || undefined);
      assert.deepEqual(parsed.data.cursor, { at: 1_700_000_000_000, id: "ses_x" });
    }
    assert.equal(boardListQuery(parseBoardView({})).has("cursor"), false);
  });
});

test("a session's page asks for its timeline newest first, a page at a time", () => {
  assert.deepEqual(timelineParams.parse(Object.fromEntries(sessionTimelineQuery())), {
    order: "desc",
    limit: TIMELINE_PAGE_SIZE,
  });
  const cursor = encodeCursor({ at: 5, id: 7 });
  assert.deepEqual(timelineParams.parse(Object.fromEntries(sessionTimelineQuery(cursor))).cursor, { at: 5, id: 7 });
});

describe("the analytics page's parameters", () => {
  const cases: [string, Query, { range: string; host: string; tz: string }][] = [
    ["nothing set", {}, { range: "30d", host: "", tz: "UTC" }],
    [
      "everything set",
      { range: "7d", host: " box ", tz: "Europe/Berlin" },
      { range: "7d", host: "box", tz: "Europe/Berlin" },
    ],
    ["a range the page does not offer", { range: "365d" }, { range: "30d", host: "", tz: "UTC" }],
    ["a time zone nobody knows", { tz: "Mars/Olympus_Mons" }, { range: "30d", host: "", tz: "UTC" }],
    ["repeated parameters", { range: ["all", "7d"], host: ["a", "b"] }, { range: "all", host: "a", tz: "UTC" }],
  ];
  for (const [name, query, expected] of cases) {
    test(name, () => assert.deepEqual(analyticsPageParams.parse(query), expected));
  }
});

describe("page loaders", () => {
  const lines: string[] = [];
  const previousLog = runtime.log;
  runtime.log = pino({ base: undefined }, { write: (line: string) => void lines.push(line) });
  after(() => {
    runtime.log = previousLog;
  });

  test("fail with one message naming what could not be loaded, the cause attached and logged", async () => {
    const cause = new Error("disk I/O error");
    const load = pageLoader(
      (id: string) => `session ${id}`,
      async (_id: string) => {
        throw cause;
      },
    );
    await assert.rejects(load("ses_1"), (error: Error) => {
      assert.equal(error.message, "Could not load session ses_1.");
      assert.equal(error.cause, cause);
      return true;
    });
    const logged = JSON.parse(lines.at(-1) ?? "{}");
    assert.equal(logged.msg, "could not load session ses_1");
    assert.equal(logged.err.message, "disk I/O error");
  });

  test("the board's loader, with no database open", async () => {
    assert.equal(runtime.db, undefined);
    await assert.rejects(loadBoard(parseBoardView({})), (error: Error) => {
      assert.equal(error.message, "Could not load the board.");
      assert.match((error.cause as Error).message, /database is not open/);
      return true;
    });
  });
});
