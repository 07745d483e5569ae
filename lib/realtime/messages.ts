import type { CommandItem } from "../control/commands";
import type { InstanceItem } from "../instances/item";
import type { AttentionChange } from "./changes";
import type { SessionListItem } from "../sessions/list-item";
import type { TimelineEntry } from "../sessions/timeline";

/** What the server pushes to dashboards over socket.io, and what they may ask for. */

/** An attention change as dashboards see it: without the pending request it refers to. */
export type AttentionMessage = Omit<AttentionChange, "ref">;

export interface ServerToClientEvents {
  "session:upsert": (session: SessionListItem) => void;
  "session:remove": (payload: { id: string }) => void;
  "timeline:append": (payload: { sessionId: string; entries: TimelineEntry[] }) => void;
  attention: (payload: AttentionMessage) => void;
  "instance:upsert": (instance: InstanceItem) => void;
  /** A dashboard command was issued or moved on (docs/control.md). */
  command: (command: CommandItem) => void;
  /** What can be acted on changed: ask GET /api/control again. */
  "control:changed": () => void;
}

/** The answer to `subscribe` / `unsubscribe` when the client asks for one (an acknowledgement). */
export type SubscriptionAnswer =
  { ok: true } | { error: { code: "invalid_parameter" | "too_many_subscriptions"; message: string } };

export interface ClientToServerEvents {
  subscribe: (sessionId: string, answer?: (result: SubscriptionAnswer) => void) => void;
  unsubscribe: (sessionId: string, answer?: (result: SubscriptionAnswer) => void) => void;
  /** The server's change count now (Hub.version), to compare with the one a page was rendered at. */
  sync: (answer: (state: SyncAnswer) => void) => void;
}

export type SyncAnswer = { version: number };

export const sessionRoom = (sessionId: string) => `session:${sessionId}`;
/** The sockets a browser opened with one login's cookie, so that signing out can close them. */
export const loginRoom = (loginId: string) => `login:${loginId}`;
