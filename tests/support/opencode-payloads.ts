/**
 * The parts of OpenCode's HTTP answers and bus events that the tests read, written out here: the
 * tests pin what they rely on, and @opencode-ai/sdk (with its whole generated surface) is not a
 * dependency. Shapes as OpenCode 1.18 sends them.
 */

type OcTokens = { input: number; output: number; reasoning: number; cache: { read: number; write: number } };

/** GET /session/:id, POST /session, and `info` of session.created / session.updated. */
export type OcSession = {
  id: string;
  parentID?: string;
  directory: string;
  cost: number;
  tokens: OcTokens;
};

/** An entry of GET /permission: a tool call waiting for the user. */
export type OcPermissionRequest = { id: string; sessionID: string };

/** A provider's or OpenCode's error, as messages and retry parts carry it. */
type OcError = { name: string; data: { message: string } };

type OcUserMessage = { id: string; sessionID: string; role: "user" };
export type OcAssistantMessage = {
  id: string;
  sessionID: string;
  role: "assistant";
  cost: number;
  tokens: OcTokens;
  error?: OcError;
};
export type OcMessageInfo = OcUserMessage | OcAssistantMessage;

/** An entry of GET /session/:id/message. */
export type OcMessage = { info: OcMessageInfo };

type OcToolState = { status: "completed"; output: string } | { status: "pending" | "running" | "error" };
export type OcToolPart = { type: "tool"; tool: string; state: OcToolState };
type OcPart =
  | { id: string; type: "text"; text: string }
  | OcToolPart
  | { type: "retry"; error: OcError }
  | { type: "reasoning" | "step-start" | "step-finish" | "file" | "patch" | "agent" | "subtask" | "snapshot" };

/** The bus events the tests look into, by type, with the properties they read. */
type OcEventProperties = {
  "session.created": { info: OcSession };
  "session.updated": { info: OcSession };
  "session.status": { sessionID: string; status: { type: string } };
  "session.idle": { sessionID: string };
  "message.updated": { info: OcMessageInfo };
  "message.part.updated": { part: OcPart };
  /** As the plugin forwards it: the streaming part's text so far in `text`, never OpenCode's `delta`. */
  "message.part.delta": { sessionID: string; messageID: string; partID: string; field: string; text?: string };
  "permission.asked": { id: string; sessionID: string };
  "permission.replied": { sessionID: string; requestID: string; reply: string };
};
type OcEventType = keyof OcEventProperties;

/** A bus event as OpenCode hands it to plugins (and as a recorder plugin writes it down). */
export type OcBusEvent = { id: string; type: string; properties: Record<string, unknown> };

/** The events of one type, their properties typed as that type's. */
export function ofType<E extends { type: string }, T extends OcEventType>(
  events: E[],
  type: T,
): (E & { type: T; properties: OcEventProperties[T] })[] {
  return events.filter((e): e is E & { type: T; properties: OcEventProperties[T] } => e.type === type);
}
