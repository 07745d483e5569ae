"use client";

import { createContext, useContext, useEffect, useRef, useSyncExternalStore } from "react";
import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "@/lib/realtime/messages";
import { serverNow } from "../server-clock";

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type LiveState = "connecting" | "live" | "offline";

type Live = {
  socket: LiveSocket | null;
  state: LiveState;
  /** Bumps on every (re)connect: views re-sync then. */ epoch: number;
  /** When the connection was lost (null while live or before the first connection): what is shown dates from then. */
  offlineSince: number | null;
};

const NOT_CONNECTED: Live = { socket: null, state: "connecting", epoch: 0, offlineSince: null };
const LiveContext = createContext<Live>(NOT_CONNECTED);

/**
 * The tab's connection as a store: opened by the first subscriber, closed when the last one
 * leaves; each change replaces the snapshot, so React sees it.
 */
let live = NOT_CONNECTED;
const listeners = new Set<() => void>();

function update(change: (current: Live) => Live) {
  live = change(live);
  for (const listener of listeners) listener();
}

function connect(): LiveSocket {
  const socket: LiveSocket = io({ path: "/socket.io", transports: ["websocket", "polling"], withCredentials: true });
  // Only the current socket speaks for the tab: one closed meanwhile changes nothing.
  const current = () => live.socket === socket;
  const lost = (l: Live): Live => ({ ...l, state: "offline", offlineSince: l.offlineSince ?? serverNow() });
  socket.on(
    "connect",
    () => current() && update((l) => ({ ...l, state: "live", epoch: l.epoch + 1, offlineSince: null })),
  );
  socket.on("disconnect", () => current() && update(lost));
  socket.on("connect_error", (error) => {
    if (!current()) return;
    update(lost);
    // The login expired or the password changed: back to the login page. A full page load, not a
    // client navigation, so nothing of the signed-in pages (router cache, this socket) stays.
    if (error.message === "unauthorized") {
      const login = new URL(`/login?callbackUrl=${encodeURIComponent(location.pathname)}`, location.origin);
      location.assign(login.href);
    }
  });
  return socket;
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  if (!live.socket) update((l) => ({ ...l, socket: connect() }));
  return () => {
    listeners.delete(listener);
    if (listeners.size > 0) return;
    const socket = live.socket;
    live = NOT_CONNECTED;
    socket?.close();
  };
}

/** One socket.io connection per tab, authenticated by the login cookie, shared by every view. */
export function LiveProvider({ children }: { children: React.ReactNode }) {
  const value = useSyncExternalStore(
    subscribe,
    () => live,
    () => NOT_CONNECTED,
  );
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLive() {
  return useContext(LiveContext);
}

/** Subscribes a handler to a server event for as long as the component is mounted. */
export function useLiveEvent<E extends keyof ServerToClientEvents>(event: E, handler: ServerToClientEvents[E]) {
  const { socket } = useLive();
  useEffect(() => {
    if (!socket) return;
    socket.on(event, handler as never);
    return () => {
      socket.off(event, handler as never);
    };
  }, [socket, event, handler]);
}

/**
 * Calls `catchUp` whenever this view may have missed a push: after every reconnect, and on the
 * view's first connection when the server's change count (`sync`) differs from
 * `renderedVersion`, the count its data was rendered at: a change made between the server render
 * and the socket's subscription is not lost. Views subscribe in effects declared before this one,
 * so the server has them subscribed before it answers. Only the first connection compares: data
 * the catch-up itself brings (a refresh renders a newer count) must not ask again, or a busy fleet,
 * whose count never stands still, would keep the view fetching.
 */
export function useCatchUp(renderedVersion: number, catchUp: () => void) {
  const { socket, epoch } = useLive();
  const latest = useRef({ catchUp, renderedVersion });
  useEffect(() => {
    latest.current = { catchUp, renderedVersion };
  });
  const seenEpoch = useRef<number | null>(null);
  useEffect(() => {
    if (!socket || epoch === 0 || seenEpoch.current === epoch) return;
    const first = seenEpoch.current === null;
    seenEpoch.current = epoch;
    if (!first) return latest.current.catchUp();
    const rendered = latest.current.renderedVersion;
    socket.emit("sync", ({ version }) => {
      if (version !== rendered) latest.current.catchUp();
    });
  }, [socket, epoch]);
}

/**
 * The moment to judge hosts offline at (lib/sessions/active.ts). While this dashboard is
 * disconnected no heartbeat can reach it: hosts are judged as of the moment the connection was
 * lost, or every host would look offline once the window passed.
 */
export function useHostsJudgedAt(now: number) {
  const { state, offlineSince } = useLive();
  return state === "offline" && offlineSince !== null ? Math.min(now, offlineSince) : now;
}
