import type { AttentionReason } from "../db/schema";
import type { SessionListItem } from "../sessions/list-item";

/** What is said out loud: "vps-2, fix login bug: needs permission to run bash". */

const MAX_SPOKEN = 300; // what POST /api/tts/sign accepts

type SpokenSession = Pick<SessionListItem, "hostname" | "title">;
export type SpokenItem = { session: SpokenSession | undefined; reason: AttentionReason; detail: string | null };

function clip(text: string, limit: number) {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > limit ? `${flat.slice(0, limit - 1).trimEnd()}…` : flat;
}

/** "vps-2, fix login bug"; a session we know nothing about yet is "a session". */
function subject(session: SpokenSession | undefined) {
  if (!session) return "A session";
  const title = clip(session.title || "untitled session", 60);
  return session.hostname ? `${session.hostname}, ${title}` : title;
}

/**
 * The permission detail is `tool: command` (lib/ingest/rules/attention.ts); only the tool is spoken,
 * a shell command read aloud is noise.
 */
function describe(reason: AttentionReason, detail: string | null, short = false): string {
  switch (reason) {
    case "permission": {
      const tool = (detail ?? "").split(":")[0].trim().replace(/_/g, " ");
      if (!tool) return "needs permission";
      return tool === "bash" ? "needs permission to run bash" : `needs permission for ${tool}`;
    }
    case "question":
      return short || !detail ? "has a question" : `has a question: ${clip(detail, 120)}`;
    case "idle":
      return "finished and is waiting for you";
    case "error":
      return "stopped with an error";
  }
}

const PLURAL: Record<AttentionReason, [string, string]> = {
  permission: ["needs permission", "need permission"],
  question: ["has a question", "have questions"],
  idle: ["finished", "finished"],
  error: ["stopped with an error", "stopped with errors"],
};

function list(words: string[]) {
  return words.length <= 1 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

/** One sentence for everything that started waiting at about the same time. */
export function composeSentence(items: SpokenItem[]): string {
  if (items.length === 0) return "";
  if (items.length === 1) {
    const [item] = items;
    return clip(`${subject(item.session)}: ${describe(item.reason, item.detail)}`, MAX_SPOKEN);
  }
  if (items.length <= 3) {
    const parts = items.map((i) => `${subject(i.session)}: ${describe(i.reason, i.detail, true)}`);
    return clip(`${items.length} sessions need you. ${parts.join("; ")}.`, MAX_SPOKEN);
  }
  const order: AttentionReason[] = ["permission", "question", "error", "idle"];
  const counts = order
    .map((reason) => [reason, items.filter((i) => i.reason === reason).length] as const)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${n} ${PLURAL[reason][n === 1 ? 0 : 1]}`);
  const hosts = [...new Set(items.map((i) => i.session?.hostname).filter((h): h is string => !!h))];
  const where = hosts.length === 0 ? "" : hosts.length <= 4 ? `, on ${list(hosts)}` : `, on ${hosts.length} machines`;
  return clip(`${items.length} sessions need you: ${list(counts)}${where}.`, MAX_SPOKEN);
}
