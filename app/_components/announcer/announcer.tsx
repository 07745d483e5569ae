"use client";

import { usePathname } from "next/navigation";
import { useEffect, useId, useRef, useState, useSyncExternalStore } from "react";
import { createLeaderElection, type LeaderElection } from "@/lib/announce/leader";
import { createAnnouncementQueue, type KnownSession, type SessionAttention } from "@/lib/announce/queue";
import type { AttentionMessage } from "@/lib/realtime/messages";
import { AnnouncerSettings } from "./announcer-settings";
import { PlaybackBlocked, say } from "./speaker";
import { loadStatus, readSettings, useAnnouncerSettings } from "./settings-store";

/** What the announcer needs of a socket.io client (the board's LiveSocket fits). */
type AnnouncerSocket = {
  on(event: "attention", handler: (message: AttentionMessage) => void): unknown;
  on(event: "session:upsert", handler: (session: AnnouncedSession) => void): unknown;
  off(event: "attention", handler: (message: AttentionMessage) => void): unknown;
  off(event: "session:upsert", handler: (session: AnnouncedSession) => void): unknown;
};

/** The parts of a SessionListItem the announcer reads. */
export type AnnouncedSession = KnownSession & { attention?: SessionAttention | null };

export type AnnouncerProps = {
  /** The page's socket.io connection (null while it is being made). */
  socket: AnnouncerSocket | null;
  /** Sessions known when the page loaded: their titles, and their current attention is not announced again. */
  sessions?: AnnouncedSession[];
  /** The session whose page this tab shows; by default read from the path (/sessions/<id>). */
  viewingSessionId?: string | null;
  /** The dashboard password for X-API-Key, for pages not signed in with the login cookie. */
  apiKey?: string;
  /** Show the speaker button with the settings panel (default true). */
  controls?: boolean;
};

/** Drawn inline: emoji fonts are missing on many Linux desktops and servers' screenshots. */
function SpeakerIcon({ muted }: { muted: boolean }) {
  return (
    <svg
      aria-hidden="true"
      viewBox="0 0 24 24"
      className="inline size-4 align-[-3px]"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      <path d="M11 5 6 9H3v6h3l5 4z" fill="currentColor" />
      {muted ? <path d="m17 9 5 6m0-6-5 6" /> : <path d="M15.5 8.5a5 5 0 0 1 0 7M18.5 5.5a9 9 0 0 1 0 13" />}
    </svg>
  );
}

