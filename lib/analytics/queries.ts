import { type RawBuilder, sql } from "kysely";
import type { Window } from "./window";
import { getDb } from "../runtime";
import { NO_USAGE, type UsageColumns } from "../db/schema";
import { type Tokens, toTokens } from "../sessions/tokens";
import {
  DAY_MS,
  dayNumberToDate,
  localDaySql,
  type OffsetSegment,
  offsetSegments,
  startOfLocalDay,
} from "./local-days";

/**
 * Usage analytics. What each number counts, and by which time:
 * - sessions: every session (subagents included) by `sessions.created_at`;
 * - messages: user and assistant messages by `messages.created_at`;
 * - tokens and cost: assistant messages (only they carry usage) by `messages.created_at`.
 * A hostname filter applies to the session a message belongs to. Over an unbounded window the
 * same sums come from each session's running totals (ingest keeps them as the sum of its
 * messages), which spares a scan of every message.
 */

export type UsageTotals = { sessions: number; messages: number; tokens: Tokens; cost: number };

/** Usage summed over assistant messages; the sums keep their columns' names, so toTokens reads them. */
type SumsRow = UsageColumns & { assistant_messages: number };

// total(), not sum(): SQLite's sum() of integers fails with "integer overflow" past 2^63, which
// would take every analytics route down; total() adds as floating point and never fails.
const sums = sql`count(*) AS assistant_messages,
  total(m.tokens_input) AS tokens_input, total(m.tokens_output) AS tokens_output,
  total(m.tokens_reasoning) AS tokens_reasoning, total(m.tokens_cache_read) AS tokens_cache_read,
  total(m.tokens_cache_write) AS tokens_cache_write, total(m.cost) AS cost`;

// The role is a literal, not a parameter: SQLite only uses the partial index
// messages_assistant_by_created when it can see the query implies `role = 'assistant'`.
const assistantOnly = sql`m.role = 'assistant'`;

function within(column: RawBuilder<unknown>, w: Window) {
  const parts = [sql`1`];
  if (w.from !== null) parts.push(sql`${column} >= ${w.from}`);
  if (w.to !== null) parts.push(sql`${column} < ${w.to}`);
  return sql.join(parts, sql` AND `);
}

const onHost = (hostname: string | undefined) =>
  hostname ? sql`AND m.session_id IN (SELECT id FROM sessions WHERE hostname = ${hostname})` : sql``;

const emptyTotals = (): UsageTotals => ({ sessions: 0, messages: 0, tokens: toTokens(NO_USAGE), cost: 0 });

/** Adds (sign 1) or takes away (sign -1) one set of usage sums. */
function addUsage(target: UsageTotals, usage: Pick<UsageTotals, "tokens" | "cost">, sign: 1 | -1 = 1) {
  for (const k of Object.keys(target.tokens) as (keyof Tokens)[]) target.tokens[k] += sign * usage.tokens[k];
  target.cost += sign * usage.cost;
}

const addSums = (target: UsageTotals, row: UsageColumns) => addUsage(target, { tokens: toTokens(row), cost: row.cost });

async function rows<T>(query: RawBuilder<T>): Promise<T[]> {
  return (await query.execute(getDb().kysely)).rows;
}

function collect() {
  const out = new Map<string | number, UsageTotals>();
  const at = (key: string | number) => {
    let t = out.get(key);
    if (!t) out.set(key, (t = emptyTotals()));
    return t;
  };
  return { out, at };
}

/** The unbounded window, from the sessions' running totals, grouped by a key over sessions (s). */
async function totalsFromSessions(key: RawBuilder<unknown>, hostname?: string) {
  const list = await rows<UsageColumns & { key: string | number; sessions: number; messages: number }>(
    sql`SELECT ${key} AS key, count(*) AS sessions, total(s.message_count) AS messages,
          total(s.tokens_input) AS tokens_input, total(s.tokens_output) AS tokens_output,
          total(s.tokens_reasoning) AS tokens_reasoning, total(s.tokens_cache_read) AS tokens_cache_read,
          total(s.tokens_cache_write) AS tokens_cache_write, total(s.cost) AS cost
        FROM sessions AS s ${hostname ? sql`WHERE s.hostname = ${hostname}` : sql``} GROUP BY 1`,
  );
  const { out, at } = collect();
  for (const r of list) {
    const t = at(r.key);
    t.sessions = r.sessions;
    t.messages = r.messages;
    addSums(t, r);
  }
  return out;
}

