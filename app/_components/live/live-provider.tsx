"use client";

import { createContext, useContext, useEffect, useState } from "react";
import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "@/lib/realtime/messages";

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type LiveState = "connecting" | "live" | "offline";

type Live = {
  socket: LiveSocket | null;
  state: LiveState;
  /** Bumps on every (re)connect: views re-sync then. */ epoch: number;
};

const LiveContext = createContext<Live>({ socket: null, state: "connecting", epoch: 0 });

/** One socket.io connection per tab, authenticated by the login cookie, shared by every view. */
export function LiveProvider({ children }: { children: React.ReactNode }) {
  const [live, setLive] = useState<Live>({ socket: null, state: "connecting", epoch: 0 });

  useEffect(() => {
    const socket: LiveSocket = io({ path: "/socket.io", transports: ["websocket", "polling"], withCredentials: true });
    setLive((l) => ({ ...l, socket }));
    socket.on("connect", () => setLive((l) => ({ ...l, state: "live", epoch: l.epoch + 1 })));
    socket.on("disconnect", () => setLive((l) => ({ ...l, state: "offline" })));
    socket.on("connect_error", (error) => {
      setLive((l) => ({ ...l, state: "offline" }));
      // The login expired or the password changed: back to the login page.
      if (error.message === "unauthorized")
        location.assign(`/login?callbackUrl=${encodeURIComponent(location.pathname)}`);
    });
    return () => {
      socket.close();
    };
  }, []);

  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
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