function sessionIdFromPath(pathname: string | null) {
  const match = /^\/sessions\/([^/?#]+)/.exec(pathname ?? "");
  return match ? decodeURIComponent(match[1]) : null;
}

function subscribeVisibility(onChange: () => void) {
  document.addEventListener("visibilitychange", onChange);
  return () => document.removeEventListener("visibilitychange", onChange);
}

/** Whether this tab is visible; the server renders as if it were. */
function useVisible() {
  return useSyncExternalStore(
    subscribeVisibility,
    () => document.visibilityState === "visible",
    () => true,
  );
}

/**
 * Says out loud when a session starts waiting for its user: "vps-2, fix login bug: needs
 * permission to run bash". Mount it once on every dashboard page (it also tells the other tabs
 * which session this tab shows); only one open tab speaks.
 */
export function Announcer({ socket, sessions, viewingSessionId, apiKey, controls = true }: AnnouncerProps) {
  const pathname = usePathname();
  const viewing = viewingSessionId === undefined ? sessionIdFromPath(pathname) : viewingSessionId;
  const visible = useVisible();
  const [settings] = useAnnouncerSettings();
  const [blocked, setBlocked] = useState(false);
  const [open, setOpen] = useState(false);
  const [leader, setLeader] = useState(false);
  const [generation, setGeneration] = useState(0);
  const panelId = useId();
  const known = useRef(new Map<string, AnnouncedSession>());
  const election = useRef<LeaderElection | null>(null);
  const primed = useRef(false);
  const queueRef = useRef<ReturnType<typeof createAnnouncementQueue> | null>(null);
  const missed = useRef<string | null>(null);
  const apiKeyRef = useRef(apiKey);
  // The queue's callbacks and the socket's handlers outlive a render: they read the latest key.
  useEffect(() => {
    apiKeyRef.current = apiKey;
  }, [apiKey]);

  // Props fill in what the socket has not told yet; later session:upsert messages win.
  useEffect(() => {
    for (const s of sessions ?? []) if (!known.current.has(s.id)) known.current.set(s.id, s);
  }, [sessions]);

  // One election and one queue for the life of the page.
  useEffect(() => {
    const channel = typeof BroadcastChannel === "undefined" ? null : new BroadcastChannel("ocd-announcer");
    const e = createLeaderElection({ storage: localStorage, channel, onChange: setLeader });
    election.current = e;
    // Ask now rather than at the next heartbeat; the answer comes through onChange.
    e.isLeader();
    const queue = createAnnouncementQueue({
      lookup: (id) => known.current.get(id),
      reasons: () => readSettings().reasons,
      isLookingAt: (id) => e.isViewed(id),
      announce: ({ text }) => {
        const current = readSettings();
        if (current.muted || !e.isLeader()) return;
        void loadStatus(apiKeyRef.current)
          // DISABLE_TTS=true turns announcements off, the browser's voice included.
          .then((status) => (status.enabled ? say(text, current, status.engine, apiKeyRef.current) : undefined))
          .then(() => setBlocked(false))
          .catch((error: Error) => {
            if (error instanceof PlaybackBlocked) {
              missed.current = text;
              setBlocked(true);
            } else console.warn(`announcement failed: ${error.message}`);
          });
      },
    });
    queueRef.current = queue;
    const bye = () => e.close();
    // Back from the back/forward cache the page runs again, but its election was closed on pagehide.
    const back = (event: PageTransitionEvent) => event.persisted && setGeneration((g) => g + 1);
    window.addEventListener("pagehide", bye);
    window.addEventListener("pageshow", back);
    // Warm the server's model now rather than at the first announcement.
    void loadStatus(apiKeyRef.current);
    return () => {
      window.removeEventListener("pagehide", bye);
      window.removeEventListener("pageshow", back);
      queue.dispose();
      e.close();
      channel?.close();
      queueRef.current = null;
      primed.current = false; // a remount (React's strict mode) primes its new queue again
    };
  }, [generation]);

  useEffect(() => {
    if (primed.current || !sessions || !queueRef.current) return;
    primed.current = true;
    queueRef.current.prime(sessions.map((s) => ({ id: s.id, attention: s.attention ?? null })));
  }, [sessions, generation]);

  useEffect(() => {
    election.current?.setViewing(visible ? viewing : null);
  }, [viewing, visible, generation]);

  useEffect(() => {
    if (!socket) return;
    const onUpsert = (s: AnnouncedSession) => void known.current.set(s.id, s);
    const onAttention = (message: AttentionMessage) => {
      if (message.reason && !known.current.has(message.sessionId)) void fetchSession(message.sessionId);
      queueRef.current?.attention(message);
    };
    // A session not seen since the page loaded: its title and parent, before the window closes.
    const fetchSession = async (id: string) => {
      const res = await fetch(`/api/sessions/${encodeURIComponent(id)}?limit=1`, {
        headers: apiKeyRef.current ? { "x-api-key": apiKeyRef.current } : {},
      }).catch(() => null);
      if (!res?.ok) return;
      const detail = (await res.json()) as { session?: AnnouncedSession };
      if (detail.session && !known.current.has(id)) known.current.set(id, detail.session);
    };
    socket.on("session:upsert", onUpsert);
    socket.on("attention", onAttention);
    return () => {
      socket.off("session:upsert", onUpsert);
      socket.off("attention", onAttention);
    };
  }, [socket]);

  if (!controls) return null;
  const label = settings.muted ? "Announcements muted" : blocked ? "Sound blocked: click to enable" : "Announcements";
  return (
    <div className="relative">
      <button
        type="button"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={label}
        title={leader ? `${label} (this tab speaks)` : `${label} (another tab speaks)`}
        data-testid="announcer-toggle"
        onClick={() => {
          if (blocked) {
            // This click is the user gesture browsers want before they play sound: say what was missed.
            setBlocked(false);
            const text = missed.current;
            missed.current = null;
            if (text)
              void loadStatus(apiKeyRef.current)
                .then((status) => say(text, readSettings(), status.engine, apiKeyRef.current))
                .catch(() => setBlocked(true));
            return;
          }
          setOpen((o) => !o);
        }}
        className={`min-h-11 min-w-11 rounded-lg border px-2 py-1.5 text-sm hover:bg-raised sm:min-h-0 sm:min-w-0 focus-visible:ring-2 focus-visible:ring-accent/40 focus-visible:outline-none ${blocked ? "border-wait-line text-wait" : "border-line text-muted hover:text-ink"}`}
      >
        <SpeakerIcon muted={settings.muted} />
        {blocked && <span className="ml-1">Enable sound</span>}
      </button>
      {open && (
        <div
          id={panelId}
          // On a phone the button sits mid-bar: the panel spans the header's width (the header's
          // backdrop filter makes it the containing block of `fixed`) instead of hanging off-screen.
          className="fixed inset-x-3 top-full z-30 mt-2 max-h-[calc(100dvh-8rem)] overflow-y-auto rounded-[var(--radius-card)] border border-line bg-surface p-4 shadow-[var(--shadow-card)] sm:absolute sm:inset-x-auto sm:top-auto sm:right-0"
          onKeyDown={(e) => e.key === "Escape" && setOpen(false)}
        >
          <AnnouncerSettings apiKey={apiKey} />
        </div>
      )}
    </div>
  );
}
