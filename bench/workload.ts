/**
 * A realistic mix of OpenCode events from many sessions: tool parts with ~1 KB of output,
 * repeated message updates, text parts and status changes, in the order OpenCode emits them,
 * with ids shaped like OpenCode's own.
 */
export type BenchEvent = {
  id: string;
  type: string;
  hostname: string;
  directory: string;
  time: number;
  properties: Record<string, unknown>;
};

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
let lastStamp = 0;

/**
 * An id as OpenCode's Identifier.ascending makes them (evt_, msg_, prt_, ses_): 12 hex digits
 * of (milliseconds × 4096 + a counter), so ids sort in the order they were made, then 14 random
 * characters. Stores index them in that order, which matters to how a benchmark writes them.
 */
function ascending(prefix: string) {
  lastStamp = Math.max(lastStamp + 1, Date.now() * 0x1000);
  let random = "";
  for (let i = 0; i < 14; i++) random += BASE62[Math.floor(Math.random() * 62)];
  return `${prefix}_${(lastStamp % 2 ** 48).toString(16).padStart(12, "0")}${random}`;
}

const output = "x".repeat(200) + "\n" + "build step ok ".repeat(58); // ~1 KB

export function* workload(sessions = 200, hosts = 20): Generator<BenchEvent> {
  let clock = Date.now();
  const sessionIds = Array.from({ length: sessions }, () => ascending("ses"));
  const ev = (s: number, type: string, properties: Record<string, unknown>): BenchEvent => ({
    id: ascending("evt"),
    type,
    hostname: `bench-host-${s % hosts}`,
    directory: `/home/dev/project-${s % 37}`,
    time: clock++,
    properties,
  });
  for (let turn = 0; ; turn++) {
    for (let s = 0; s < sessions; s++) {
      const sessionID = sessionIds[s];
      const messageID = ascending("msg");
      const toolID = ascending("prt");
      const textID = ascending("prt");
      const info = (completed: boolean, tokens: number) => ({
        info: {
          id: messageID,
          sessionID,
          role: "assistant",
          providerID: "anthropic",
          modelID: "claude-sonnet",
          agent: "build",
          mode: "build",
          cost: tokens / 100000,
          tokens: { input: tokens, output: tokens / 4, reasoning: 0, cache: { read: tokens * 2, write: 10 } },
          time: completed ? { created: clock - 50, completed: clock } : { created: clock },
        },
      });
      if (turn === 0)
        yield ev(s, "session.created", {
          sessionID,
          info: {
            id: sessionID,
            title: `Bench session ${s}`,
            directory: `/home/dev/project-${s % 37}`,
            time: { created: clock, updated: clock },
          },
        });
      yield ev(s, "session.status", { sessionID, status: { type: "busy" } });
      yield ev(s, "message.updated", info(false, 0));
      const part = (status: string) => ({
        part: {
          id: toolID,
          sessionID,
          messageID,
          type: "tool",
          tool: "bash",
          callID: `call_${turn}`,
          state:
            status === "completed"
              ? {
                  status,
                  input: { command: "npm run build", description: "Build" },
                  output,
                  title: "npm run build",
                  metadata: {},
                  time: { start: clock - 20, end: clock },
                }
              : { status, input: { command: "npm run build", description: "Build" }, time: { start: clock } },
        },
      });
      yield ev(s, "message.part.updated", part("running"));
      yield ev(s, "message.part.updated", part("completed"));
      yield ev(s, "message.part.updated", {
        part: {
          id: textID,
          sessionID,
          messageID,
          type: "text",
          text: "Done: the build passes and the tests are green.",
          time: { start: clock, end: clock + 1 },
        },
      });
      yield ev(s, "message.updated", info(false, 1200));
      yield ev(s, "message.updated", info(true, 1500));
      yield ev(s, "session.status", { sessionID, status: { type: "idle" } });
    }
  }
}

export function take<T>(gen: Generator<T>, count: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(gen.next().value as T);
  return out;
}