type Keyed = Map<string | number, UsageTotals>;

/**
 * Message usage (messages, tokens, cost; no session counts) in a window, grouped by a key over
 * sessions (alias s) or in one group when `key` is null. Messages are summed per session first,
 * so each session row is read once rather than once per message.
 */
async function messageUsage(key: RawBuilder<unknown> | null, w: Window, hostname?: string): Promise<Keyed> {
  const inWindow = sql`${within(sql`m.created_at`, w)} ${onHost(hostname)}`;
  const assistantInWindow = sql`${assistantOnly} AND ${inWindow}`;
  // A long window has many messages per session: sum them per session first, so each session
  // row is read once, and count along messages_by_session, which holds both columns in session
  // order (without statistics SQLite picks messages_by_created and reads every message row for
  // its session: 365 days of 200,000 messages ~180 ms against ~30 ms). A short or half-open
  // window (the small outside parts of a mostly-inside one) joins each message to its session.
  const long = w.from !== null && w.to !== null && w.to - w.from >= 30 * 86_400_000;
  const grouped = <T>(
    select: RawBuilder<unknown>,
    where: RawBuilder<unknown>,
    index: RawBuilder<unknown>,
    outer: RawBuilder<unknown>,
  ) =>
    long
      ? sql<T>`SELECT ${key} AS key, ${outer} FROM (SELECT m.session_id, ${select} FROM messages AS m ${index} WHERE ${where}
            GROUP BY m.session_id) AS x JOIN sessions AS s ON s.id = x.session_id GROUP BY 1`
      : sql<T>`SELECT ${key} AS key, ${select} FROM messages AS m JOIN sessions AS s ON s.id = m.session_id WHERE ${where} GROUP BY 1`;
  const sumOfSums = sql`total(x.assistant_messages) AS assistant_messages, total(x.tokens_input) AS tokens_input,
    total(x.tokens_output) AS tokens_output, total(x.tokens_reasoning) AS tokens_reasoning,
    total(x.tokens_cache_read) AS tokens_cache_read, total(x.tokens_cache_write) AS tokens_cache_write, total(x.cost) AS cost`;
  const [messages, assistant] = await Promise.all([
    rows<{ key: string | number; n: number }>(
      key
        ? grouped(sql`count(*) AS n`, inWindow, sql`INDEXED BY messages_by_session`, sql`sum(x.n) AS n`)
        : sql`SELECT 0 AS key, count(*) AS n FROM messages AS m WHERE ${inWindow}`,
    ),
    rows<SumsRow & { key: string | number }>(
      key
        ? grouped(sums, assistantInWindow, sql``, sumOfSums)
        : sql`SELECT 0 AS key, ${sums} FROM messages AS m WHERE ${assistantInWindow}`,
    ),
  ]);
  const { out, at } = collect();
  for (const r of messages) at(r.key).messages = r.n;
  for (const r of assistant) addSums(at(r.key), r);
  return out;
}

function subtract(from: Keyed, part: Keyed) {
  for (const [key, p] of part) {
    const t = from.get(key);
    if (!t) continue;
    t.messages -= p.messages;
    addUsage(t, p, -1);
  }
}

/** Whether most of the messages (of the host) lie inside the window. */
async function mostlyInside(w: Window, hostname?: string) {
  const [inside, all] = await Promise.all([
    rows<{ n: number }>(
      sql`SELECT count(*) AS n FROM messages AS m WHERE ${within(sql`m.created_at`, w)} ${onHost(hostname)}`,
    ),
    rows<{ n: number }>(
      hostname
        ? sql`SELECT count(*) AS n FROM messages AS m WHERE 1 ${onHost(hostname)}`
        : sql`SELECT count(*) AS n FROM messages`,
    ),
  ]);
  return inside[0].n * 2 > all[0].n;
}

/**
 * Totals grouped by a key over sessions (alias s), or one group when `key` is null. When most
 * messages fall inside the window (a year on a year's data), the usage is the sessions' running
 * totals minus what lies outside, so the work follows the smaller side.
 */
