/** Long text (tool output, file contents) is kept to this many characters, with the cap marked. */
const TEXT_CAP = 16 * 1024;

export type Capped = { value: string | null; truncated: boolean };

export function cap(value: string | null | undefined, limit = TEXT_CAP): Capped {
  if (value == null) return { value: null, truncated: false };
  if (value.length <= limit) return { value, truncated: false };
  return {
    value: `${value.slice(0, limit)}\n… [truncated: ${value.length - limit} more characters]`,
    truncated: true,
  };
}

export function capJson(value: unknown, limit = TEXT_CAP): Capped {
  if (value === undefined) return { value: null, truncated: false };
  return cap(JSON.stringify(value), limit);
}
