import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { isPluginKey } from "../auth/secrets";
import { clientAddress } from "../http/client-address";
import { ControlChannel } from "./channel";

const CONTROL_PATH = "/control";

export const isControlUpgrade = (req: IncomingMessage) =>
  req.url === CONTROL_PATH || req.url?.startsWith(`${CONTROL_PATH}?`) === true;

/**
 * Accepts plugins' control WebSockets on /control (docs/control.md). The plugin key is checked
 * before the upgrade, so a wrong key costs one HTTP answer and never a WebSocket.
 */
export function createControlUpgrade(channel: ControlChannel) {
  const server = new WebSocketServer({ noServer: true, maxPayload: ControlChannel.maxPayload });
  return {
    handle(req: IncomingMessage, socket: Duplex, head: Buffer) {
      const key = req.headers["x-api-key"];
      if (!isPluginKey(Array.isArray(key) ? key[0] : (key ?? null))) {
        const body = JSON.stringify({
          error: { code: "unauthorized", message: "X-API-Key is missing or wrong (use the plugin API key)" },
        });
        socket.end(
          `HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
        return;
      }
      const address = clientAddress(req.headers, req.socket.remoteAddress);
      server.handleUpgrade(req, socket, head, (ws) => channel.accept(ws, address));
    },
    close() {
      channel.close();
      server.close();
    },
  };
}