async function totalsBy(key: RawBuilder<unknown> | null, w: Window, hostname?: string): Promise<Keyed> {
  if (w.from === null && w.to === null) return totalsFromSessions(key ?? sql`0`, hostname);
  const sessionHost = hostname ? sql`AND s.hostname = ${hostname}` : sql``;
  const [sessions, usage] = await Promise.all([
    rows<{ key: string | number; n: number }>(
      sql`SELECT ${key ?? sql`0`} AS key, count(*) AS n FROM sessions AS s WHERE ${within(sql`s.created_at`, w)} ${sessionHost} GROUP BY 1`,
    ),
    (async () => {
      if (!(await mostlyInside(w, hostname))) return messageUsage(key, w, hostname);
      const all = await totalsFromSessions(key ?? sql`0`, hostname);
      if (w.from !== null) subtract(all, await messageUsage(key, { from: null, to: w.from }, hostname));
      if (w.to !== null) subtract(all, await messageUsage(key, { from: w.to, to: null }, hostname));
      for (const t of all.values()) t.sessions = 0;
      return all;
    })(),
  ]);
  for (const r of sessions) {
    const t = usage.get(r.key) ?? emptyTotals();
    t.sessions = r.n;
    usage.set(r.key, t);
  }
  // Keys with nothing in the window (left over from the running totals) are not listed.
  for (const [k, t] of usage)
    if (t.sessions === 0 && t.messages === 0 && t.tokens.total === 0 && Math.abs(t.cost) < 1e-12) usage.delete(k);
  return usage;
}

/** One set of totals for the whole window. */
export async function usageTotals(w: Window, hostname?: string): Promise<UsageTotals> {
  const all = await totalsBy(null, w, hostname);
  return all.get(0) ?? emptyTotals();
}

export type KeyedTotals = UsageTotals & { key: string };

function sortedByCost(map: Map<string | number, UsageTotals>): KeyedTotals[] {
  return [...map]
    .map(([key, t]) => ({ key: String(key), ...t }))
    .sort((a, b) => b.cost - a.cost || b.messages - a.messages || a.key.localeCompare(b.key));
}

export async function totalsByHost(w: Window, hostname?: string) {
  return sortedByCost(await totalsBy(sql`s.hostname`, w, hostname));
}

export async function totalsByProject(w: Window, hostname?: string) {
  return sortedByCost(await totalsBy(sql`s.directory`, w, hostname));
}

/** One model's assistant usage, from its sums. */
function toModelUsage(r: SumsRow & { provider_id: string | null; model_id: string | null }) {
  return {
    providerId: r.provider_id,
    modelId: r.model_id,
    messages: r.assistant_messages,
    tokens: toTokens(r),
    cost: r.cost,
  };
}

export type ModelTotals = ReturnType<typeof toModelUsage> & {
  /** Fractions (0-1) of the window's cost and tokens. */
  share: { cost: number; tokens: number };
};

export async function totalsByModel(w: Window, hostname?: string): Promise<ModelTotals[]> {
  const list = await rows<SumsRow & { provider_id: string | null; model_id: string | null }>(
    sql`SELECT m.provider_id, m.model_id, ${sums} FROM messages AS m
        WHERE ${assistantOnly} AND ${within(sql`m.created_at`, w)} ${onHost(hostname)}
        GROUP BY m.provider_id, m.model_id`,
  );
  const models = list.map(toModelUsage);
  const cost = models.reduce((n, m) => n + m.cost, 0);
  const tokens = models.reduce((n, m) => n + m.tokens.total, 0);
  return models
    .map((m) => ({
      ...m,
      share: { cost: cost > 0 ? m.cost / cost : 0, tokens: tokens > 0 ? m.tokens.total / tokens : 0 },
    }))
    .sort((a, b) => b.cost - a.cost || b.tokens.total - a.tokens.total);
}

export type DayTotals = UsageTotals & { date: string };

