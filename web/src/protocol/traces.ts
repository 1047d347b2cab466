// Traces (docs/api.md, "GET /api/chats/:id/traces"; docs/protocol.md, the *_trace_* frames):
// the stored trace, a page of them, and the live frames of a call that starts and ends.

import { parseIsoMicros } from '../time';
import {
  ProtocolError,
  isObject,
  optionalIntOrNull,
  optionalNumberOrNull,
  optionalText,
  optionalTextOrNull,
  readState,
  requireInt,
  requireJson,
  requireNumber,
  requireString,
  requireText,
  type ChatFrameBase,
  type JsonObject,
} from './fields';
import { parseNullablePromptCache, type PromptCache } from './promptCache';
import { parseNullableUsage, type Usage } from './rest';
import { ACTOR_KINDS, TOOL_OUTCOMES, TRACE_KINDS, type ActorKind, type ToolOutcome, type TraceKind } from './states';

/** A traced call ends as a tool call does. */
export const TRACE_OUTCOMES = TOOL_OUTCOMES;
export type TraceOutcome = ToolOutcome;

/** Who ran a traced call: `session` (and the chat id) today. */
export interface TraceActor {
  actor_kind: ActorKind;
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
  /** Model calls that got an answer (./promptCache); null otherwise and on older rows. */
  prompt_cache: PromptCache | null;
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
  prompt_cache: PromptCache | null;
  tokens_used: number;
  cache_tokens: number;
  reasoning_tokens: number;
}

export type TraceStartFrame = ToolTraceStartFrame | ModelTraceStartFrame;
export type TraceFinishFrame = ToolTraceFinishFrame | ModelTraceFinishFrame;
export type TraceFrame = TraceStartFrame | TraceFinishFrame;

/** An ISO 8601 timestamp the trace viewer can place on a time axis. */
function requireTimestamp(obj: JsonObject, key: string, what: string): string {
  const value = requireString(obj, key, what);
  if (parseIsoMicros(value) === null) throw new ProtocolError(`${what}: field "${key}" must be an ISO 8601 timestamp`);
  return value;
}

function readOutcome(obj: JsonObject, what: string): TraceOutcome {
  return readState(obj, 'outcome', what, TRACE_OUTCOMES, 'tool outcome');
}

/**
 * actor_kind and actor_id are documented on every trace, but the viewer does not need them:
 * absent reads as a chat's own session, so a node that omits them does not cost the trace.
 */
function parseActor(obj: JsonObject, what: string): TraceActor {
  return {
    actor_kind: obj.actor_kind === undefined || obj.actor_kind === null
      ? 'session'
      : readState(obj, 'actor_kind', what, ACTOR_KINDS, 'actor kind'),
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
    kind: readState(data, 'kind', what, TRACE_KINDS, 'trace kind'),
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
    outcome: readOutcome(data, what),
    error: optionalTextOrNull(data, 'error', what),
    exit_code: optionalIntOrNull(data, 'exit_code', what),
    tokens_used: requireInt(data, 'tokens_used', what),
    cache_tokens: requireInt(data, 'cache_tokens', what),
    reasoning_tokens: requireInt(data, 'reasoning_tokens', what),
    usage: parseNullableUsage(data, what),
    prompt_cache: parseNullablePromptCache(data, what),
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

/** Validates the fields of a *_trace_* frame. */
export function parseTraceFrame(type: TraceFrame['type'], base: ChatFrameBase, data: JsonObject): TraceFrame {
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
        outcome: readOutcome(data, what),
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
        outcome: readOutcome(data, what),
        output_preview: requireText(data, 'output_preview', what),
        error: optionalTextOrNull(data, 'error', what),
        finish_reason: optionalTextOrNull(data, 'finish_reason', what),
        attempts: optionalIntOrNull(data, 'attempts', what),
        usage: parseNullableUsage(data, what),
        prompt_cache: parseNullablePromptCache(data, what),
        tokens_used: requireInt(data, 'tokens_used', what),
        cache_tokens: requireInt(data, 'cache_tokens', what),
        reasoning_tokens: requireInt(data, 'reasoning_tokens', what),
      };
  }
}
