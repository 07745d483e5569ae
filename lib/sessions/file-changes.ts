/**
 * What a session changed on disk, by one definition for its page: the distinct files named by its
 * latest `session.diff` and by its steps' patch parts. OpenCode's own summary (`session.summary`)
 * can say 0 files while a step's patch names one (it sums a snapshot diff that may be empty or
 * missing), and the timeline shows the patch: counted from the same entries, the two agree.
 */

type ChangedFile = { file: string; additions: number | null; deletions: number | null };
export type FileChanges = {
  files: number;
  additions: number;
  deletions: number;
  /** The files by name (the diff's first, with their counts); null when only a count is known. */
  list: ChangedFile[] | null;
  at: number | null;
};

/** A diff entry as ingest stores it (lib/ingest/rules/events.ts): its last item may sum the rest. */
type DiffItem = { file: string; additions: number; deletions: number; more?: number };

const isDiffItem = (v: unknown): v is DiffItem =>
  !!v &&
  typeof v === "object" &&
  typeof (v as DiffItem).file === "string" &&
  typeof (v as DiffItem).additions === "number";

/** The files a patch entry's data names ({ hash, files }). */
export function patchFiles(data: unknown): string[] {
  const files = data && typeof data === "object" ? (data as { files?: unknown }).files : undefined;
  return Array.isArray(files) ? files.filter((f): f is string => typeof f === "string") : [];
}

export function combineFileChanges(input: {
  /** The session's columns (OpenCode's summary or the latest diff's sums), null when never sent. */
  summary: { files: number; additions: number; deletions: number } | null;
  /** The latest diff entry's data and time, if any. */
  diff: { data: unknown; time: number } | null;
  /** The files of each patch entry, in any order. */
  patches: string[][];
}): FileChanges | null {
  const diffItems = Array.isArray(input.diff?.data) ? input.diff.data.filter(isDiffItem) : [];
  const listed = diffItems.filter((f) => f.more === undefined);
  const unlisted = diffItems.reduce((n, f) => n + (f.more ?? 0), 0);
  const list: ChangedFile[] = listed.map((f) => ({ file: f.file, additions: f.additions, deletions: f.deletions }));
  const seen = new Set(list.map((f) => f.file));
  for (const file of input.patches.flat()) {
    if (seen.has(file)) continue;
    seen.add(file);
    list.push({ file, additions: null, deletions: null });
  }
  const counted = list.length + unlisted;
  if (counted === 0) {
    if (!input.summary) return null;
    return { ...input.summary, list: null, at: input.diff?.time ?? null };
  }
  const sums = diffItems.length
    ? {
        additions: diffItems.reduce((n, f) => n + f.additions, 0),
        deletions: diffItems.reduce((n, f) => n + f.deletions, 0),
      }
    : { additions: input.summary?.additions ?? 0, deletions: input.summary?.deletions ?? 0 };
  return { files: counted, ...sums, list, at: input.diff?.time ?? null };
}
