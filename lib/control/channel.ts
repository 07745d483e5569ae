import type { WebSocket } from "ws";
import type { CommandRow } from "../db/schema";
import { getLog } from "../log";
import { expireCommands, getCommandRow, openCommandsFor, toCommandFrame, updateCommand } from "./commands";
import { type HelloFrame, MAX_FRAME_BYTES, type PluginFrame, pluginFrame } from "./protocol";

/** A plugin that has not said hello by then is not a plugin. */
const HELLO_TIMEOUT_MS = 10_000;
/** Pings find connections that died without a close (a laptop lid, a NAT timeout). */
const PING_EVERY_MS = 30_000;
const EXPIRE_EVERY_MS = 5_000;
/** More sessions than one OpenCode process runs in weeks: past it, a connection is misbehaving. */
const MAX_OWNED_PER_CONNECTION = 20_000;
/** Commands are small and rare: a plugin with this much unread has stopped reading. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Ended `opencode run` sessions remembered (oldest forgotten first): weeks of runs on a busy fleet. */
const ENDED_RUNS_REMEMBERED = 10_000;
/** Closing codes from RFC 6455. */
const POLICY_VIOLATION = 1008;
const GOING_AWAY = 1001;

export type Connection = HelloFrame & { sessions: Set<string>; alive: boolean; address: string };

/**
 * The live control connections (docs/control.md): which OpenCode process owns which session, and
 * the way commands reach it. One per server process, in lib/runtime.ts; server.ts hands it each
 * authenticated WebSocket on /control.
 */
export class ControlChannel {
  private readonly sockets = new Map<WebSocket, Connection | null>();
  private readonly owners = new Map<string, { ws: WebSocket; connection: Connection }>();
  /**
   * Sessions last owned by an `opencode run` whose connection closed: that process exits with its
   * turn, so nothing will come back for them (unless another process owns them again).
   */
  private readonly endedRuns = new Set<string>();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly onChange: () => void = () => {}) {
    const ping = setInterval(() => this.pingAll(), PING_EVERY_MS);
    const expire = setInterval(() => {
      try {
        expireCommands();
      } catch (error) {
        getLog().warn({ err: error }, "control: expiring commands failed; retrying");
      }
    }, EXPIRE_EVERY_MS);
    ping.unref();
    expire.unref();
    this.timers.push(ping, expire);
  }

  static readonly maxPayload = MAX_FRAME_BYTES;

  accept(ws: WebSocket, address: string) {
    this.sockets.set(ws, null);
    const helloTimer = setTimeout(() => ws.close(POLICY_VIOLATION, "expected hello"), HELLO_TIMEOUT_MS);
    helloTimer.unref();
    ws.on("pong", () => {
      const connection = this.sockets.get(ws);
      if (connection) connection.alive = true;
    });
    ws.on("message", (data, isBinary) => {
      let frame: PluginFrame;
      try {
        const parsed = pluginFrame.safeParse(JSON.parse(isBinary ? "" : data.toString()));
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          ws.close(POLICY_VIOLATION, `${issue.path.join(".") || "frame"}: ${issue.message}`.slice(0, 120));
          return;
        }
        frame = parsed.data;
      } catch {
        ws.close(POLICY_VIOLATION, "frames are JSON text");
        return;
      }
      if (frame.type === "hello") {
        clearTimeout(helloTimer);
        this.sockets.set(ws, { ...frame, sessions: new Set(), alive: true, address });
        this.send(ws, { type: "welcome", serverTime: Date.now() });
        this.onChange();
        return;
      }
      const connection = this.sockets.get(ws);
      if (!connection) {
        ws.close(POLICY_VIOLATION, "expected hello");
        return;
      }
      try {
        this.handle(ws, connection, frame);
      } catch (error) {
        getLog().error({ err: error }, "control: a plugin frame could not be handled");
      }
    });
    ws.on("close", () => {
      clearTimeout(helloTimer);
      const connection = this.sockets.get(ws);
      this.sockets.delete(ws);
      if (!connection) return;
      for (const id of connection.sessions) {
        if (this.owners.get(id)?.ws !== ws) continue;
        this.owners.delete(id);
        if (connection.mode === "run") this.rememberEndedRun(id);
      }
      this.onChange();
    });
    ws.on("error", (error) => getLog().debug({ err: error }, "control: connection error"));
  }

  private handle(ws: WebSocket, connection: Connection, frame: Exclude<PluginFrame, HelloFrame>) {
    switch (frame.type) {
      case "own": {
        if (connection.sessions.size + frame.sessionIds.length > MAX_OWNED_PER_CONNECTION) {
          ws.close(POLICY_VIOLATION, `more than ${MAX_OWNED_PER_CONNECTION} sessions`);
          return;
        }
        const fresh = frame.sessionIds.filter((id) => this.owners.get(id)?.ws !== ws);
        for (const id of frame.sessionIds) {
          connection.sessions.add(id);
          this.owners.set(id, { ws, connection });
          this.endedRuns.delete(id);
        }
        // Whatever waited for these sessions goes out now, in the order it was issued.
        for (const row of openCommandsFor(frame.sessionIds)) this.send(ws, toCommandFrame(row));
        if (fresh.length) this.onChange();
        return;
      }
      case "received":
      case "result": {
        const row = getCommandRow(frame.commandId);
        // A plugin reports only on commands for sessions it owns: one machine cannot mark
        // another machine's commands done.
        if (!row || !connection.sessions.has(row.session_id)) return;
        if (frame.type === "received") updateCommand(row.id, "delivered");
        else updateCommand(row.id, frame.status, frame.reason ?? null);
        return;
      }
    }
  }

  /** The live connection that owns a session, if any. */
  ownerOf(sessionId: string): Connection | undefined {
    return this.owners.get(sessionId)?.connection;
  }

  /** Whether the session's last owner was an `opencode run` that has ended. */
  ranAndEnded(sessionId: string): boolean {
    return this.endedRuns.has(sessionId);
  }

  private rememberEndedRun(sessionId: string) {
    this.endedRuns.add(sessionId);
    if (this.endedRuns.size > ENDED_RUNS_REMEMBERED) this.endedRuns.delete(this.endedRuns.values().next().value!);
  }

  /** Sends a command to its session's owner; false when none is connected (it waits). */
  deliver(row: CommandRow): boolean {
    const owner = this.owners.get(row.session_id);
    if (!owner) return false;
    this.send(owner.ws, toCommandFrame(row));
    return true;
  }

  private send(ws: WebSocket, frame: object) {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      // Its commands stay open in the database and go out again when it reconnects.
      ws.terminate();
      return;
    }
    ws.send(JSON.stringify(frame));
  }

  private pingAll() {
    for (const [ws, connection] of this.sockets) {
      if (connection && !connection.alive) {
        ws.terminate();
        continue;
      }
      if (connection) connection.alive = false;
      ws.ping();
    }
  }

  close() {
    this.timers.forEach(clearInterval);
    for (const ws of this.sockets.keys()) ws.close(GOING_AWAY, "server stopping");
  }
}
