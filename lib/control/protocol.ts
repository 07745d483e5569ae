import { z } from "zod";
import { sessionIdSchema } from "../sessions/id";

/**
 * The control channel's frames (docs/control.md): what a plugin may say on its WebSocket, and
 * the commands the server sends. Everything a plugin says is parsed here before it is believed.
 */

/** Frames larger than this are refused: the largest legitimate one is a command with a prompt. */
export const MAX_FRAME_BYTES = 64 * 1024;
export const MAX_PROMPT_BYTES = 32 * 1024;
/** Sessions named in one `own` frame. */
export const MAX_OWNED_PER_FRAME = 500;
const MAX_REASON_CHARS = 500;

/** OpenCode's ids (ses_…, per_…, que_…) and ours (cmd_…) all have the session id's shape. */
const openCodeId = sessionIdSchema;

export const connectedLevel = z.enum(["answer", "full"]);
const RUN_MODES = ["serve", "tui", "run"] as const;

const helloFrame = z.object({
  type: z.literal("hello"),
  instance: openCodeId,
  hostname: z.string().min(1).max(255),
  directory: z.string().max(4096).default(""),
  control: connectedLevel,
  mode: z.enum(RUN_MODES),
  pluginVersion: z.string().max(50).optional(),
  opencodeVersion: z.string().max(50).optional(),
});

export const pluginFrame = z.discriminatedUnion("type", [
  helloFrame,
  z.object({ type: z.literal("own"), sessionIds: z.array(openCodeId).max(MAX_OWNED_PER_FRAME) }),
  z.object({ type: z.literal("received"), commandId: openCodeId }),
  z.object({
    type: z.literal("result"),
    commandId: openCodeId,
    status: z.enum(["applied", "failed"]),
    reason: z
      .string()
      .transform((s) => s.slice(0, MAX_REASON_CHARS))
      .optional(),
  }),
]);
export type HelloFrame = z.infer<typeof helloFrame>;
export type PluginFrame = z.infer<typeof pluginFrame>;

/** What each action carries to the plugin; the API's bodies (./params.ts) are built into these. */
export type CommandArgs = {
  "permission.reply": { permissionId: string; reply: "once" | "always" | "reject"; message?: string };
  "question.reply": { requestId: string; answers: string[][] };
  "question.reject": { requestId: string };
  prompt: { text: string };
  abort: Record<string, never>;
};

export type CommandFrame = {
  [A in keyof CommandArgs]: {
    type: "command";
    id: string;
    sessionId: string;
    action: A;
    args: CommandArgs[A];
    expiresAt: number;
  };
}[keyof CommandArgs];

/** Actions each level allows (docs/control.md). */
export const ALLOWED_ACTIONS: Record<z.infer<typeof connectedLevel>, readonly (keyof CommandArgs)[]> = {
  answer: ["permission.reply", "question.reply", "question.reject", "abort"],
  full: ["permission.reply", "question.reply", "question.reject", "abort", "prompt"],
};
