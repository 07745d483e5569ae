import { z } from "zod";

/** Longer than any id OpenCode makes (`ses_` + 26 characters), short enough to cost nothing to hold. */
const SESSION_ID_MAX_LENGTH = 200;

/**
 * A session id as OpenCode writes it: a prefix, `_`, then hex time and base62 (`ses_4e1b…`);
 * `-` is let through too. Anything else did not come from OpenCode.
 */
export const sessionIdSchema = z
  .string({ error: "must be a string" })
  .min(1, "must not be empty")
  .max(SESSION_ID_MAX_LENGTH, `must be at most ${SESSION_ID_MAX_LENGTH} characters`)
  .regex(/^[A-Za-z0-9_-]+$/, "must contain only letters, digits, _ and - (as OpenCode's ids do)");
