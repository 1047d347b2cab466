// Every state and kind that crosses the wire, as the node's one name table has them
// (runtime/protocol/states.hpp; tests/contract/states.json is written from it and
// contract.test.ts checks these lists against it). A value of a newer node is kept as it is
// (see readState in ./fields): the types below include it as `Newer`.

import type { Newer } from './fields';

/**
 * A chat's status in GET /api/chats/:id: `restarting` while its crashed session waits to be
 * started again, `failed` once it crashed too often, `stopped` by an operator (both until
 * POST /api/chats/:id/restart), `unavailable` while no node of the cluster can serve it.
 */
export const CHAT_STATUSES = ['idle', 'running', 'restarting', 'failed', 'stopped', 'unavailable'] as const;
export type ChatStatus = (typeof CHAT_STATUSES)[number] | Newer;

/** What a `snapshot` says of the session: whether a turn runs. */
export const SESSION_STATUSES = ['idle', 'running'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number] | Newer;

/**
 * How a turn ended. `interrupted` (the node stopped; the turn resumes from its journal) is never
 * in a turn_end; a timeline shows it if a node reports one.
 */
export const TURN_OUTCOMES = ['completed', 'cancelled', 'error', 'interrupted'] as const;
export type TurnOutcome = (typeof TURN_OUTCOMES)[number] | Newer;

/** `interrupted`: the node stopped while the call ran (the model is told when the turn resumes). */
export const TOOL_OUTCOMES = ['ok', 'error', 'timeout', 'cancelled', 'denied', 'interrupted'] as const;
export type ToolOutcome = (typeof TOOL_OUTCOMES)[number] | Newer;

/** `cache`: a workflow step taken from the step cache (no model call). */
export const TRACE_KINDS = ['tool', 'model', 'cache'] as const;
export type TraceKind = (typeof TRACE_KINDS)[number] | Newer;

/** Who runs agents: a chat's `session`, a background `subagent` (a task). */
export const ACTOR_KINDS = ['session', 'subagent', 'workflow', 'workflow_step'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number] | Newer;

export const ROLES = ['user', 'assistant', 'tool'] as const;
export type Role = (typeof ROLES)[number] | Newer;

/** What a user of the node may do: an admin sees every chat, a user their own. */
export const USER_ROLES = ['admin', 'user'] as const;
export type UserRole = (typeof USER_ROLES)[number] | Newer;

/** Why a `session_failed` frame says the chat's session does not run. */
export const SESSION_FAILURES = ['failed', 'stopped', 'unavailable'] as const;
export type SessionFailureReason = (typeof SESSION_FAILURES)[number] | Newer;

/**
 * What a chat's tool calls may do without a user's decision: `ask` (commands and file changes
 * wait), `auto-edit` (file changes run, commands wait), `allow` (everything runs). A call an
 * allow rule of the chat matches runs in any mode.
 */
export const PERMISSION_MODES = ['ask', 'auto-edit', 'allow'] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number] | Newer;

/**
 * A background subagent's state: `queued` until a limit lets it start, then `running`, then one
 * of the three ends, which it never leaves.
 */
export const TASK_STATES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type TaskState = (typeof TASK_STATES)[number] | Newer;

/** Whether a workflow step came from the step cache (`miss`: it ran, and its reason says why). */
export const CACHE_STATUSES = ['hit', 'miss', 'off'] as const;
export type CacheStatus = (typeof CACHE_STATUSES)[number] | Newer;

/** A workflow run's use of the step cache. */
export const CACHE_MODES = ['on', 'read', 'write', 'off'] as const;
export type CacheMode = (typeof CACHE_MODES)[number] | Newer;

/** A user's answer to an approval: `allow_always` also adds an allow rule to the chat. */
export const DECISIONS = ['allow', 'deny', 'allow_always'] as const;
export type Decision = (typeof DECISIONS)[number];

/** Every frame type the node sends over /ws. */
export const SERVER_FRAME_TYPES = [
  'hello',
  'pong',
  'error',
  'session_failed',
  'snapshot',
  'ack',
  'message',
  'turn_start',
  'assistant_delta',
  'reasoning_delta',
  'tool_call',
  'tool_result',
  'turn_end',
  'tool_trace_start',
  'tool_trace_finish',
  'model_trace_start',
  'model_trace_finish',
  'approval_request',
  'approval_resolved',
  'task_update',
  'workflow_update',
] as const;

/** Every frame type a page sends. */
export const CLIENT_FRAME_TYPES = ['ping', 'subscribe', 'unsubscribe', 'user_message', 'cancel', 'approval_answer'] as const;
