/** Long text (tool output, file contents) is kept to this many characters, with the cap marked. */
const TEXT_CAP = 16 * 1024;

/** The first bound tried on each list (and each object's keys) when a structure is over its cap. */
const FIRST_ITEM_BOUND = 1000;
/** Deeper than this, a structure's branches are replaced by a marker. */
const MAX_DEPTH = 20;
/** The shortest a string inside a structure is cut to before giving up on keeping the structure. */
const MIN_STRING_BOUND = 16;

export type Capped = { value: string | null; truncated: boolean };

export function cap(value: string | null | undefined, limit = TEXT_CAP): Capped {
  if (value == null) return { value: null, truncated: false };
  if (value.length <= limit) return { value, truncated: false };
  return {
    value: `${value.slice(0, limit)}\n… [truncated: ${value.length - limit} more characters]`,
    truncated: true,
  };
}

type Bounds = { chars: number; items: number };

/** A copy of a parsed JSON value with long strings shortened and long lists cut, each cut marked. */
function shrink(value: unknown, bounds: Bounds, depth = 0): unknown {
  if (typeof value === "string") {
    return value.length <= bounds.chars ? value : `${value.slice(0, bounds.chars)}… [+${value.length - bounds.chars}]`;
  }
  if (typeof value !== "object" || value === null) return value;
  if (depth >= MAX_DEPTH) return "…";
  if (Array.isArray(value)) {
    const kept = value.slice(0, bounds.items).map((item) => shrink(item, bounds, depth + 1));
    return value.length > bounds.items ? [...kept, `… +${value.length - bounds.items} more`] : kept;
  }
  const entries = Object.entries(value);
  const kept = entries
    .slice(0, bounds.items)
    .map(([key, item]) => [shrink(key, bounds), shrink(item, bounds, depth + 1)]);
  if (entries.length > bounds.items) kept.push(["…", `+${entries.length - bounds.items} more`]);
  return Object.fromEntries(kept);
}

/**
 * A structure serialized to at most `limit` characters, always valid JSON: text cut in the middle
 * of a structure cannot be read back (the session page and the exports would fail on it for
 * good). Over the limit, long strings and long lists inside it are shortened, tighter each round,
 * until it fits; a structure that cannot fit even then is replaced by a note of its size.
 */
export function capJson(value: unknown, limit = TEXT_CAP): Capped {
  if (value === undefined) return { value: null, truncated: false };
  const whole = stringifyShallow(value);
  if (whole !== null && whole.length <= limit) return { value: whole, truncated: false };
  const bounds: Bounds = { chars: Math.floor(limit / 2), items: FIRST_ITEM_BOUND };
  while (bounds.chars >= MIN_STRING_BOUND || bounds.items >= 1) {
    const text = JSON.stringify(shrink(value, bounds));
    if (text.length <= limit) return { value: text, truncated: true };
    bounds.chars = Math.floor(bounds.chars / 2);
    bounds.items = Math.floor(bounds.items / 2);
  }
  const size = whole === null ? `nested deeper than ${MAX_DEPTH} levels` : `${whole.length} characters`;
  return { value: JSON.stringify({ truncated: size }), truncated: true };
}

/**
 * JSON.stringify, or null for a structure nested too deep for it: a body of `{"a":` repeated a few
 * thousand times is valid JSON that JSON.stringify cannot recurse through (RangeError). Such a
 * structure is kept to MAX_DEPTH levels by shrink, like any structure over its cap.
 */
function stringifyShallow(value: unknown): string | null {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}
