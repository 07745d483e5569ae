/**
 * What a blocking item is about, in words: the file or command a permission is for, a question's
 * options, an error's first line. Pure, so ingest (the attention detail), the board row and the
 * session page all read a request the same way.
 */

/** A fact about a permission request: "File", "/home/dev/app/.env". */
type PermissionFact = { label: string; value: string };

/** A permission as OpenCode asks it (`permission.asked`), as the pending request stores it. */
type PermissionData = { patterns?: unknown; always?: unknown; metadata?: unknown };

/** A question as OpenCode's `question` tool asks it. */
export type QuestionItem = {
  question: string;
  header?: string;
  options: { label: string; description?: string }[];
  multiple?: boolean;
  /** false: only the options may be chosen, no answer of one's own. */
  custom?: boolean;
};

const text = (v: unknown) => (typeof v === "string" && v.trim() ? v : undefined);
const strings = (v: unknown) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : []);

/**
 * The metadata keys OpenCode's tools put on a permission (bash: command; edit, write, read and
 * external_directory: filepath, with parentDir on the last; webfetch: url), in the order they say
 * most about what is asked.
 */
const SUBJECT_KEYS = ["command", "filepath", "filePath", "path", "url"] as const;

/** The one thing a permission is for: the command, the file, the URL, else its patterns. */
export function permissionSubject(metadata: unknown, patterns: unknown): string {
  const meta = (metadata && typeof metadata === "object" ? metadata : {}) as Record<string, unknown>;
  for (const key of SUBJECT_KEYS) {
    const value = text(meta[key]);
    if (value) return value;
  }
  return strings(patterns).join(" ");
}

/** Lines in a unified diff that add or remove something (not the +++/--- file headers). */
function diffSize(diff: string) {
  let additions = 0;
  let deletions = 0;
  for (const line of diff.split("\n")) {
    if (line.startsWith("+") && !line.startsWith("+++")) additions++;
    else if (line.startsWith("-") && !line.startsWith("---")) deletions++;
  }
  return { additions, deletions };
}

/** Everything worth showing about a pending permission, most telling first. */
export function permissionFacts(data: unknown, fallback: string): PermissionFact[] {
  const d = (data && typeof data === "object" ? data : {}) as PermissionData;
  const meta = (d.metadata && typeof d.metadata === "object" ? d.metadata : {}) as Record<string, unknown>;
  const facts: PermissionFact[] = [];
  const command = text(meta.command);
  const file = text(meta.filepath) ?? text(meta.filePath) ?? text(meta.path);
  if (command) facts.push({ label: "Command", value: command });
  if (file) facts.push({ label: "File", value: file });
  const parent = text(meta.parentDir);
  if (parent && parent !== file) facts.push({ label: "Directory", value: parent });
  const url = text(meta.url);
  if (url) facts.push({ label: "URL", value: url });
  const diff = text(meta.diff);
  if (diff) {
    const { additions, deletions } = diffSize(diff);
    facts.push({ label: "Change", value: `+${additions} −${deletions} lines` });
  }
  const patterns = strings(d.patterns);
  if (patterns.length) facts.push({ label: patterns.length === 1 ? "Pattern" : "Patterns", value: patterns.join(" ") });
  const always = strings(d.always);
  if (always.length) facts.push({ label: "Always allow would cover", value: always.join(" ") });
  if (!facts.length) facts.push({ label: "Asks for", value: fallback });
  return facts;
}

/** The questions of a pending question request, each with its options (none when free text only). */
export function questionsOf(data: unknown): QuestionItem[] {
  const list = (data && typeof data === "object" ? (data as { questions?: unknown }).questions : undefined) ?? [];
  if (!Array.isArray(list)) return [];
  return list.flatMap((q: unknown) => {
    const item = (q && typeof q === "object" ? q : {}) as Record<string, unknown>;
    const question = text(item.question);
    if (!question) return [];
    const options = (Array.isArray(item.options) ? item.options : []).flatMap((o: unknown) => {
      const opt = (o && typeof o === "object" ? o : {}) as Record<string, unknown>;
      const label = text(opt.label);
      return label ? [{ label, description: text(opt.description) }] : [];
    });
    const custom = typeof item.custom === "boolean" ? { custom: item.custom } : {};
    return [{ question, header: text(item.header), options, multiple: item.multiple === true, ...custom }];
  });
}

/**
 * An error message as a headline and the rest: providers and Bun put a stack trace or a response
 * body under the first line, which belongs behind "details", not in a row.
 */
export function splitError(message: string | null | undefined): { headline: string; details: string | null } {
  const trimmed = (message ?? "").trim();
  const newline = trimmed.indexOf("\n");
  if (newline < 0) return { headline: trimmed, details: null };
  // Stack frames come indented: shown without the indent they share.
  const lines = trimmed.slice(newline + 1).split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  const rest = lines
    .map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)))
    .join("\n")
    .trim();
  return { headline: trimmed.slice(0, newline).trim(), details: rest || null };
}
