import type { UsageColumns } from "../db/schema";

/**
 * Token counts as every response, push and export shows them: the session list and page, each
 * message, the analytics totals and the usage CSV. They live with sessions because the rows that
 * carry token columns (sessions, messages) are this subject's; analytics sums those columns and
 * imports this file, and nothing here imports analytics, so the two folders cannot form a cycle.
 */
export type Tokens = {
  input: number;
  output: number;
  reasoning: number;
  cacheRead: number;
  cacheWrite: number;
  /** The sum of the five counts above. */
  total: number;
};

/** The token columns of a row: a session's or message's own, or a query's sums under the same names. */
export type TokenColumns = Omit<UsageColumns, "cost">;

export function toTokens(row: TokenColumns): Tokens {
  const input = row.tokens_input;
  const output = row.tokens_output;
  const reasoning = row.tokens_reasoning;
  const cacheRead = row.tokens_cache_read;
  const cacheWrite = row.tokens_cache_write;
  return {
    input,
    output,
    reasoning,
    cacheRead,
    cacheWrite,
    total: input + output + reasoning + cacheRead + cacheWrite,
  };
}
