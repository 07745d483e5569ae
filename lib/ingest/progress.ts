/**
 * How far along an update of a message or a timeline entry is, stored in their `progress`
 * column. OpenCode does not await its plugin hooks, so the updates of one message or part can
 * arrive in any order: a stored row gives way only to an update at least as far along (the
 * upserts in ./store.ts), so a late "running" never turns a completed tool call back.
 */
export const Progress = {
  /** Announced, not started: a tool call waiting for its turn. */
  pending: 0,
  /** Under way and still changing: a tool running, a text or message being written, a prompt asked. */
  ongoing: 1,
  /** Final: a tool's result, a finished text or message, an answered prompt, a one-off entry. */
  done: 2,
} as const;

export type Progress = (typeof Progress)[keyof typeof Progress];
