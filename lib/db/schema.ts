import type { Generated, Selectable } from "kysely";

/** Table types for kysely; the migrations in ./migrations/ are the source they mirror. */

export type SessionStatus = "busy" | "idle" | "retry" | "error";
export type AttentionReason = "permission" | "question" | "idle" | "error";
export type ControlLevel = "off" | "answer" | "full";
export type CommandAction = "permission.reply" | "question.reply" | "question.reject" | "prompt" | "abort";
export type CommandStatus = "queued" | "delivered" | "applied" | "failed" | "expired";

interface InstancesTable {
  hostname: string;
  first_seen: number;
  last_seen: number;
  last_heartbeat: number | null;
  opencode_version: string | null;
  plugin_version: string | null;
  busy_reported: number | null;
  spool_bytes: number | null;
  dropped_events: number | null;
  /** The control level the host's plugin reports (docs/control.md); null before it says. */
  control: ControlLevel | null;
}

/**
 * What a model call used, in the columns a message holds for itself and a session holds as the
 * running sum over its messages (ingest keeps the two in step). Cost is in US dollars.
 */
export interface UsageColumns {
  tokens_input: number;
  tokens_output: number;
  tokens_reasoning: number;
  tokens_cache_read: number;
  tokens_cache_write: number;
  cost: number;
}

/** Usage before any message counted: every usage column's default in the migrations. */
export const NO_USAGE: Readonly<UsageColumns> = {
  tokens_input: 0,
  tokens_output: 0,
  tokens_reasoning: 0,
  tokens_cache_read: 0,
  tokens_cache_write: 0,
  cost: 0,
};

interface SessionsTable extends UsageColumns {
  id: string;
  hostname: string;
  directory: string;
  parent_id: string | null;
  project_id: string | null;
  slug: string | null;
  title: string;
  opencode_version: string | null;
  status: SessionStatus;
  status_at: number;
  retry_attempt: number | null;
  retry_message: string | null;
  retry_next: number | null;
  error_message: string | null;
  last_busy_at: number | null;
  last_idle_at: number | null;
  aborted_at: number | null;
  attention_reason: AttentionReason | null;
  attention_detail: string | null;
  attention_since: number | null;
  attention_ref: string | null;
  agent: string | null;
  provider_id: string | null;
  model_id: string | null;
  model_at: number | null;
  message_count: number;
  additions: number | null;
  deletions: number | null;
  files_changed: number | null;
  info_updated_at: number;
  created_at: number;
  updated_at: number;
  last_activity_at: number;
  deleted_at: number | null;
}

interface MessagesTable extends UsageColumns {
  id: string;
  session_id: string;
  role: "user" | "assistant";
  parent_id: string | null;
  provider_id: string | null;
  model_id: string | null;
  agent: string | null;
  mode: string | null;
  created_at: number;
  completed_at: number | null;
  finish: string | null;
  error: string | null;
  progress: number;
}

type TimelineKind =
  | "prompt"
  | "text"
  | "reasoning"
  | "tool"
  | "permission"
  | "question"
  | "error"
  | "compaction"
  | "retry"
  | "diff"
  | "subtask"
  | "file"
  | "patch"
  | "command"
  /** A command sent from the dashboard (docs/control.md), with its outcome. */
  | "control";

interface TimelineTable {
  id: Generated<number>;
  session_id: string;
  key: string;
  kind: TimelineKind;
  message_id: string | null;
  time: number;
  end_time: number | null;
  status: string | null;
  tool: string | null;
  title: string | null;
  text: string | null;
  input: string | null;
  output: string | null;
  data: string | null;
  truncated: number;
  progress: number;
  updated_at: number;
}

interface PendingRequestsTable {
  id: string;
  session_id: string;
  kind: "permission" | "question";
  summary: string;
  data: string;
  asked_at: number;
}

interface TodosTable {
  session_id: string;
  items: string;
  updated_at: number;
}

interface EventsSeenTable {
  id: string;
  received_at: number;
}

interface CommandsTable {
  id: string;
  session_id: string;
  hostname: string;
  action: CommandAction;
  /** JSON: the action's arguments (docs/control.md). */
  args: string;
  status: CommandStatus;
  reason: string | null;
  client_address: string;
  user_agent: string | null;
  created_at: number;
  updated_at: number;
  expires_at: number;
}

/** A session deleted on the dashboard: later events for it are ignored and counted. */
interface TombstonesTable {
  session_id: string;
  hostname: string;
  deleted_at: number;
  ignored_events: number;
  /** The delete, or the latest event ignored since: what upkeep keeps the newest of. */
  last_event_at: number;
}

/** A login ended by signing out: tokens carrying its id are refused (lib/auth/sign-out.ts). */
interface SignedOutTable {
  login_id: string;
  signed_out_at: number;
}

export interface Database {
  instances: InstancesTable;
  sessions: SessionsTable;
  messages: MessagesTable;
  timeline: TimelineTable;
  pending_requests: PendingRequestsTable;
  todos: TodosTable;
  events_seen: EventsSeenTable;
  commands: CommandsTable;
  tombstones: TombstonesTable;
  signed_out: SignedOutTable;
}

export type SessionRow = Selectable<SessionsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type TimelineRow = Selectable<TimelineTable>;
export type InstanceRow = Selectable<InstancesTable>;
export type PendingRequestRow = Selectable<PendingRequestsTable>;
export type CommandRow = Selectable<CommandsTable>;
