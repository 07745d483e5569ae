import { sessionIdSchema } from "../sessions/id";
import { z } from "zod";
import { MAX_PROMPT_BYTES } from "./protocol";

/** Bodies of the control API (docs/control.md). Messages complete `<field>: …` in the 400. */

const MAX_MESSAGE_CHARS = 4000;
const MAX_ANSWER_CHARS = 4000;
const MAX_QUESTIONS = 20;
const MAX_CHOICES = 50;

export const permissionReplyBody = z.object({
  reply: z.enum(["once", "always", "reject"], "must be once, always or reject"),
  message: z
    .string("must be a string")
    .trim()
    .max(MAX_MESSAGE_CHARS, `must be at most ${MAX_MESSAGE_CHARS} characters`)
    .optional()
    .transform((m) => m || undefined),
});

export const questionReplyBody = z.object({
  answers: z
    .array(
      z
        .array(z.string("must be strings").max(MAX_ANSWER_CHARS, `must be at most ${MAX_ANSWER_CHARS} characters`))
        .max(MAX_CHOICES, `must hold at most ${MAX_CHOICES} choices`),
      "must be a list of answers per question (string[][])",
    )
    .min(1, "must answer at least one question")
    .max(MAX_QUESTIONS, `must hold at most ${MAX_QUESTIONS} questions`),
});

export const promptBody = z.object({
  text: z
    .string("must be a string")
    .refine((t) => t.trim().length > 0, "must not be empty")
    .refine((t) => Buffer.byteLength(t) <= MAX_PROMPT_BYTES, `must be at most ${MAX_PROMPT_BYTES} bytes`),
});

export const auditParams = z.object({
  session: sessionIdSchema.optional(),
  limit: z.coerce.number("must be a number").int("must be a whole number").min(1).max(500).default(100),
  before: z.coerce.number("must be a number").int().optional(),
});
export type AuditParams = z.output<typeof auditParams>;

const MAX_IDS = 200;
export const controlParams = z.object({
  ids: z
    .string("is required")
    .transform((v) => v.split(",").filter(Boolean))
    .refine((ids) => ids.length >= 1 && ids.length <= MAX_IDS, `must list 1 to ${MAX_IDS} session ids, comma separated`)
    .pipe(z.array(sessionIdSchema)),
});
