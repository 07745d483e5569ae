import { type RawBuilder, type SqlBool, sql } from "kysely";
import { getDb } from "../runtime";
import { catchUpSearch } from "../db/upkeep/search-index";

/**
 * Full-text search over what migration 002_api indexes: session titles and directories
 * (session_search) and prompt and assistant text (timeline_search, kept by lib/db/upkeep/search-index.ts).
 */

/**
 * The user's words as an FTS5 query: every word must appear, each as a prefix ("deplo" finds
 * "deploy"). Words are quoted, so FTS5 syntax in the input (AND, NEAR, quotes, *) is plain text.
 * Null when the input has no word at all.
 */
export function toMatchQuery(input: string): string | null {
  const words = input.match(/[\p{L}\p{N}_]+/gu);
  if (!words) return null;
  return words
    .slice(0, 16)
    .map((w) => `"${w}"*`)
    .join(" ");
}

/** Above this many matching timeline entries a search walks sessions instead of collecting ids. */
const COMMON_MATCHES = 10_000;

/**
 * A condition on `sessions` for "matches the search". Two plans, picked by how many timeline
 * entries match (counting up to COMMON_MATCHES costs a few ms): for a rare word, collect the
 * matching sessions' ids (one read per match); for a common one, walk sessions in list order and
 * stop at the page's end, checking each session's entries against the matching rowids, since
 * collecting ids for 100,000 matches costs more than the page needs. On 1M timeline rows a word
 * in a third of all texts takes ~30 ms this way against ~95 ms collected.
 */
export async function matchesSearch(match: string): Promise<RawBuilder<SqlBool>> {
  // Text stored since the indexer last ran is found too.
  catchUpSearch(getDb().sqlite);
  const titles = sql`sessions.id IN (SELECT k.session_id FROM session_search_ids AS k
    WHERE k.rowid IN (SELECT rowid FROM session_search WHERE session_search MATCH ${match}))`;
  const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM
    (SELECT 1 FROM timeline_search WHERE timeline_search MATCH ${match} LIMIT ${COMMON_MATCHES})`.execute(
    getDb().kysely,
  );
  if ((rows[0]?.n ?? 0) < COMMON_MATCHES) {
    return sql<SqlBool>`(${titles} OR sessions.id IN (SELECT session_id FROM timeline_search WHERE timeline_search MATCH ${match}))`;
  }
  return sql<SqlBool>`(${titles} OR EXISTS (SELECT 1 FROM timeline AS t WHERE t.session_id = sessions.id
    AND t.id IN (SELECT rowid FROM timeline_search WHERE timeline_search MATCH ${match})))`;
}
