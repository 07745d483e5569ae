import type { Socket } from "socket.io";

/**
 * How much may wait to be sent to one client before it is dropped. A client that stops reading
 * (a stalled network, a suspended laptop, or one that answers pings and reads nothing) would
 * otherwise make the server keep every message for it, without bound. A dropped dashboard
 * reconnects and catches up over HTTP. Well above one batch's push (about its body: at most
 * 1 MB), so a client that reads, if slowly, rides out a burst.
 */
const MAX_BUFFERED_CHARS_PER_CLIENT = 8 * 1024 * 1024;

type Packet = { data?: string | Buffer | ArrayBuffer | ArrayBufferView };

/** Characters, not bytes: what the queued strings hold; the same for the mostly-ASCII JSON pushed. */
const sizeOf = (packet: Packet) =>
  typeof packet.data === "string" ? packet.data.length : (packet.data?.byteLength ?? 0);

/**
 * Counts what waits for this client in user space and closes its connection past `limit`.
 * engine.io queues packets while its transport is busy with the previous write, then hands the
 * whole queue to the transport at once (its "flush" event); a WebSocket transport is busy until
 * the kernel took that write, a polling one until the client's next GET. So what waits is what
 * was queued since the last flush, plus that flush's write while the transport is still busy
 * (for polling, the last response already sent is counted until the next GET: a small overcount).
 */
export function dropWhenBacklogged(
  socket: Socket,
  onDrop: (buffered: number) => void,
  limit = MAX_BUFFERED_CHARS_PER_CLIENT,
) {
  const conn = socket.conn;
  let queued = 0;
  let writing = 0;
  let dropped = false;
  conn.on("packetCreate", (packet: Packet) => {
    if (dropped) return;
    queued += sizeOf(packet);
    const buffered = queued + (conn.transport.writable ? 0 : writing);
    if (buffered <= limit) return;
    dropped = true;
    onDrop(buffered);
    // Closed after the broadcast that is running, which is iterating over the rooms this socket
    // leaves. `true` discards the queue: a plain close waits for it to drain, which it never does.
    process.nextTick(() => conn.close(true));
  });
  conn.on("flush", () => {
    writing = queued;
    queued = 0;
  });
}
