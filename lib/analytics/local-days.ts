import { type RawBuilder, sql } from "kysely";

/**
 * Calendar days in the user's time zone. SQLite knows only UTC, so the zone's UTC offsets over a
 * window are worked out here (Intl) as a few constant-offset segments, and SQL turns a timestamp
 * into a local day number with one CASE over those segments: DST-correct, and still one pass.
 */

export const DAY_MS = 86_400_000;

const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string) {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formats.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at instant `t`, in ms (New York in winter: -5 h). */
function offsetAt(timeZone: string, t: number): number {
  const parts: Record<string, number> = {};
  for (const p of format(timeZone).formatToParts(new Date(t)))
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return asUtc - Math.floor(t / 1000) * 1000;
}

/** Local day number (days since 1970-01-01 in that zone's calendar) of instant `t`. */
export function localDayNumber(timeZone: string, t: number): number {
  return Math.floor((t + offsetAt(timeZone, t)) / DAY_MS);
}

export function dayNumberToDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The instant a local day starts (its first existing moment, should midnight be skipped by DST). */
export function startOfLocalDay(timeZone: string, day: number): number {
  const midnightUtc = day * DAY_MS;
  let guess = midnightUtc - offsetAt(timeZone, midnightUtc);
  guess = midnightUtc - offsetAt(timeZone, guess);
  // A zone that springs forward at midnight has no 00:00; the day starts at the gap's end.
  while (localDayNumber(timeZone, guess) < day) guess += 60_000 * 15;
  return guess;
}

export type OffsetSegment = { until: number | null; offset: number };

/** Constant-offset stretches covering [from, to]: each applies to instants before `until`. */
export function offsetSegments(timeZone: string, from: number, to: number): OffsetSegment[] {
  const segments: OffsetSegment[] = [];
  const step = 6 * 3_600_000;
  let current = offsetAt(timeZone, from);
  for (let t = from; t < to;) {
    const next = Math.min(t + step, to);
    const offset = offsetAt(timeZone, next);
    if (offset !== current) {
      // The change lies in (t, next]: narrow it to the minute.
      // Zones change offset on whole minutes, so a minute-aligned search ends exactly on it.
      let lo = Math.floor(t / 60_000) * 60_000;
      let hi = Math.ceil(next / 60_000) * 60_000;
      while (hi - lo > 60_000) {
        const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
        if (offsetAt(timeZone, mid) === current) lo = mid;
        else hi = mid;
      }
      segments.push({ until: hi, offset: current });
      current = offset;
    }
    t = next;
  }
  segments.push({ until: null, offset: current });
  return segments;
}

/** SQL for the local day number of an epoch-ms column, given the segments of its window. */
export function localDaySql(column: RawBuilder<unknown>, segments: OffsetSegment[]): RawBuilder<number> {
  if (segments.length === 1) return sql<number>`((${column} + ${sql.lit(segments[0].offset)}) / ${sql.lit(DAY_MS)})`;
  const branches = segments
    .filter((s) => s.until !== null)
    .map((s) => sql`WHEN ${column} < ${sql.lit(s.until)} THEN ${sql.lit(s.offset)}`);
  const last = segments[segments.length - 1].offset;
  return sql<number>`((${column} + CASE ${sql.join(branches, sql` `)} ELSE ${sql.lit(last)} END) / ${sql.lit(DAY_MS)})`;
}
