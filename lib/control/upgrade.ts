import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { checkPluginKey, pluginKeyLimitedMessage } from "../auth/plugin-key-check";
import { clientAddress } from "../http/client-address";
import { ControlChannel } from "./channel";

const CONTROL_PATH = "/control";

export const isControlUpgrade = (req: IncomingMessage) =>
  req.url === CONTROL_PATH || req.url?.startsWith(`${CONTROL_PATH}?`) === true;

/** A plain HTTP answer to an upgrade request that is refused; the socket is closed after it. */
function refuse(socket: Duplex, status: string, error: object, headers: Record<string, string> = {}) {
  const body = JSON.stringify({ error });
  const head = Object.entries({ ...headers, "Content-Type": "application/json" })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  socket.end(
    `HTTP/1.1 ${status}\r\n${head}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Accepts plugins' control WebSockets on /control (docs/control.md). The plugin key is checked
 * before the upgrade, so a wrong key costs one HTTP answer and never a WebSocket; wrong keys count
 * against the same per-address limit as POST /events.
 */
export function createControlUpgrade(channel: ControlChannel) {
  const server = new WebSocketServer({ noServer: true, maxPayload: ControlChannel.maxPayload });
  return {
    handle(req: IncomingMessage, socket: Duplex, head: Buffer) {
      const key = req.headers["x-api-key"];
      const address = clientAddress(req.headers, req.socket.remoteAddress);
      const check = checkPluginKey(Array.isArray(key) ? key[0] : (key ?? null), address);
      if (check.result === "limited") {
        const { retryAfter } = check;
        const message = pluginKeyLimitedMessage(retryAfter);
        refuse(
          socket,
          "429 Too Many Requests",
          { code: "rate_limited", message },
          { "Retry-After": String(retryAfter) },
        );
        return;
      }
      if (check.result === "rejected") {
        const message = "X-API-Key is missing or wrong (use the plugin API key)";
        refuse(socket, "401 Unauthorized", { code: "unauthorized", message });
        return;
      }
      server.handleUpgrade(req, socket, head, (ws) => channel.accept(ws, address));
    },
    close() {
      channel.close();
      server.close();
    },
  };
}
