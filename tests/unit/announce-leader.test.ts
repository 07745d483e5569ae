import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createLeaderElection, type Channel } from "../../lib/announce/leader";
import { createSettingsStore, DEFAULT_SETTINGS, parseSettings, SETTINGS_KEY } from "../../lib/announce/settings";

/**
 * Several "tabs" in one process: a shared Map as localStorage, a shared bus as BroadcastChannel
 * (delivering asynchronously, like the real one), and one fake clock for all timers.
 * The real browser version of this is tests/integration/announce-browser.test.ts.
 */
function world() {
  let t = 1_000_000;
  let timers: { at: number; fn: () => void; id: number; owner?: string }[] = [];
  let next = 1;
  const store = new Map<string, string>();
  const storage = {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => void store.set(k, v),
    removeItem: (k: string) => void store.delete(k),
  };
  const listeners = new Set<{ owner: object; fn: (e: { data: unknown }) => void }>();
  const setTimer = (fn: () => void, ms: number) => {
    const id = next++;
    timers.push({ at: t + ms, fn, id });
    return id;
  };
  function channel(): Channel {
    const owner = {};
    return {
      postMessage: (data) => {
        for (const l of [...listeners]) if (l.owner !== owner) setTimer(() => l.fn({ data: structuredClone(data) }), 0);
      },
      addEventListener: (_type, fn) => void listeners.add({ owner, fn }),
      removeEventListener: (_type, fn) => {
        for (const l of listeners) if (l.fn === fn) listeners.delete(l);
      },
      close: () => {},
    };
  }
  const clock = {
    now: () => t,
    setTimer,
    clearTimer: (id: unknown) => void (timers = timers.filter((x) => x.id !== id)),
  };
  function advance(ms: number) {
    const end = t + ms;
    for (;;) {
      const due = timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      timers = timers.filter((x) => x !== due);
      t = Math.max(t, due.at);
      due.fn();
    }
    t = end;
  }
  const tab = (id: string, withChannel = true) =>
    createLeaderElection({
      storage,
      channel: withChannel ? channel() : null,
      tabId: id,
      ...clock,
      setTimer: (fn, ms) => {
        const handle = setTimer(fn, ms);
        timers.find((x) => x.id === handle)!.owner = id;
        return handle;
      },
      heartbeatMs: 1_000,
      ttlMs: 4_000,
    });
  /** The tab's process dies: its timers never fire again, it says goodbye to no one. */
  const crash = (id: string) => void (timers = timers.filter((x) => x.owner !== id));
  return { tab, advance, store, crash };
}

describe("leader election", () => {
  test("of three tabs exactly one leads, and it stays the same one", () => {
    const w = world();
    const tabs = [w.tab("a"), w.tab("b"), w.tab("c")];
    w.advance(200);
    assert.deepEqual(
      tabs.map((t) => t.isLeader()),
      [true, false, false],
    );
    w.advance(30_000);
    assert.deepEqual(
      tabs.map((t) => t.isLeader()),
      [true, false, false],
    );
  });

  test("two tabs claiming in the same moment settle on one", () => {
    const w = world();
    w.store.set("ocd-announcer-leader", JSON.stringify({ tab: "gone", expires: 0 }));
    const tabs = [w.tab("a"), w.tab("b")]; // both see an expired lease and claim it
    w.advance(200);
    assert.equal(tabs.filter((t) => t.isLeader()).length, 1);
  });

  test("closing the leader hands over at once; the next tab leads within a heartbeat", () => {
    const w = world();
    const [a, b, c] = [w.tab("a"), w.tab("b"), w.tab("c")];
    w.advance(200);
    a.close();
    assert.equal(a.isLeader(), false);
    w.advance(100);
    assert.equal([b, c].filter((t) => t.isLeader()).length, 1);
  });

  test("a leader that dies without closing is replaced when its lease runs out", () => {
    const w = world();
    const a = w.tab("a");
    const b = w.tab("b");
    w.advance(200);
    assert.ok(a.isLeader());
    w.crash("a");
    w.advance(2_000);
    assert.equal(b.isLeader(), false, "the lease (4 s) still holds");
    w.advance(3_500);
    assert.equal(b.isLeader(), true);
  });

  test("the user's view in any visible tab is known to all tabs, and forgotten when that tab closes", () => {
    const w = world();
    const [a, b] = [w.tab("a"), w.tab("b")];
    w.advance(100);
    b.setViewing("ses_1");
    w.advance(10);
    assert.equal(a.isViewed("ses_1"), true);
    assert.equal(a.isViewed("ses_2"), false);
    assert.equal(b.isViewed("ses_1"), true);
    b.setViewing(null);
    w.advance(10);
    assert.equal(a.isViewed("ses_1"), false);
    b.setViewing("ses_1");
    w.advance(10);
    b.close();
    w.advance(10);
    assert.equal(a.isViewed("ses_1"), false);
  });
});

describe("announcer settings", () => {
  test("defaults, and anything stored is made valid", () => {
    assert.deepEqual(parseSettings(null), DEFAULT_SETTINGS);
    assert.deepEqual(parseSettings("{not json"), DEFAULT_SETTINGS);
    const s = parseSettings(
      JSON.stringify({
        muted: true,
        volume: 7,
        voice: "af_bella",
        sound: "loud",
        reasons: { idle: false, error: "no" },
      }),
    );
    assert.deepEqual(s, {
      muted: true,
      volume: 1,
      voice: "af_bella",
      sound: "voice",
      reasons: { permission: true, question: true, idle: false, error: true },
    });
  });

  test("updates are kept in storage and merge reasons", () => {
    const store = new Map<string, string>();
    const storage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
    };
    const settings = createSettingsStore(storage);
    let changes = 0;
    settings.subscribe(() => changes++);
    settings.update({ reasons: { idle: false } as never, volume: 0.3 });
    assert.equal(changes, 1);
    const again = createSettingsStore(storage).get();
    assert.equal(again.volume, 0.3);
    assert.deepEqual(again.reasons, { permission: true, question: true, idle: false, error: true });
    assert.ok(store.has(SETTINGS_KEY));
  });
});
