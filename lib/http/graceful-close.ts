import type { IncomingMessage, Server, ServerResponse } from "node:http";
import net, { type Socket } from "node:net";

/**
 * A connection that has just answered keeps this long for the request its client may already be
 * sending on it. Closing a keep-alive connection the moment it goes idle races that request: it
 * arrives on a closed socket and the client sees a reset, with no way to know whether it was
 * handled. Under load every client is in that window all the time.
 */
const IDLE_GRACE_MS = 250;

type Connection = { active: Set<ServerResponse>; idleSince: number; timer?: NodeJS.Timeout };

export type ConnectionCloser = {
  /**
   * Stops accepting connections at once; requests in flight, and any that arrive on an open
   * connection meanwhile, are answered with `Connection: close`; idle connections are closed
   * (after IDLE_GRACE_MS since their last answer). Resolves true when every HTTP connection is
   * closed, or false at the deadline, when those left are destroyed.
   */
  close(deadlineMs: number): Promise<boolean>;
};

/**
 * Tracks an http.Server's connections from the start, so a shutdown knows which are idle.
 * Upgraded connections (socket.io's websockets) leave the tracking: their owner closes them.
 */
export function trackConnections(server: Server): ConnectionCloser {
  const connections = new Map<Socket, Connection>();
  let closing = false;
  let drained: (() => void) | undefined;

  const closeWhenIdle = (socket: Socket, connection: Connection) => {
    clearTimeout(connection.timer);
    const wait = Math.max(0, connection.idleSince + IDLE_GRACE_MS - Date.now());
    connection.timer = setTimeout(() => connection.active.size === 0 && socket.destroy(), wait);
  };
  const forget = (socket: Socket) => {
    clearTimeout(connections.get(socket)?.timer);
    connections.delete(socket);
    if (closing && connections.size === 0) drained?.();
  };

  server.on("connection", (socket: Socket) => {
    const connection: Connection = { active: new Set(), idleSince: Date.now() };
    connections.set(socket, connection);
    if (closing) closeWhenIdle(socket, connection);
    socket.once("close", () => forget(socket));
  });
  // Before the app's own handler, which may answer at once.
  server.prependListener("request", (req: IncomingMessage, res: ServerResponse) => {
    const connection = connections.get(req.socket);
    if (!connection) return;
    clearTimeout(connection.timer);
    connection.active.add(res);
    if (closing) res.setHeader("connection", "close");
    res.once("close", () => {
      connection.active.delete(res);
      if (connection.active.size > 0) return;
      connection.idleSince = Date.now();
      if (closing) closeWhenIdle(req.socket, connection);
    });
  });
  server.on("upgrade", (req: IncomingMessage) => forget(req.socket));

  return {
    close(deadlineMs) {
      closing = true;
      // http.Server#close would also destroy idle connections at once (Node >= 19): the race
      // described at IDLE_GRACE_MS. Only the listening socket is closed here.
      net.Server.prototype.close.call(server);
      for (const [socket, connection] of connections) {
        if (connection.active.size === 0) closeWhenIdle(socket, connection);
        for (const res of connection.active) if (!res.headersSent) res.setHeader("connection", "close");
      }
      if (connections.size === 0) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const deadline = setTimeout(() => {
          drained = undefined;
          for (const socket of connections.keys()) socket.destroy();
          resolve(false);
        }, deadlineMs);
        drained = () => {
          clearTimeout(deadline);
          resolve(true);
        };
      });
    },
  };
}
