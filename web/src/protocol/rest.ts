// The REST records of docs/api.md: health, chats, messages, the timeline and usage, with their
// parsers (traces: ./traces). tests/contract/rest/ holds what the node writes for each.

import {
  ProtocolError,
  argumentsText,
  isObject,
  optionalIntOrNull,
  optionalNumberOrNull,
  optionalText,
  readState,
  requireBool,
  requireDate,
  requireInt,
  requireNumber,
  requireObject,
  requireString,
  requireText,
  type JsonObject,
} from './fields';
import { parseAllowRules, type AllowRule } from './permissions';
import {
  CHAT_STATUSES,
  PERMISSION_MODES,
  ROLES,
  TOOL_OUTCOMES,
  TURN_OUTCOMES,
  USER_ROLES,
  type ChatStatus,
  type PermissionMode,
  type Role,
  type ToolOutcome,
  type TurnOutcome,
  type UserRole,
} from './states';

export interface Health {
  status: string;
  node_id: string;
  version: string;
}

/** Validates a decoded /api/health body. */
export function parseHealth(data: unknown): Health {
  if (!isObject(data)) throw new ProtocolError('health: body must be a JSON object');
  return {
    status: requireString(data, 'status', 'health'),
    node_id: requireString(data, 'node_id', 'health'),
    version: requireString(data, 'version', 'health'),
  };
}

// ---------------------------------------------------------------------------------------
// Who is asking (GET /api/me, POST /api/login)

export interface Me {
  user: string;
  role: UserRole;
  /** The node has no users (loopback): everyone is "local" and there is no login. */
  open: boolean;
}

export function parseMe(data: unknown): Me {
  if (!isObject(data)) throw new ProtocolError('me: body must be a JSON object');
  return {
    user: requireString(data, 'user', 'me'),
    role: readState(data, 'role', 'me', USER_ROLES, 'user role'),
    open: requireBool(data, 'open', 'me'),
  };
}

// ---------------------------------------------------------------------------------------
// Usage

export interface Usage {
  prompt: number;
  cache_hit: number;
  cache_miss: number;
  cache_write: number;
  completion: number;
  reasoning: number;
}

const USAGE_FIELDS = ['prompt', 'cache_hit', 'cache_miss', 'cache_write', 'completion', 'reasoning'] as const;

export function parseUsage(obj: JsonObject, what: string): Usage {
  const u = requireObject(obj, 'usage', what);
  const usage = {} as Usage;
  for (const key of USAGE_FIELDS) usage[key] = requireInt(u, key, `${what}.usage`);
  return usage;
}

/** `usage` that may be null (tool traces) or absent. */
export function parseNullableUsage(obj: JsonObject, what: string): Usage | null {
  return obj.usage === undefined || obj.usage === null ? null : parseUsage(obj, what);
}

// ---------------------------------------------------------------------------------------
// Chats and messages (docs/api.md, "Chats")

export interface Chat {
  id: string;
  workspace: string;
  title: string;
  /** argv of the auto-fix build command, or null when the chat has none. */
  build_command: string[] | null;
  created_at: string;
  archived: boolean;
  status: ChatStatus;
  /** The user who created it (absent from nodes before access control). */
  owner?: string | undefined;
  // Absent from nodes before permissions (./permissions):
  /** What its tool calls may do without a user's decision. */
  permission_mode?: PermissionMode | undefined;
  /** Calls that run without asking, in any mode. */
  allow_rules?: AllowRule[] | undefined;
  /** Sandboxed commands may use the network. */
  network?: boolean | undefined;
  /** Tool calls waiting for a user's decision. */
  pending_approvals?: number | undefined;
}

/** A tool call as stored on an assistant message. */
export interface StoredToolCall {
  id: string;
  name: string;
  /** As the model sent them: JSON text (possibly malformed). */
  arguments: string;
}

/**
 * An image uploaded to a chat (POST /api/chats/:id/attachments), as messages carry it. Its bytes:
 * GET /api/attachments/:id, a WebP fitting 320 px: GET /api/attachments/:id/thumbnail.
 */
export interface Attachment {
  id: string;
  /** Hex SHA-256 of the original bytes. */
  sha256: string;
  /** image/png, image/jpeg, image/webp or image/gif, judged by the node from the bytes. */
  media_type: string;
  bytes: number;
  width: number;
  height: number;
  /** The file name it was uploaded with (a path for `view_image`); may be empty. */
  name: string;
}