/** Each local day of the window with the instants it starts and ends (clipped to the window). */
function localDays(w: { from: number; to: number }, segments: OffsetSegment[], timeZone: string) {
  const dayOf = (t: number) =>
    Math.floor((t + (segments.find((s) => s.until === null || t < s.until) ?? segments[0]).offset) / DAY_MS);
  const startOf = (day: number) => {
    let since = -Infinity;
    for (const s of segments) {
      const t = day * DAY_MS - s.offset;
      if (t >= since && (s.until === null || t < s.until)) return t;
      since = s.until ?? Infinity;
    }
    return startOfLocalDay(timeZone, day); // midnight skipped by a DST change
  };
  const days: { day: number; start: number; end: number }[] = [];
  for (let day = dayOf(w.from), last = dayOf(w.to - 1); day <= last; day++) {
    days.push({ day, start: Math.max(w.from, startOf(day)), end: Math.min(w.to, startOf(day + 1)) });
  }
  return days;
}

/**
 * One row per local day of `tz` in [from, to), days without usage included. Each day is one
 * index range per figure (the day's bounds come from JS, DST included), so nothing is sorted or
 * grouped; the assistant sums come back as one JSON array per day, since a scalar subquery
 * returns one value.
 */
export async function totalsByDay(
  w: { from: number; to: number },
  timeZone: string,
  hostname?: string,
): Promise<DayTotals[]> {
  const days = localDays(w, offsetSegments(timeZone, w.from, w.to), timeZone);
  if (days.length === 0) return [];
  const values = sql.join(days.map((d) => sql`(${sql.lit(d.day)}, ${sql.lit(d.start)}, ${sql.lit(d.end)})`));
  const sessionHost = hostname ? sql`AND s.hostname = ${hostname}` : sql``;
  const onDay = sql`m.created_at >= days.start AND m.created_at < days.end`;
  const list = await rows<{ day: number; sessions: number; messages: number; sums: string }>(
    sql`WITH days (day, start, end) AS (VALUES ${values})
        SELECT day,
          (SELECT count(*) FROM sessions AS s WHERE s.created_at >= days.start AND s.created_at < days.end ${sessionHost}) AS sessions,
          (SELECT count(*) FROM messages AS m WHERE ${onDay} ${onHost(hostname)}) AS messages,
          (SELECT json_array(total(m.tokens_input), total(m.tokens_output), total(m.tokens_reasoning), total(m.tokens_cache_read),
                             total(m.tokens_cache_write), total(m.cost))
             FROM messages AS m WHERE ${assistantOnly} AND ${onDay} ${onHost(hostname)}) AS sums
        FROM days`,
  );
  return list.map((r) => {
    const [tokens_input, tokens_output, tokens_reasoning, tokens_cache_read, tokens_cache_write, cost] = (
      JSON.parse(r.sums) as (number | null)[]
    ).map((v) => v ?? 0);
    const t = emptyTotals();
    t.sessions = r.sessions;
    t.messages = r.messages;
    addSums(t, { tokens_input, tokens_output, tokens_reasoning, tokens_cache_read, tokens_cache_write, cost });
    return { date: dayNumberToDate(r.day), ...t };
  });
}

/** The earliest session or message time, to bound an unbounded window (null: no data). */
export async function earliestActivity(hostname?: string): Promise<number | null> {
  const host = hostname ? sql`WHERE hostname = ${hostname}` : sql``;
  const [sessions] = await rows<{ t: number | null }>(sql`SELECT min(created_at) AS t FROM sessions ${host}`);
  const [messages] = await rows<{ t: number | null }>(
    hostname
      ? sql`SELECT min(m.created_at) AS t FROM messages AS m WHERE 1 ${onHost(hostname)}`
      : sql`SELECT min(created_at) AS t FROM messages`,
  );
  const times = [sessions?.t, messages?.t].filter((t): t is number => typeof t === "number");
  return times.length ? Math.min(...times) : null;
}

export type UsageRow = { date: string } & ReturnType<typeof toModelUsage>;

/** Assistant usage per local day and model, for the CSV export. */
export async function usageByDayAndModel(
  w: { from: number; to: number },
  timeZone: string,
  hostname?: string,
): Promise<UsageRow[]> {
  const day = localDaySql(sql`m.created_at`, offsetSegments(timeZone, w.from, w.to));
  const list = await rows<SumsRow & { day: number; provider_id: string | null; model_id: string | null }>(
    sql`SELECT ${day} AS day, m.provider_id, m.model_id, ${sums} FROM messages AS m
        WHERE ${assistantOnly} AND ${within(sql`m.created_at`, w)} ${onHost(hostname)}
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
  );
  return list.map((r) => ({ date: dayNumberToDate(r.day), ...toModelUsage(r) }));
}
