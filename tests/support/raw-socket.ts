import { randomBytes } from "node:crypto";
import net from "node:net";
import type { TestServer } from "./server";

/**
 * A socket.io client spoken by hand over a plain TCP socket (WebSocket framing, engine.io v4,
 * socket.io v5 packets), so a test can do what a hostile or broken client does and a library
 * client never would: stop reading while still sending, so the server's writes back up.
 */
export type RawSocket = {
  /** Sends one engine.io packet (`40…`, `42[…]`, `3`) as a masked WebSocket text frame. */
  send(packet: string): void;
  /** Stops reading: the kernel buffers fill, then the server's own buffers grow. */
  stopReading(): void;
  /** Answers the server's pings without reading them, so the server never times the client out. */
  pongEvery(ms: number): void;
  destroy(): void;
};

const OPCODE_TEXT = 0x81; // FIN + text
const MASKED = 0x80;
const TWO_BYTE_LENGTH = 126;
const EIGHT_BYTE_LENGTH = 127;

function textFrame(text: string): Buffer {
  const payload = Buffer.from(text, "utf8");
  const mask = randomBytes(4);
  let header: Buffer;
  if (payload.length < TWO_BYTE_LENGTH) {
    header = Buffer.from([OPCODE_TEXT, MASKED | payload.length]);
  } else if (payload.length <= 0xffff) {
    header = Buffer.alloc(4);
    header[0] = OPCODE_TEXT;
    header[1] = MASKED | TWO_BYTE_LENGTH;
    header.writeUInt16BE(payload.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = OPCODE_TEXT;
    header[1] = MASKED | EIGHT_BYTE_LENGTH;
    header.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
  return Buffer.concat([header, mask, payload]);
}

/** Opens the WebSocket transport and the default namespace with `auth`; resolves once connected. */
export async function openRawSocket(
  server: Pick<TestServer, "port">,
  auth: Record<string, unknown>,
): Promise<RawSocket> {
  const socket = net.connect(server.port, "127.0.0.1");
  let text = "";
  let pongs: NodeJS.Timeout | undefined;
  // Once the server has closed or reset the connection there is nobody left to answer.
  socket.on("error", () => clearInterval(pongs));
  socket.on("close", () => clearInterval(pongs));
  socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
  socket.write(
    "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n" +
      `Host: 127.0.0.1:${server.port}\r\n` +
      "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
      `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\n\r\n`,
  );
  const raw: RawSocket = {
    send: (packet) => void socket.write(textFrame(packet)),
    stopReading: () => void socket.pause(),
    pongEvery(ms) {
      pongs = setInterval(() => socket.write(textFrame("3")), ms);
    },
    destroy() {
      clearInterval(pongs);
      socket.destroy();
    },
  };
  await waitFor(() => text.includes("0{"), "the engine.io open packet");
  raw.send("40" + JSON.stringify(auth));
  await waitFor(() => text.includes('40{"sid"') || text.includes("44{"), "the namespace connect answer");
  if (!text.includes('40{"sid"')) {
    socket.destroy();
    throw new Error(`connect refused: ${JSON.stringify(text.slice(text.indexOf("44{"), text.indexOf("44{") + 200))}`);
  }
  return raw;

  async function waitFor(done: () => boolean, what: string) {
    const deadline = Date.now() + 5000;
    while (!done()) {
      if (socket.destroyed) throw new Error(`connection closed before ${what}: ${JSON.stringify(text.slice(0, 300))}`);
      if (Date.now() > deadline) throw new Error(`no ${what} within 5 s: ${JSON.stringify(text.slice(0, 300))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
