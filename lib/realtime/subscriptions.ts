import type { Socket } from "socket.io";
import { sessionIdSchema } from "../sessions/id";
import {
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SubscriptionAnswer,
  type SyncAnswer,
  sessionRoom,
} from "./messages";

/**
 * How many session timelines one connection may watch at once. A dashboard tab watches the one
 * session it shows; the cap bounds what a misbehaving client makes the server hold and fan out.
 */
const MAX_SUBSCRIPTIONS_PER_CLIENT = 50;

/**
 * The largest message a client may send (socket.io's `maxHttpBufferSize`, for WebSocket frames and
 * polling bodies alike). Clients only send subscribe and unsubscribe with an id of at most 200
 * characters; this leaves room for a polling client's batch of them, and nothing more.
 */
export const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;

type DashboardSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

const invalid = (message: string): SubscriptionAnswer => ({
  error: { code: "invalid_parameter", message: `sessionId: ${message}` },
});

/** `subscribe` / `unsubscribe`: join or leave a session's room, validated and capped per connection. */
export function handleSubscriptions(socket: DashboardSocket) {
  const watched = new Set<string>();

  function subscribe(value: unknown): SubscriptionAnswer {
    const id = sessionIdSchema.safeParse(value);
    if (!id.success) return invalid(id.error.issues[0].message);
    if (!watched.has(id.data) && watched.size >= MAX_SUBSCRIPTIONS_PER_CLIENT) {
      return {
        error: {
          code: "too_many_subscriptions",
          message: `a connection may watch at most ${MAX_SUBSCRIPTIONS_PER_CLIENT} sessions; unsubscribe from one first`,
        },
      };
    }
    watched.add(id.data);
    void socket.join(sessionRoom(id.data));
    return { ok: true };
  }

  function unsubscribe(value: unknown): SubscriptionAnswer {
    const id = sessionIdSchema.safeParse(value);
    if (!id.success) return invalid(id.error.issues[0].message);
    watched.delete(id.data);
    void socket.leave(sessionRoom(id.data));
    return { ok: true };
  }

  // The client decides the arguments: an acknowledgement, when asked for, is the last one.
  const answering =
    (handle: (value: unknown) => SubscriptionAnswer) =>
    (...args: unknown[]) => {
      const answer = handle(args[0]);
      const ack = args.length > 1 ? args.at(-1) : undefined;
      if (typeof ack === "function") ack(answer);
    };
  socket.on("subscribe", answering(subscribe));
  socket.on("unsubscribe", answering(unsubscribe));
}

/**
 * `sync`: the server's change count (Hub.version) now. A page compares it with the count it was
 * rendered at, after it has subscribed, to learn whether a change slipped in while it loaded.
 */
export function handleSync(socket: DashboardSocket, version: () => number) {
  socket.on("sync", (...args: unknown[]) => {
    const ack = args.at(-1);
    if (typeof ack === "function") ack({ version: version() } satisfies SyncAnswer);
  });
}
