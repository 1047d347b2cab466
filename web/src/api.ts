// Protocol types and validation for talking to a BooCode node (docs/api.md, docs/protocol.md).
//
// HTTP: GET /api/health -> 200 {"status":"ok","node_id":"...","version":"..."}
//       /api/chats...   -> chats and messages (types here, calls in chat-api.ts)
// WS:   /ws; the server's first text frame is {"type":"hello","node_id":"...","version":"..."},
//       then connection frames (pong, error, session_failed) and chat frames (carrying chat_id
//       and seq; `subscribe` is answered by a `snapshot`).
//       /api/chats/:id/traces and the *_trace_* frames -> traces (calls in trace-api.ts).
//       /api/chats/:id/timeline -> a chat's turns (calls in chat-api.ts).
//
// Everything that crosses the wire is validated here, so components only ever see typed
// values. Unknown fields are dropped; a missing or mistyped documented field is a
// ProtocolError.

import { parseIsoMicros } from './traces';

export interface Health {
  status: string;
  node_id: string;
  version: string;
}

// ---------------------------------------------------------------------------------------
// Errors

/** What the UI shows for any failure: the node's error code and message. */
export interface ErrorInfo {
  code: string;
  message: string;
}

/** An HTTP request to the node failed (network error, non-2xx status or bad body). */
export class ApiError extends Error {
  /** HTTP status, or undefined when no response arrived. */
  readonly status: number | undefined;
  /** The node's machine-readable error code (`error.code` in the body), if any. */
  readonly code: string | undefined;

  constructor(message: string, status?: number, code?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** The node's error body: {"error":{"code":"not_found","message":"..."}}. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** A frame or body did not match the protocol. */
export class ProtocolError extends Error {
  readonly code = 'bad_response';
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** Any thrown value as {code, message} for display. */
export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof ApiError) {
    return { code: err.code ?? (err.status ? `http_${err.status}` : 'network'), message: err.message };
  }
  if (err instanceof ProtocolError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: 'unknown', message: err.message };
  return { code: 'unknown', message: String(err) };
}

// ---------------------------------------------------------------------------------------
// Field readers

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireString(obj: JsonObject, key: string, what: string): string {
  const value = obj[key];
  if (typeof value !== 'string' || value === '') {
    throw new ProtocolError(`${what}: field "${key}" must be a non-empty string`);
  }
  return value;
}

/** A string that may be empty (text, output, content). */
function requireText(obj: JsonObject, key: string, what: string): string {
  const value = obj[key];
  if (typeof value !== 'string') throw new ProtocolError(`${what}: field "${key}" must be a string`);
  return value;
}

/** An optional string: absent or null gives undefined. */
function optionalText(obj: JsonObject, key: string, what: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ProtocolError(`${what}: field "${key}" must be a string`);
  return value;
}

function requireInt(obj: JsonObject, key: string, what: string, min = 0): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ProtocolError(`${what}: field "${key}" must be an integer >= ${min}`);
  }
  return value;
}

function requireNumber(obj: JsonObject, key: string, what: string): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ProtocolError(`${what}: field "${key}" must be a number >= 0`);
  }
  return value;
}

/** An integer (any sign) or null; absent gives null. */
function optionalIntOrNull(obj: JsonObject, key: string, what: string): number | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ProtocolError(`${what}: field "${key}" must be an integer or null`);
  }
  return value;
}

function requireBool(obj: JsonObject, key: string, what: string): boolean {
  const value = obj[key];
  if (typeof value !== 'boolean') throw new ProtocolError(`${what}: field "${key}" must be a boolean`);
  return value;
}

