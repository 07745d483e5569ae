/**
 * Which open dashboard tab speaks: one leader among the tabs of a browser, chosen through a lease
 * in localStorage (`{tab, expires}`), renewed by a heartbeat. A tab that closes hands over at once
 * (it clears the lease and says so on a BroadcastChannel); a tab that dies is replaced when its
 * lease runs out. The same channel carries what each visible tab is looking at, so that the
 * leader stays quiet about a session the user has open in another tab.
 *
 * Whether this tab may speak is decided from localStorage at the moment it is asked (isLeader),
 * not from the last heartbeat: browsers slow the timers of background tabs down to once a second
 * or, after minutes hidden, once a minute, so a heartbeat's view may be stale, but the lease
 * has exactly one owner at any time.
 */

type LeaseStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;
export type Channel = {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  close(): void;
};

export type LeaderOptions = {
  storage: LeaseStorage;
  /** A BroadcastChannel (or the same shape); without one, hand-over waits for the lease to run out. */
  channel?: Channel | null;
  tabId?: string;
  key?: string;
  heartbeatMs?: number;
  ttlMs?: number;
  /** How long a tab waits after writing a claim before it reads back who won. */
  settleMs?: number;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  onChange?: (leader: boolean) => void;
};

export type LeaderElection = {
  readonly tabId: string;
  /** Whether this tab holds the lease right now (reads localStorage). */
  isLeader(): boolean;
  /** What this tab shows: a session id while its page is open and the tab visible, else null. */
  setViewing(sessionId: string | null): void;
  /** Whether any visible tab, this one included, shows this session. */
  isViewed(sessionId: string): boolean;
  /** Hands over: clears the lease if held and tells the other tabs. Call on pagehide. */
  close(): void;
};

type Lease = { tab: string; expires: number };
type Message =
  { type: "resign"; tab: string } | { type: "presence"; tab: string; viewing: string | null; expires: number };

function randomId() {
  return Math.random().toString(36).slice(2, 10) + Date.now().toString(36);
}

export function createLeaderElection(options: LeaderOptions): LeaderElection {
  const tabId = options.tabId ?? randomId();
  const key = options.key ?? "ocd-announcer-leader";
  const heartbeatMs = options.heartbeatMs ?? 1_000;
  const ttlMs = options.ttlMs ?? 4_000;
  const settleMs = options.settleMs ?? 60;
  const now = options.now ?? Date.now;
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  const { storage, channel } = options;
  const others = new Map<string, { viewing: string | null; expires: number }>();
  let viewing: string | null = null;
  let leader = false;
  let closed = false;
  let beat: unknown = null;
  let settle: unknown = null;

  function read(): Lease | null {
    try {
      const raw = storage.getItem(key);
      const lease = raw ? (JSON.parse(raw) as Lease) : null;
      return lease && typeof lease.tab === "string" && typeof lease.expires === "number" ? lease : null;
    } catch {
      return null;
    }
  }
  const write = () => storage.setItem(key, JSON.stringify({ tab: tabId, expires: now() + ttlMs } satisfies Lease));

  function setLeader(next: boolean) {
    if (next === leader) return;
    leader = next;
    options.onChange?.(next);
  }

  function post(message: Message) {
    try {
      channel?.postMessage(message);
    } catch {
      // a closed channel during unload
    }
  }

  function tick() {
    if (closed) return;
    const lease = read();
    if (lease?.tab === tabId) {
      write();
      setLeader(true);
    } else if (!lease || lease.expires < now()) {
      // Two tabs may claim at once; both read back after a moment and the last writer wins.
      write();
      if (settle === null) {
        settle = setTimer(() => {
          settle = null;
          if (!closed) setLeader(read()?.tab === tabId);
        }, settleMs);
      }
    } else {
      setLeader(false);
    }
    post({ type: "presence", tab: tabId, viewing, expires: now() + ttlMs });
  }

  function loop() {
    tick();
    beat = setTimer(loop, heartbeatMs);
  }

  function onMessage(event: { data: unknown }) {
    const message = event.data as Message;
    if (!message || typeof message !== "object" || message.tab === tabId) return;
    if (message.type === "resign") {
      others.delete(message.tab);
      tick();
    } else if (message.type === "presence") {
      others.set(message.tab, { viewing: message.viewing, expires: message.expires });
    }
  }

  channel?.addEventListener("message", onMessage);
  loop();

  return {
    tabId,
    isLeader() {
      if (closed) return false;
      const mine = read()?.tab === tabId;
      setLeader(mine);
      return mine;
    },
    setViewing(sessionId) {
      if (sessionId === viewing) return;
      viewing = sessionId;
      post({ type: "presence", tab: tabId, viewing, expires: now() + ttlMs });
    },
    isViewed(sessionId) {
      if (viewing === sessionId) return true;
      const t = now();
      for (const [tab, p] of others) {
        if (p.expires < t) others.delete(tab);
        else if (p.viewing === sessionId) return true;
      }
      return false;
    },
    close() {
      if (closed) return;
      closed = true;
      if (beat !== null) clearTimer(beat);
      if (settle !== null) clearTimer(settle);
      if (read()?.tab === tabId) storage.removeItem(key);
      setLeader(false);
      post({ type: "presence", tab: tabId, viewing: null, expires: 0 });
      post({ type: "resign", tab: tabId });
      channel?.removeEventListener("message", onMessage);
    },
  };
}
