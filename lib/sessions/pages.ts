import { getConfig } from "../config";
import { pageLoader } from "../http/page-loader";
import { type HostClock, listHostClocks } from "../instances/item";
import { listHostnames } from "../instances/queries";
import { getDb, liveVersion } from "../runtime";
import { activeSql, type SessionState } from "./active";
import { getSessionDetail } from "./detail";
import { listBlocked, listSessions, type SessionPage } from "./list";
import type { SessionListItem } from "./list-item";
import { sessionListParams, timelineParams } from "./params";
import { type BoardView, boardListQuery, sessionTimelineQuery } from "./views";

/** The loaders of the board and a session's page, and the queries only they make. */

/**
 * Every active session (./active.ts) not deleted in OpenCode: the counters on top of the board
 * count these across all sessions, whatever the list below is filtered to, less those whose host
 * is offline (judged in the browser against its clock, as hosts come and go).
 */
async function listActiveSessionStates(): Promise<SessionState[]> {
  const rows = await getDb()
    .kysely.selectFrom("sessions")
    .select(["id", "hostname", "status", "attention_reason"])
    .where(activeSql)
    .where("deleted_at", "is", null)
    .execute();
  return rows.map((r) => ({ id: r.id, hostname: r.hostname, status: r.status, attention: r.attention_reason }));
}

async function hasAnySession(): Promise<boolean> {
  const row = await getDb().kysely.selectFrom("sessions").select("id").limit(1).executeTakeFirst();
  return row !== undefined;
}

/**
 * The setup steps until a first session has arrived, then the list, the blocked sessions pinned
 * above it (their own query: no page of history hides them), the counters and the host filter's
 * choices; `version` is the live push's change count from before anything was read.
 */
export type BoardPage = { version: number } & (
  | { kind: "setup"; apiKey: string }
  | {
      kind: "board";
      initial: SessionPage;
      blocked: SessionListItem[];
      states: SessionState[];
      hosts: string[];
      hostClocks: HostClock[];
    }
);

export const loadBoard = pageLoader("the board", async (view: BoardView): Promise<BoardPage> => {
  // Taken first: a change committed while the queries run makes the page's first socket catch up.
  const version = liveVersion();
  const params = sessionListParams.parse(Object.fromEntries(boardListQuery(view)));
  const [initial, blocked, states, hosts, hostClocks, anySession] = await Promise.all([
    listSessions(params),
    listBlocked(params),
    listActiveSessionStates(),
    listHostnames(),
    listHostClocks(),
    hasAnySession(),
  ]);
  if (!anySession) return { kind: "setup", apiKey: getConfig().apiKey, version };
  return { kind: "board", initial, blocked, states, hosts, hostClocks, version };
});

/**
 * A session with the newest page of its timeline, its host's clock (is it stale?) and the live
 * push's change count from before it was read (see loadBoard); null when there is no such session.
 */
export const loadSessionPage = pageLoader(
  (id: string) => `session ${id}`,
  async (id: string) => {
    const version = liveVersion();
    const detail = await getSessionDetail(id, timelineParams.parse(Object.fromEntries(sessionTimelineQuery())));
    if (!detail) return null;
    const clocks = await listHostClocks();
    const hostClock = clocks.find((c) => c.hostname === detail.session.hostname) ?? null;
    return { detail, hostClock, version };
  },
);