function requireOneOf<T extends string>(
  obj: JsonObject,
  key: string,
  what: string,
  allowed: readonly T[],
): T {
  const value = obj[key];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ProtocolError(`${what}: field "${key}" must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function requireObject(obj: JsonObject, key: string, what: string): JsonObject {
  const value = obj[key];
  if (!isObject(value)) throw new ProtocolError(`${what}: field "${key}" must be an object`);
  return value;
}

// ---------------------------------------------------------------------------------------
// Health

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
// Chats and messages (docs/api.md, "Chats")

export const ROLES = ['user', 'assistant', 'tool'] as const;
export type Role = (typeof ROLES)[number];

/** `interrupted`: the node stopped while the call ran (the model is told when the turn resumes). */
export const TOOL_OUTCOMES = ['ok', 'error', 'timeout', 'cancelled', 'denied', 'interrupted'] as const;
export type ToolOutcome = (typeof TOOL_OUTCOMES)[number];

export const TURN_OUTCOMES = ['completed', 'cancelled', 'error'] as const;
export type TurnOutcome = (typeof TURN_OUTCOMES)[number];

/**
 * A chat's status in GET /api/chats/:id: `restarting` while its crashed session waits to be
 * started again, `failed` once it crashed too often (POST /api/chats/:id/restart starts it).
 */
export const CHAT_STATUSES = ['idle', 'running', 'restarting', 'failed'] as const;
export type ChatStatus = (typeof CHAT_STATUSES)[number];

/** What a `snapshot` says of the session: whether a turn runs. */
export const SESSION_STATUSES = ['idle', 'running'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export interface Chat {
  id: string;
  workspace: string;
  title: string;
  /** argv of the auto-fix build command, or null when the chat has none. */
  build_command: string[] | null;
  created_at: string;
  archived: boolean;
  status: ChatStatus;
}

/** A tool call as stored on an assistant message. */
export interface StoredToolCall {
  id: string;
  name: string;
  /** As the model sent them: JSON text (possibly malformed). */
  arguments: string;
}

export interface Message {
  id: number;
  role: Role;
  content: string;
  /**
   * The turn the message belongs to. null for a user message whose turn has not started yet:
   * the node sends the user's message in its `message` frame with "turn": null (and 1, 2, ...
   * from GET /api/chats/:id once the turn ran); docs/api.md does not mention null.
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
    status: data.status === undefined ? 'idle' : requireOneOf(data, 'status', what, CHAT_STATUSES),
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

/** `arguments` is JSON text; an object (already decoded) is accepted and re-encoded. */
function argumentsText(data: JsonObject, what: string): string {
  const value = data.arguments;
  if (typeof value === 'string') return value;
  if (isObject(value) || Array.isArray(value)) return JSON.stringify(value);
  throw new ProtocolError(`${what}: field "arguments" must be JSON text or an object`);
}

export function parseMessage(data: unknown): Message {
  const what = 'message';
  if (!isObject(data)) throw new ProtocolError(`${what}: must be a JSON object`);
  const msg: Message = {
    id: requireInt(data, 'id', what),
    role: requireOneOf(data, 'role', what, ROLES),
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
    msg.outcome = requireOneOf(data, 'outcome', what, TOOL_OUTCOMES);
  }
  if ('exit_code' in data) msg.exit_code = optionalIntOrNull(data, 'exit_code', what);
  if (data.duration_ms !== undefined && data.duration_ms !== null) {
    msg.duration_ms = requireNumber(data, 'duration_ms', what);
  }
  const clientId = optionalText(data, 'client_id', what);
  if (clientId) msg.client_id = clientId;
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

/**
 * How a turn ended, or `running`. `interrupted` is not in the endpoint's contract (a turn cut
 * short by a node stop resumes and ends as one of the others); it is accepted so a node that
 * reports one does not cost the whole timeline.
 */
export const TIMELINE_OUTCOMES = ['completed', 'cancelled', 'error', 'running', 'interrupted'] as const;
export type TimelineOutcome = (typeof TIMELINE_OUTCOMES)[number];

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
    outcome: requireOneOf(data, 'outcome', what, TIMELINE_OUTCOMES),
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

// ---------------------------------------------------------------------------------------
// WebSocket frames (docs/protocol.md)

export interface HelloFrame {
  type: 'hello';
  node_id: string;
  version: string;
}

export interface PongFrame {
  type: 'pong';
}

/**
 * `error`. Without `seq` it is about a client frame (connection level; `chat_id` when the
 * frame named a chat). With `chat_id` and `seq` it is a chat frame: something failed inside
 * a turn.
 */
export interface ErrorFrame {
  type: 'error';
  code: string;
  message: string;
  chat_id?: string;
  seq?: number;
}

interface ChatFrameBase {
  chat_id: string;
  seq: number;
}

/**
 * `session_failed` (connection level, no seq): the chat's session crashed `crashes` times in a
 * short while and is not restarted until POST /api/chats/:id/restart.
 */
export interface SessionFailedFrame {
  type: 'session_failed';
  chat_id: string;
  crashes: number;
  error: string;
}

/** A tool call as `tool_call` frames and a snapshot's `running_tools` carry it. */
export interface ToolCallPayload {
  turn: number;
  call_id: string;
  name: string;
  /** JSON text (an object sent by the node is re-encoded). */
  arguments: string;
}

/** The turn in progress, in a full snapshot. */
export interface SnapshotTurn {
  number: number;
  /** The answer and the reasoning streamed so far (since the last stored assistant message). */
  text: string;
  reasoning: string;
  /** The tool calls still running. */
  running_tools: ToolCallPayload[];
  /**
   * The turn continues after a node restart. Not in the protocol yet (only turn_start says
   * so, and a page that subscribes after it never sees it): read when a node sends it.
   */
  resumed?: boolean;
}

interface SnapshotBase extends ChatFrameBase {
  type: 'snapshot';
  /** Changes whenever the chat's session restarts: seqs of another epoch are not comparable. */
  epoch: number;
  status: SessionStatus;
}

/**
 * The answer to `subscribe` (it consumes no seq of its own). Full: the chat as it is at `seq`;
 * replace what you had. Resumed (the subscribe's after_seq and epoch matched): `seq` is the
 * after_seq; keep what you had and apply the frames that follow.
 */
export type SnapshotFrame =
  | (SnapshotBase & { resumed: true })
  | (SnapshotBase & {
      resumed: false;
      /** Finished turns, the turn in progress, then waiting user messages (turn null). */
      messages: Message[];
      turn: SnapshotTurn | null;
      /** The chat's totals over finished turns. */
      usage: Usage;
    });

export interface AckFrame extends ChatFrameBase {
  type: 'ack';
  client_id: string;
  message_id: number;
}

export interface MessageFrame extends ChatFrameBase {
  type: 'message';
  message: Message;
}

export interface TurnStartFrame extends ChatFrameBase {
  type: 'turn_start';
  turn: number;
  /** The waiting user messages this turn answers (empty on a resumed turn). */
  user_message_ids: number[];
  /** The turn continues after a node restart. */
  resumed: boolean;
}

export interface DeltaFrame extends ChatFrameBase {
  type: 'assistant_delta' | 'reasoning_delta';
  turn: number;
  text: string;
}

export interface ToolCallFrame extends ChatFrameBase, ToolCallPayload {
  type: 'tool_call';
}

export interface ToolResultFrame extends ChatFrameBase {
  type: 'tool_result';
  turn: number;
  call_id: string;
  name: string;
  outcome: ToolOutcome;
  output: string;
  exit_code: number | null;
  duration_ms: number;
}

export interface Usage {
  prompt: number;
  cache_hit: number;
  cache_miss: number;
  cache_write: number;
  completion: number;
  reasoning: number;
}

export interface TurnEndFrame extends ChatFrameBase {
  type: 'turn_end';
  turn: number;
  outcome: TurnOutcome;
  usage: Usage;
  /** When outcome is error: what went wrong. */
  error?: ErrorInfo;
}

export interface ChatErrorFrame extends ChatFrameBase {
  type: 'error';
  code: string;
  message: string;
}

// ---------------------------------------------------------------------------------------
// Traces (docs/api.md, "GET /api/chats/:id/traces"; docs/protocol.md, the *_trace_* frames)

export const TRACE_OUTCOMES = ['ok', 'error', 'timeout', 'cancelled', 'interrupted', 'denied'] as const;
export type TraceOutcome = (typeof TRACE_OUTCOMES)[number];

export const TRACE_KINDS = ['tool', 'model'] as const;
export type TraceKind = (typeof TRACE_KINDS)[number];

/** Who ran a traced call: `session` (and the chat id) today. */
export interface TraceActor {
  actor_kind: string;
  actor_id: string;
  /** The trace that started this actor; null for a chat's own calls. */
  parent_id: string | null;
}

/** One stored tool or model call, as GET /api/chats/:id/traces returns it. */
export interface Trace extends TraceActor {
  id: string;
  chat_id: string;
  turn: number;
  kind: TraceKind;
  /** The tool's name; `build` for the auto-fix build; `model` for a model call. */
  tool: string;
  /** Tool calls: the model's id for the call; null (or absent on the wire) for model calls. */
  call_id: string | null;
  /** Tool: the arguments (an object, or a string when the model sent invalid JSON); model: {model, messages, tools}. */
  input: unknown;
  /** At most 16 KiB, cut with a visible marker. */
  output: string;
  /** ISO 8601 UTC with microseconds. */
  started_at: string;
  finished_at: string;
  latency_ms: number;
  ttft_ms: number | null;
  outcome: TraceOutcome;
  error: string | null;
  exit_code: number | null;
  tokens_used: number;
  cache_tokens: number;
  reasoning_tokens: number;
  /** Model calls only. */
  usage: Usage | null;
  model: string | null;
  finish_reason: string | null;
  attempts: number | null;
}

export interface TracePage {
  items: Trace[];
  /** Opaque; null on the last page. */
  next_cursor: string | null;
}

export interface ToolTraceStartFrame extends ChatFrameBase, TraceActor {
  type: 'tool_trace_start';
  id: string;
  turn: number;
  tool: string;
  call_id: string | null;
  input: unknown;
  started_at: string;
}

export interface ToolTraceFinishFrame extends ChatFrameBase {
  type: 'tool_trace_finish';
  id: string;
  turn: number;
  tool: string;
  finished_at: string;
  latency_ms: number;
  outcome: TraceOutcome;
  /** The first 2 KiB of the output. */
  output_preview: string;
  error: string | null;
  exit_code: number | null;
  tokens_used: number;
}

export interface ModelTraceStartFrame extends ChatFrameBase, TraceActor {
  type: 'model_trace_start';
  id: string;
  turn: number;
  model: string;
  input: unknown;
  started_at: string;
}

export interface ModelTraceFinishFrame extends ChatFrameBase {
  type: 'model_trace_finish';
  id: string;
  turn: number;
  finished_at: string;
  latency_ms: number;
  ttft_ms: number | null;
  outcome: TraceOutcome;
  output_preview: string;
  error: string | null;
  finish_reason: string | null;
  attempts: number | null;
  usage: Usage | null;
  tokens_used: number;
  cache_tokens: number;
  reasoning_tokens: number;
}

export type TraceStartFrame = ToolTraceStartFrame | ModelTraceStartFrame;
export type TraceFinishFrame = ToolTraceFinishFrame | ModelTraceFinishFrame;
export type TraceFrame = TraceStartFrame | TraceFinishFrame;

/** Frames that carry chat_id and seq. */
export type ChatFrame =
  | SnapshotFrame
  | AckFrame
  | MessageFrame
  | TurnStartFrame
  | DeltaFrame
  | ToolCallFrame
  | ToolResultFrame
  | TurnEndFrame
  | TraceFrame
  | ChatErrorFrame;

/** Every frame the server may send over /ws. */
export type ServerFrame = HelloFrame | PongFrame | ErrorFrame | SessionFailedFrame | ChatFrame;

/** Frames the client sends. */
export type ClientFrame =
  | { type: 'ping' }
  /** after_seq and epoch (both or neither): continue from there if the session still can. */
  | { type: 'subscribe'; chat_id: string; after_seq?: number; epoch?: number }
  | { type: 'unsubscribe'; chat_id: string }
  | { type: 'user_message'; chat_id: string; text: string; client_id: string }
  | { type: 'cancel'; chat_id: string };

/** True for frames that carry chat_id and seq (an `error` with a seq is one; `session_failed` is not). */
export function isChatFrame(frame: ServerFrame): frame is ChatFrame {
  return 'chat_id' in frame && typeof frame.chat_id === 'string' && 'seq' in frame && typeof frame.seq === 'number';
}

const USAGE_FIELDS = ['prompt', 'cache_hit', 'cache_miss', 'cache_write', 'completion', 'reasoning'] as const;

function parseUsage(obj: JsonObject, what: string): Usage {
  const u = requireObject(obj, 'usage', what);
  const usage = {} as Usage;
  for (const key of USAGE_FIELDS) usage[key] = requireInt(u, key, `${what}.usage`);
  return usage;
}

/** `usage` that may be null (tool traces) or absent. */
function parseNullableUsage(obj: JsonObject, what: string): Usage | null {
  return obj.usage === undefined || obj.usage === null ? null : parseUsage(obj, what);
}

/** A number >= 0 or null; absent gives null. */
function optionalNumberOrNull(obj: JsonObject, key: string, what: string): number | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ProtocolError(`${what}: field "${key}" must be a number >= 0 or null`);
  }
  return value;
}

/** A string or null; absent gives null. */
function optionalTextOrNull(obj: JsonObject, key: string, what: string): string | null {
  return optionalText(obj, key, what) ?? null;
}

/** An ISO 8601 timestamp the trace viewer can place on a time axis. */
function requireTimestamp(obj: JsonObject, key: string, what: string): string {
  const value = requireString(obj, key, what);
  if (parseIsoMicros(value) === null) throw new ProtocolError(`${what}: field "${key}" must be an ISO 8601 timestamp`);
  return value;
}

/** A timestamp `Date` can read (ISO 8601). */
function requireDate(obj: JsonObject, key: string, what: string): string {
  const value = requireString(obj, key, what);
  if (Number.isNaN(Date.parse(value))) throw new ProtocolError(`${what}: field "${key}" must be an ISO 8601 timestamp`);
  return value;
}

/** `input` is any JSON value, but it must be there. */
function requireJson(obj: JsonObject, key: string, what: string): unknown {
  if (!(key in obj) || obj[key] === undefined) throw new ProtocolError(`${what}: field "${key}" is missing`);
  return obj[key];
}

/**
 * actor_kind and actor_id are documented on every trace, but the viewer does not need them:
 * absent reads as a chat's own session, so a node that omits them does not cost the trace.
 */
function parseActor(obj: JsonObject, what: string): TraceActor {
  return {
    actor_kind: optionalText(obj, 'actor_kind', what) ?? 'session',
    actor_id: optionalText(obj, 'actor_id', what) ?? '',
    parent_id: optionalTextOrNull(obj, 'parent_id', what),
  };
}

/** Validates one trace of GET /api/chats/:id/traces. */
export function parseTrace(data: unknown): Trace {
  const what = 'trace';
  if (!isObject(data)) throw new ProtocolError(`${what}: must be a JSON object`);
  return {
    id: requireString(data, 'id', what),
    chat_id: requireString(data, 'chat_id', what),
    turn: requireInt(data, 'turn', what),
    kind: requireOneOf(data, 'kind', what, TRACE_KINDS),
    tool: requireString(data, 'tool', what),
    // The node writes "" for a model call's call_id; the contract says tool only.
    call_id: optionalTextOrNull(data, 'call_id', what) || null,
    ...parseActor(data, what),
    input: requireJson(data, 'input', what),
    output: requireText(data, 'output', what),
    started_at: requireTimestamp(data, 'started_at', what),
    finished_at: requireTimestamp(data, 'finished_at', what),
    latency_ms: requireNumber(data, 'latency_ms', what),
    ttft_ms: optionalNumberOrNull(data, 'ttft_ms', what),
    outcome: requireOneOf(data, 'outcome', what, TRACE_OUTCOMES),
    error: optionalTextOrNull(data, 'error', what),
    exit_code: optionalIntOrNull(data, 'exit_code', what),
    tokens_used: requireInt(data, 'tokens_used', what),
    cache_tokens: requireInt(data, 'cache_tokens', what),
    reasoning_tokens: requireInt(data, 'reasoning_tokens', what),
    usage: parseNullableUsage(data, what),
    model: optionalTextOrNull(data, 'model', what),
    finish_reason: optionalTextOrNull(data, 'finish_reason', what),
    attempts: optionalIntOrNull(data, 'attempts', what),
  };
}

/** Validates a page of GET /api/chats/:id/traces: {"items": [...], "next_cursor": "..." | null}. */
export function parseTracePage(data: unknown): TracePage {
  if (!isObject(data) || !Array.isArray(data.items)) {
    throw new ProtocolError('traces: body must be {"items": [...], "next_cursor": ...}');
  }
  const cursor = data.next_cursor;
  if (cursor !== null && cursor !== undefined && (typeof cursor !== 'string' || cursor === '')) {
    throw new ProtocolError('traces: field "next_cursor" must be a non-empty string or null');
  }
  return { items: data.items.map(parseTrace), next_cursor: cursor ?? null };
}

function parseTraceFrame(type: TraceFrame['type'], base: ChatFrameBase, data: JsonObject): TraceFrame {
  const what = type;
  const common = { ...base, id: requireString(data, 'id', what), turn: requireInt(data, 'turn', what) };
  switch (type) {
    case 'tool_trace_start':
      return {
        type,
        ...common,
        tool: requireString(data, 'tool', what),
        call_id: optionalTextOrNull(data, 'call_id', what) || null,
        input: requireJson(data, 'input', what),
        started_at: requireTimestamp(data, 'started_at', what),
        ...parseActor(data, what),
      };
    case 'model_trace_start':
      return {
        type,
        ...common,
        model: requireText(data, 'model', what),
        input: requireJson(data, 'input', what),
        started_at: requireTimestamp(data, 'started_at', what),
        ...parseActor(data, what),
      };
    case 'tool_trace_finish':
      return {
        type,
        ...common,
        tool: requireString(data, 'tool', what),
        finished_at: requireTimestamp(data, 'finished_at', what),
        latency_ms: requireNumber(data, 'latency_ms', what),
        outcome: requireOneOf(data, 'outcome', what, TRACE_OUTCOMES),
        output_preview: requireText(data, 'output_preview', what),
        error: optionalTextOrNull(data, 'error', what),
        exit_code: optionalIntOrNull(data, 'exit_code', what),
        tokens_used: requireInt(data, 'tokens_used', what),
      };
    case 'model_trace_finish':
      return {
        type,
        ...common,
        finished_at: requireTimestamp(data, 'finished_at', what),
        latency_ms: requireNumber(data, 'latency_ms', what),
        ttft_ms: optionalNumberOrNull(data, 'ttft_ms', what),
        outcome: requireOneOf(data, 'outcome', what, TRACE_OUTCOMES),
        output_preview: requireText(data, 'output_preview', what),
        error: optionalTextOrNull(data, 'error', what),
        finish_reason: optionalTextOrNull(data, 'finish_reason', what),
        attempts: optionalIntOrNull(data, 'attempts', what),
        usage: parseNullableUsage(data, what),
        tokens_used: requireInt(data, 'tokens_used', what),
        cache_tokens: requireInt(data, 'cache_tokens', what),
        reasoning_tokens: requireInt(data, 'reasoning_tokens', what),
      };
  }
}

/** `error` of a failed turn: a string or {code, message}. */
function parseTurnError(obj: JsonObject, what: string): ErrorInfo | undefined {
  const value = obj.error;
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return { code: 'error', message: value };
  if (isObject(value)) {
    return {
      code: typeof value.code === 'string' && value.code ? value.code : 'error',
      message: requireText(value, 'message', `${what}.error`),
    };
  }
  throw new ProtocolError(`${what}: field "error" must be a string or {code, message}`);
}

function parseToolCallPayload(data: JsonObject, what: string): ToolCallPayload {
  return {
    turn: requireInt(data, 'turn', what),
    call_id: requireString(data, 'call_id', what),
    name: requireString(data, 'name', what),
    arguments: argumentsText(data, what),
  };
}

/** An array of message ids; absent or null gives []. */
function optionalIds(obj: JsonObject, key: string, what: string): number[] {
  const value = obj[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
    throw new ProtocolError(`${what}: field "${key}" must be an array of message ids`);
  }
  return value as number[];
}

function parseSnapshotTurn(data: JsonObject, what: string): SnapshotTurn | null {
  const value = data.turn;
  if (value === null) return null;
  if (!isObject(value)) throw new ProtocolError(`${what}: field "turn" must be an object or null`);
  const w = `${what}.turn`;
  const number = requireInt(value, 'number', w, 1);
  const tools = value.running_tools ?? [];
  if (!Array.isArray(tools)) throw new ProtocolError(`${w}: field "running_tools" must be an array`);
  const turn: SnapshotTurn = {
    number,
    text: optionalText(value, 'text', w) ?? '',
    reasoning: optionalText(value, 'reasoning', w) ?? '',
    running_tools: tools.map((t, i) => {
      const wi = `${w}.running_tools[${i}]`;
      if (!isObject(t)) throw new ProtocolError(`${wi}: must be an object`);
      // The payload of its tool_call frame; its turn is the snapshot's when absent.
      return parseToolCallPayload({ turn: number, ...t }, wi);
    }),
  };
  if (value.resumed !== undefined && value.resumed !== null && requireBool(value, 'resumed', w)) turn.resumed = true;
  return turn;
}

function parseSnapshot(base: ChatFrameBase, data: JsonObject): SnapshotFrame {
  const what = 'snapshot';
  const head = {
    type: 'snapshot' as const,
    ...base,
    epoch: requireInt(data, 'epoch', what),
    status: requireOneOf(data, 'status', what, SESSION_STATUSES),
  };
  if (requireBool(data, 'resumed', what)) return { ...head, resumed: true };
  if (!Array.isArray(data.messages)) throw new ProtocolError(`${what}: field "messages" must be an array`);
  if (!('turn' in data)) throw new ProtocolError(`${what}: field "turn" is missing`);
  return {
    ...head,
    resumed: false,
    messages: data.messages.map(parseMessage),
    turn: parseSnapshotTurn(data, what),
    usage: parseUsage(data, what),
  };
}

/** Validates a decoded frame object. */
export function parseFrameObject(data: unknown): ServerFrame {
  if (!isObject(data)) throw new ProtocolError('frame: must be a JSON object');
  const type = data.type;
  if (typeof type !== 'string' || type === '') throw new ProtocolError('frame: missing string "type"');
  const what = type;
  switch (type) {
    case 'hello':
      return {
        type: 'hello',
        node_id: requireString(data, 'node_id', what),
        version: requireString(data, 'version', what),
      };
    case 'pong':
      return { type: 'pong' };
    case 'error': {
      const frame: ErrorFrame = {
        type: 'error',
        code: requireString(data, 'code', what),
        message: requireText(data, 'message', what),
      };
      if (data.chat_id !== undefined && data.chat_id !== null) frame.chat_id = requireString(data, 'chat_id', what);
      if (data.seq !== undefined && data.seq !== null) {
        frame.seq = requireInt(data, 'seq', what);
        if (frame.chat_id === undefined) throw new ProtocolError('error: a frame with "seq" needs "chat_id"');
      }
      return frame;
    }
    case 'session_failed':
      return {
        type: 'session_failed',
        chat_id: requireString(data, 'chat_id', what),
        crashes: requireInt(data, 'crashes', what),
        error: requireText(data, 'error', what),
      };
    default:
      break;
  }

  // Chat frames.
  const base: ChatFrameBase = {
    chat_id: requireString(data, 'chat_id', what),
    seq: requireInt(data, 'seq', what),
  };
  switch (type) {
    case 'snapshot':
      return parseSnapshot(base, data);
    case 'ack':
      return {
        type,
        ...base,
        client_id: requireString(data, 'client_id', what),
        message_id: requireInt(data, 'message_id', what),
      };
    case 'message':
      return { type, ...base, message: parseMessage(data.message) };
    case 'turn_start':
      return {
        type,
        ...base,
        turn: requireInt(data, 'turn', what),
        user_message_ids: optionalIds(data, 'user_message_ids', what),
        resumed: data.resumed === undefined || data.resumed === null ? false : requireBool(data, 'resumed', what),
      };
    case 'assistant_delta':
    case 'reasoning_delta':
      return { type, ...base, turn: requireInt(data, 'turn', what), text: requireText(data, 'text', what) };
    case 'tool_call':
      return { type, ...base, ...parseToolCallPayload(data, what) };
    case 'tool_result':
      return {
        type,
        ...base,
        turn: requireInt(data, 'turn', what),
        call_id: requireString(data, 'call_id', what),
        name: requireString(data, 'name', what),
        outcome: requireOneOf(data, 'outcome', what, TOOL_OUTCOMES),
        output: requireText(data, 'output', what),
        exit_code: optionalIntOrNull(data, 'exit_code', what),
        duration_ms: requireNumber(data, 'duration_ms', what),
      };
    case 'turn_end': {
      const frame: TurnEndFrame = {
        type,
        ...base,
        turn: requireInt(data, 'turn', what),
        outcome: requireOneOf(data, 'outcome', what, TURN_OUTCOMES),
        usage: parseUsage(data, what),
      };
      const error = parseTurnError(data, what);
      if (error) frame.error = error;
      return frame;
    }
    case 'tool_trace_start':
    case 'tool_trace_finish':
    case 'model_trace_start':
    case 'model_trace_finish':
      return parseTraceFrame(type, base, data);
    default:
      throw new ProtocolError(`frame: unknown type ${JSON.stringify(type)}`);
  }
}

/** Parses one text frame from /ws into a typed ServerFrame, or throws ProtocolError. */
export function parseServerFrame(text: unknown): ServerFrame {
  if (typeof text !== 'string') throw new ProtocolError('frame: expected a text frame');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ProtocolError('frame: not valid JSON');
  }
  return parseFrameObject(data);
}

/** Parses the first frame on /ws, which must be a hello frame. */
export function parseHelloFrame(text: unknown): HelloFrame {
  const frame = parseServerFrame(text);
  if (frame.type === 'hello') return frame;
  throw new ProtocolError('frame: expected a hello frame first');
}

/** The /ws URL for a page at `loc` (ws: for http:, wss: for https:). */
export function wsUrl(loc: { protocol: string; host: string }, path = '/ws'): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}${path}`;
}

// ---------------------------------------------------------------------------------------
// HTTP

export interface FetchOptions {
  /** Prefix for the request URL, e.g. "http://127.0.0.1:8080". Default: same origin. */
  baseUrl?: string;
  signal?: AbortSignal;
  /** Injected for tests; defaults to the global fetch. */
  fetchImpl?: typeof fetch;
}

/**
 * Sends a request and returns the decoded JSON body of a 2xx answer.
 *
 * Errors are ApiErrors. With `prefix` (the health check) the message reads
 * "GET /api/health: HTTP 503 node is draining"; without it the message is exactly the
 * node's `error.message` and the code its `error.code`, so the UI can show them as they are.
 */
export async function requestJson(
  method: string,
  path: string,
  opts: FetchOptions & { body?: unknown; prefix?: boolean },
): Promise<unknown> {
  const doFetch = opts.fetchImpl ?? fetch;
  const url = (opts.baseUrl ?? '') + path;
  const where = `${method} ${path}`;
  const headers: Record<string, string> = { Accept: 'application/json' };
  const init: RequestInit = { method, headers, signal: opts.signal };
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await doFetch(url, init);
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw opts.prefix
      ? new ApiError(`${where}: ${why}`)
      : new ApiError(`cannot reach the node (${why})`, undefined, 'network');
  }
  const text = await res.text();
  if (!res.ok) {
    let detail: string | undefined;
    let code: string | undefined;
    try {
      const body: unknown = JSON.parse(text);
      if (isObject(body)) {
        const error = body.error;
        if (typeof error === 'string') {
          detail = error;
        } else if (isObject(error)) {
          if (typeof error.message === 'string') detail = error.message;
          if (typeof error.code === 'string') code = error.code;
        }
      }
    } catch {
      // Not JSON: keep the status text.
    }
    if (opts.prefix) {
      const d = detail ?? res.statusText;
      throw new ApiError(`${where}: HTTP ${res.status}${d ? ` ${d}` : ''}`, res.status, code);
    }
    throw new ApiError(
      detail ?? `${where}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`,
      res.status,
      code ?? `http_${res.status}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(`${where}: response is not JSON`, res.status, opts.prefix ? undefined : 'bad_response');
  }
}

/** GET /api/health. Throws ApiError on transport/HTTP failure, ProtocolError on a bad body. */
export async function fetchHealth(opts: FetchOptions = {}): Promise<Health> {
  return parseHealth(await requestJson('GET', '/api/health', { ...opts, prefix: true }));
}
