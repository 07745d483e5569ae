import type { IncomingMessage } from "node:http";
import type { Server } from "socket.io";
import { clientAddress, clientKey } from "../http/client-address";

type EngineSocket = { request: IncomingMessage; once(event: "close", listener: () => void): void };

/**
 * Open live connections per client address (clientKey: an IPv6 /64 counts as one). An engine.io
 * connection exists from its first request, before socket.io's authentication runs, so without a
 * cap one address could open tens of thousands of them (each held until it times out) without
 * signing in. A browser opens one per dashboard tab. `onCapped` hears an address once each time it
 * reaches the cap, not once per refusal.
 */
export function connectionCap(max: number, onCapped: (client: string) => void) {
  const open = new Map<string, number>();
  const capped = new Set<string>();
  const keyOf = (req: IncomingMessage) => clientKey(clientAddress(req.headers, req.socket.remoteAddress));
  return {
    /** For allowRequest: whether this request's client may open another connection. */
    allows(req: IncomingMessage) {
      const key = keyOf(req);
      if ((open.get(key) ?? 0) < max) return true;
      if (!capped.has(key)) {
        capped.add(key);
        onCapped(key);
      }
      return false;
    },
    /** Counts the engine's connections as they open and close. */
    track(io: Server) {
      io.engine.on("connection", (socket: EngineSocket) => {
        const key = keyOf(socket.request);
        open.set(key, (open.get(key) ?? 0) + 1);
        socket.once("close", () => {
          const left = (open.get(key) ?? 1) - 1;
          if (left > 0) open.set(key, left);
          else open.delete(key);
          capped.delete(key);
        });
      });
    },
  };
}