export function parseAttachment(data: unknown, what = 'attachment'): Attachment {
  if (!isObject(data)) throw new ProtocolError(`${what}: must be a JSON object`);
  return {
    id: requireString(data, 'id', what),
    sha256: requireString(data, 'sha256', what),
    media_type: requireString(data, 'media_type', what),
    bytes: requireInt(data, 'bytes', what),
    width: requireInt(data, 'width', what, 1),
    height: requireInt(data, 'height', what, 1),
    name: requireText(data, 'name', what),
  };
}

export interface Message {
  id: number;
  role: Role;
  content: string;
  /**
   * The turn the message belongs to. null for a user message whose turn has not started yet
   * (a `message` frame of a waiting message, a snapshot's waiting messages).
   */
  turn: number | null;
  created_at: string;
  /** assistant only */
  reasoning?: string;
  /** assistant only */
  tool_calls?: StoredToolCall[];
  /** tool only */
  tool_call_id?: string;
  tool_name?: string;
  outcome?: ToolOutcome;
  exit_code?: number | null;
  duration_ms?: number;
  /** user only */
  client_id?: string;
  /**
   * The images it carries: a user message's (always there, maybe empty, from nodes with
   * attachments), or the one a `view_image` tool call opened.
   */
  attachments?: Attachment[];
}

export interface ChatWithMessages extends Chat {
  messages: Message[];
}

export function parseChat(data: unknown): Chat {
  const what = 'chat';
  if (!isObject(data)) throw new ProtocolError(`${what}: must be a JSON object`);
  let build: string[] | null = null;
  const raw = data.build_command;
  if (raw !== undefined && raw !== null) {
    if (!Array.isArray(raw) || !raw.every((a) => typeof a === 'string')) {
      throw new ProtocolError(`${what}: field "build_command" must be an array of strings or null`);
    }
    build = raw as string[];
  }
  return {
    id: requireString(data, 'id', what),
    workspace: requireString(data, 'workspace', what),
    title: requireText(data, 'title', what),
    build_command: build,
    created_at: requireString(data, 'created_at', what),
    archived: requireBool(data, 'archived', what),
    // GET /api/chats/:id has "status"; the list and POST /api/chats have none (and a "turns"
    // count this page does not use): absent reads as idle. The `snapshot` frame gives the live
    // status anyway.
    status: data.status === undefined ? 'idle' : readState(data, 'status', what, CHAT_STATUSES, 'chat status'),
    owner: optionalText(data, 'owner', what),
    permission_mode:
      data.permission_mode === undefined
        ? undefined
        : readState(data, 'permission_mode', what, PERMISSION_MODES, 'permission mode'),
    allow_rules: data.allow_rules === undefined ? undefined : parseAllowRules(data, what),
    network: data.network === undefined ? undefined : requireBool(data, 'network', what),
    pending_approvals: data.pending_approvals === undefined ? undefined : requireInt(data, 'pending_approvals', what),
  };
}

function parseStoredToolCall(data: unknown, what: string): StoredToolCall {
  if (!isObject(data)) throw new ProtocolError(`${what}: must be an object`);
  return {
    id: requireString(data, 'id', what),
    name: requireString(data, 'name', what),
    arguments: argumentsText(data, what),
  };
}

export function parseMessage(data: unknown): Message {
  const what = 'message';
  if (!isObject(data)) throw new ProtocolError(`${what}: must be a JSON object`);
  const msg: Message = {
    id: requireInt(data, 'id', what),
    role: readState(data, 'role', what, ROLES, 'message role'),
    content: requireText(data, 'content', what),
    turn: data.turn === null ? null : requireInt(data, 'turn', what),
    created_at: requireString(data, 'created_at', what),
  };
  const reasoning = optionalText(data, 'reasoning', what);
  if (reasoning) msg.reasoning = reasoning;
  if (data.tool_calls !== undefined && data.tool_calls !== null) {
    if (!Array.isArray(data.tool_calls)) {
      throw new ProtocolError(`${what}: field "tool_calls" must be an array`);
    }
    msg.tool_calls = data.tool_calls.map((c, i) => parseStoredToolCall(c, `${what}.tool_calls[${i}]`));
  }
  const callId = optionalText(data, 'tool_call_id', what);
  if (callId !== undefined) msg.tool_call_id = callId;
  const toolName = optionalText(data, 'tool_name', what);
  if (toolName !== undefined) msg.tool_name = toolName;
  if (data.outcome !== undefined && data.outcome !== null) {
    msg.outcome = readState(data, 'outcome', what, TOOL_OUTCOMES, 'tool outcome');
  }
  if ('exit_code' in data) msg.exit_code = optionalIntOrNull(data, 'exit_code', what);
  if (data.duration_ms !== undefined && data.duration_ms !== null) {
    msg.duration_ms = requireNumber(data, 'duration_ms', what);
  }
  const clientId = optionalText(data, 'client_id', what);
  if (clientId) msg.client_id = clientId;
  if (data.attachments !== undefined && data.attachments !== null) {
    if (!Array.isArray(data.attachments)) throw new ProtocolError(`${what}: field "attachments" must be an array`);
    msg.attachments = data.attachments.map((a, i) => parseAttachment(a, `${what}.attachments[${i}]`));
  }
  if (msg.role === 'tool' && msg.tool_call_id === undefined) {
    throw new ProtocolError(`${what}: a tool message needs "tool_call_id"`);
  }
  return msg;
}

