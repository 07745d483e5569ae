/**
 * A realistic mix of OpenCode events from many sessions: tool parts with ~1 KB of output,
 * repeated message updates, text parts and status changes, in the order OpenCode emits them.
 */
export type BenchEvent = { id: string; type: string; hostname: string; directory: string; time: number; properties: Record<string, unknown> };

const output = "x".repeat(200) + "\n" + "build step ok ".repeat(58); // ~1 KB

export function* workload(prefix: string, sessions = 200, hosts = 20): Generator<BenchEvent> {
  let n = 0;
  let clock = Date.now();
  const ev = (s: number, type: string, properties: Record<string, unknown>): BenchEvent => ({
    id: `evt_${prefix}_${(n++).toString(36)}`,
    type,
    hostname: `bench-host-${s % hosts}`,
    directory: `/home/dev/project-${s % 37}`,
    time: clock++,
    properties,
  });
  for (let turn = 0; ; turn++) {
    for (let s = 0; s < sessions; s++) {
      const sessionID = `ses_${prefix}_${s}`;
      const messageID = `msg_${prefix}_${s}_${turn}`;
      const info = (completed: boolean, tokens: number) => ({
        info: {
          id: messageID, sessionID, role: "assistant", providerID: "anthropic", modelID: "claude-sonnet", agent: "build", mode: "build",
          cost: tokens / 100000, tokens: { input: tokens, output: tokens / 4, reasoning: 0, cache: { read: tokens * 2, write: 10 } },
          time: completed ? { created: clock - 50, completed: clock } : { created: clock },
        },
      });
      if (turn === 0) yield ev(s, "session.created", { sessionID, info: { id: sessionID, title: `Bench session ${s}`, directory: `/home/dev/project-${s % 37}`, time: { created: clock, updated: clock } } });
      yield ev(s, "session.status", { sessionID, status: { type: "busy" } });
      yield ev(s, "message.updated", info(false, 0));
      const part = (status: string) => ({
        part: {
          id: `prt_${prefix}_${s}_${turn}`, sessionID, messageID, type: "tool", tool: "bash", callID: `call_${turn}`,
          state: status === "completed"
            ? { status, input: { command: "npm run build", description: "Build" }, output, title: "npm run build", metadata: {}, time: { start: clock - 20, end: clock } }
            : { status, input: { command: "npm run build", description: "Build" }, time: { start: clock } },
        },
      });
      yield ev(s, "message.part.updated", part("running"));
      yield ev(s, "message.part.updated", part("completed"));
      yield ev(s, "message.part.updated", { part: { id: `prt_${prefix}_${s}_${turn}_t`, sessionID, messageID, type: "text", text: "Done: the build passes and the tests are green.", time: { start: clock, end: clock + 1 } } });
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
