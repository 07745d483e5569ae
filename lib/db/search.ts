import { type RawBuilder, sql } from "kysely";

/**
 * Full-text search over what migration 002_api indexes: session titles and directories
 * (session_search) and prompt and assistant text (timeline_search).
 */

/**
 * The user's words as an FTS5 query: every word must appear, each as a prefix ("deplo" finds
 * "deploy"). Words are quoted, so FTS5 syntax in the input (AND, NEAR, quotes, *) is plain text.
 * Null when the input has no word at all.
 */
export function toMatchQuery(input: string): string | null {
  const words = input.match(/[\p{L}\p{N}_]+/gu);
  if (!words) return null;
  return words.slice(0, 16).map((w) => `"${w}"*`).join(" ");
}

/** Ids of sessions whose title or directory, or one of whose prompts or replies, match. */
export function matchingSessionIds(match: string): RawBuilder<unknown> {
  return sql`SELECT k.session_id FROM session_search_ids AS k
      WHERE k.rowid IN (SELECT rowid FROM session_search WHERE session_search MATCH ${match})
    UNION
    SELECT session_id FROM timeline_search WHERE timeline_search MATCH ${match}`;
}
