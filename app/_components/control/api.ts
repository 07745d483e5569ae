import type { SessionControl } from "@/lib/control/audit";
import type { CommandItem } from "@/lib/control/commands";
import type { SessionDetail } from "@/lib/sessions/detail";

/**
 * The control API from the browser (docs/control.md): same-origin fetches, so the login cookie
 * goes along and the server's Origin check passes.
 */

export type PendingRequest = SessionDetail["pending"][number];

async function errorText(res: Response) {
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? `the server answered ${res.status}`;
}

async function post(path: string, body?: unknown): Promise<CommandItem> {
  const res = await fetch(path, {
    method: "POST",
    headers: body === undefined ? undefined : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(await errorText(res));
  return ((await res.json()) as { command: CommandItem }).command;
}

const sessionPath = (id: string) => `/api/sessions/${encodeURIComponent(id)}`;

export type PermissionReply = "once" | "always" | "reject";

export const replyPermission = (sessionId: string, permissionId: string, reply: PermissionReply, message?: string) =>
  post(`${sessionPath(sessionId)}/permissions/${encodeURIComponent(permissionId)}`, { reply, message });

export const replyQuestion = (sessionId: string, requestId: string, answers: string[][]) =>
  post(`${sessionPath(sessionId)}/questions/${encodeURIComponent(requestId)}`, { answers });

export const dismissQuestion = (sessionId: string, requestId: string) =>
  post(`${sessionPath(sessionId)}/questions/${encodeURIComponent(requestId)}/reject`);

export const sendPrompt = (sessionId: string, text: string) => post(`${sessionPath(sessionId)}/prompt`, { text });

export const stopSession = (sessionId: string) => post(`${sessionPath(sessionId)}/abort`);

/** What can be done on each session now (GET /api/control). */
export async function fetchControl(ids: string[]): Promise<SessionControl[]> {
  if (ids.length === 0) return [];
  const res = await fetch(`/api/control?ids=${ids.map(encodeURIComponent).join(",")}`);
  if (!res.ok) throw new Error(await errorText(res));
  return ((await res.json()) as { sessions: SessionControl[] }).sessions;
}

/** The session's pending permissions and questions, with their ids and data. */
export async function fetchPending(sessionId: string): Promise<PendingRequest[]> {
  // One timeline entry is the least the detail route sends; only `pending` is used.
  const res = await fetch(`${sessionPath(sessionId)}?order=desc&limit=1`);
  if (!res.ok) throw new Error(await errorText(res));
  return ((await res.json()) as SessionDetail).pending;
}
