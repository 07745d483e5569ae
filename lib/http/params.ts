import { z } from "zod";
import { decodeCursor } from "./cursor";

/**
 * Query-parameter pieces every subject's schemas share. Messages complete `<field>: …` in the 400
 * answer (lib/http/route.ts parseQuery).
 */

export const instant = z.string().transform((value, ctx) => {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: "custom", message: "must be epoch milliseconds or an ISO 8601 date" });
    return z.NEVER;
  }
  return ms;
});

export const cursor = z.string().transform((value, ctx) => {
  const key = decodeCursor(value);
  if (!key) {
    ctx.addIssue({ code: "custom", message: "is not a cursor this API returned" });
    return z.NEVER;
  }
  return key;
});

export const limit = (max: number, fallback: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(max, `must be at most ${max}`)
    .default(fallback);

/** The longest hostname a query accepts (the plugin sends the machine's name). */
export const HOSTNAME_MAX_LENGTH = 255;

/**
 * One search parameter as Next hands it to a page: absent, once, or repeated (the first counts);
 * "" when absent. Pages read their URL leniently (a hand-edited URL shows the page, not an error).
 */
export const searchParam = z.preprocess((value) => (Array.isArray(value) ? value[0] : value), z.string().catch(""));

export const text = (max: number) =>
  z.string().trim().min(1, "must not be empty").max(max, `must be at most ${max} characters`);