export function parseChatWithMessages(data: unknown): ChatWithMessages {
  const chat = parseChat(data);
  const body = data as JsonObject;
  if (!Array.isArray(body.messages)) throw new ProtocolError('chat: field "messages" must be an array');
  return { ...chat, messages: body.messages.map(parseMessage) };
}

export function parseChatList(data: unknown): Chat[] {
  if (!isObject(data) || !Array.isArray(data.items)) {
    throw new ProtocolError('chat list: body must be {"items": [...]}');
  }
  return data.items.map(parseChat);
}

export function parseSendResult(data: unknown): { message_id: number } {
  if (!isObject(data)) throw new ProtocolError('send: body must be a JSON object');
  return { message_id: requireInt(data, 'message_id', 'send') };
}

/** POST /api/chats/:id/restart -> {"restarted": bool} (false: the session was running). */
export function parseRestartResult(data: unknown): { restarted: boolean } {
  if (!isObject(data)) throw new ProtocolError('restart: body must be a JSON object');
  return { restarted: requireBool(data, 'restarted', 'restart') };
}

// ---------------------------------------------------------------------------------------
// Timeline (GET /api/chats/:id/timeline): one entry per turn

/** How a turn ended, or `running`. */
export const TIMELINE_OUTCOMES = [...TURN_OUTCOMES, 'running'] as const;
export type TimelineOutcome = TurnOutcome | 'running';

export interface TimelineTurn {
  turn: number;
  /** ISO 8601 UTC. */
  started_at: string;
  /** null while the turn runs. */
  finished_at: string | null;
  duration_ms: number | null;
  outcome: TimelineOutcome;
  /** The turn's tokens over its model calls. */
  usage: Usage;
  model_calls: number;
  tool_calls: number;
  /** The turn's first message (its user message), to scroll to; null when it has none. */
  first_message_id: number | null;
  /** The turn's first user message, at most 120 characters. */
  preview: string;
  /** What went wrong, for a turn that ended with outcome `error` (absent otherwise). */
  error?: string;
}

export function parseTimelineTurn(data: unknown): TimelineTurn {
  const what = 'timeline turn';
  if (!isObject(data)) throw new ProtocolError(`${what}: must be a JSON object`);
  const finished = optionalText(data, 'finished_at', what);
  const error = optionalText(data, 'error', what);
  return {
    turn: requireInt(data, 'turn', what, 1),
    started_at: requireDate(data, 'started_at', what),
    finished_at: finished === undefined ? null : requireDate(data, 'finished_at', what),
    duration_ms: optionalNumberOrNull(data, 'duration_ms', what),
    outcome: readState(data, 'outcome', what, TIMELINE_OUTCOMES, 'turn outcome'),
    usage: parseUsage(data, what),
    model_calls: requireInt(data, 'model_calls', what),
    tool_calls: requireInt(data, 'tool_calls', what),
    first_message_id: optionalIntOrNull(data, 'first_message_id', what),
    preview: optionalText(data, 'preview', what) ?? '',
    ...(error ? { error } : {}),
  };
}

/** Validates GET /api/chats/:id/timeline: {"turns": [...]}, returned in turn order. */
export function parseTimeline(data: unknown): TimelineTurn[] {
  if (!isObject(data) || !Array.isArray(data.turns)) {
    throw new ProtocolError('timeline: body must be {"turns": [...]}');
  }
  return data.turns.map(parseTimelineTurn).sort((a, b) => a.turn - b.turn);
}
