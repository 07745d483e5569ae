import type { Server } from "socket.io";
import { toCommandItem } from "../control/commands";
import type { CommandRow } from "../db/schema";
import { getInstanceItems } from "../instances/item";
import { getSessionListItems } from "../sessions/list-item";
import { toTimelineEntry } from "../sessions/timeline";
import type { Hub, IngestChanges } from "./changes";
import { type ClientToServerEvents, type ServerToClientEvents, loginRoom, sessionRoom } from "./messages";

export type DashboardServer = Server<ClientToServerEvents, ServerToClientEvents>;

/**
 * Turns committed batches into socket.io messages. Timeline entries and attention changes go out
 * at once; session rows are throttled to one per session per window (first change immediately,
 * the latest state at the end of the window), since one busy session can produce hundreds of
 * events a second and the board only needs its current row.
 */
export function createPublisher(
  io: DashboardServer,
  windowMs = 100,
  onError: (e: unknown) => void = () => {},
): Hub & { close(): void } {
  const lastSent = new Map<string, number>();
  const pending = new Set<string>();
  const pendingHosts = new Set<string>();
  let hostsTimer: NodeJS.Timeout | undefined;
  // Building and encoding a message nobody receives is most of the push's cost under load.
  const anyoneIn = (room: string) => (io.sockets.adapter.rooms.get(room)?.size ?? 0) > 0;
  const anyoneConnected = () => io.engine.clientsCount > 0;

  function flushHosts() {
    hostsTimer = undefined;
    const hosts = [...pendingHosts];
    pendingHosts.clear();
    if (!anyoneConnected()) return;
    getInstanceItems(hosts)
      .then((rows) => rows.forEach((row) => io.emit("instance:upsert", row)))
      .catch(onError);
  }
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let closed = false;
  // Counts every change, also those no socket was connected to receive (see Hub.version).
  let version = 0;

  async function flush() {
    immediate = undefined;
    if (timer) clearTimeout(timer);
    timer = undefined;
    const now = Date.now();
    const due: string[] = [];
    let nextAt = Infinity;
    for (const id of pending) {
      const last = lastSent.get(id) ?? -Infinity;
      if (now - last >= windowMs) due.push(id);
      else nextAt = Math.min(nextAt, last + windowMs);
    }
    for (const id of due) {
      pending.delete(id);
      lastSent.set(id, now);
    }
    for (const [id, at] of lastSent) if (now - at >= windowMs && !pending.has(id)) lastSent.delete(id);
    if (pending.size > 0 && !closed) timer = setTimeout(() => void flush(), Math.max(1, nextAt - now));
    if (due.length === 0 || !anyoneConnected()) return;
    try {
      for (const row of await getSessionListItems(due)) io.emit("session:upsert", row);
    } catch (error) {
      onError(error);
    }
  }

  function push(changes: IngestChanges) {
    const bySession = new Map<string, ReturnType<typeof toTimelineEntry>[]>();
    for (const row of changes.timeline) {
      const list = bySession.get(row.session_id) ?? [];
      list.push(toTimelineEntry(row));
      bySession.set(row.session_id, list);
    }
    for (const [sessionId, entries] of bySession) {
      io.to(sessionRoom(sessionId)).emit("timeline:append", { sessionId, entries });
    }
    for (const change of anyoneConnected() ? changes.attention.values() : []) {
      const { sessionId, reason, detail, since, previous } = change;
      io.emit("attention", { sessionId, reason, detail, since, previous });
    }
    for (const id of changes.sessions) pending.add(id);
    if (pending.size > 0 && !immediate) immediate = setImmediate(() => void flush());
    // Hosts change slowly (last seen, heartbeat): one push per host per second is plenty.
    for (const host of changes.instances) pendingHosts.add(host);
    if (pendingHosts.size > 0 && !hostsTimer) hostsTimer = setTimeout(flushHosts, 1000);
  }

  return {
    publish(changes: IngestChanges) {
      if (closed) return;
      version += 1;
      try {
        push(changes);
      } catch (error) {
        onError(error);
      }
    },
    sessionRemoved(sessionId: string) {
      version += 1;
      pending.delete(sessionId);
      io.emit("session:remove", { id: sessionId });
    },
    commandChanged(command: CommandRow) {
      version += 1;
      if (!closed) io.emit("command", toCommandItem(command));
    },
    controlChanged() {
      version += 1;
      if (!closed) io.emit("control:changed");
    },
    loginEnded(loginId: string) {
      io.in(loginRoom(loginId)).disconnectSockets(true);
    },
    version: () => version,
    clientCount: () => io.engine.clientsCount,
    watching: (sessionId: string) => anyoneIn(sessionRoom(sessionId)),
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (hostsTimer) clearTimeout(hostsTimer);
      if (immediate) clearImmediate(immediate);
    },
  };
}
