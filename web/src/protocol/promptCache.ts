// A model call's prompt cache (docs/api.md, "Prompt cache"): the `prompt_cache` member of a
// model call's trace (GET /api/chats/:id/traces) and of its model_trace_finish frame. null for
// tool calls, failed calls and rows written before the node measured it.
//
// The segments are the prompt in the order the provider reads it (tools, system prompt, the
// history the previous call sent, the messages new to this call); their token counts are the
// node's estimates from bytes. prompt_tokens and cached_tokens are the provider's own counts.

import {
  ProtocolError,
  isObject,
  optionalIntOrNull,
  optionalTextOrNull,
  readState,
  requireBool,
  requireInt,
  requireNumber,
  requireObject,
  requireString,
  type JsonObject,
  type Newer,
} from './fields';

/** What a segment of the prompt is, in the order the provider reads them. */
export const CACHE_SEGMENT_KINDS = ['tool', 'system', 'history', 'new'] as const;
export type CacheSegmentKind = (typeof CACHE_SEGMENT_KINDS)[number];

/** Why the cached prefix fell against the agent's previous call; the first that held is `cause`. */
export const CACHE_BREAK_CAUSES = [
  'model_changed',
  'system_changed',
  'tools_changed',
  'history_rewritten',
  'expired',
  'evicted',
] as const;
export type CacheBreakCause = (typeof CACHE_BREAK_CAUSES)[number];

export interface CacheSegment {
  kind: CacheSegmentKind | Newer;
  /** A tool's function name; null for the other kinds. */
  name: string | null;
  /** How many messages a history or new segment holds; null for the other kinds. */
  messages: number | null;
  bytes: number;
  /** Estimated from the bytes. */
  tokens_est: number;
  /** 16 hex digits; equal hashes mean the same bytes as another call's segment. */
  hash: string;
  /** How much of it the provider's cached prefix covered (estimated). */
  cached_tokens_est: number;
}

export interface CacheBreak {
  cause: CacheBreakCause | Newer;
  /** Every cause that held, `cause` first. */
  causes: (CacheBreakCause | Newer)[];
  previous_cached_tokens: number;
  cached_tokens: number;
  /** The trace id of the agent's previous model call. */
  previous_call: string | null;
  previous_model: string | null;
  tools_added: string[];
  tools_removed: string[];
  tools_changed: string[];
  tools_reordered: boolean;
  /** history_rewritten: the first message that differs, 0-based; null otherwise. */
  from_message: number | null;
  /** The previous call was this chat's parent's: this chat is its fork. */
  forked_from: string | null;
  /** Seconds between the previous call's end and this call's start. */
  idle_s: number;
}

export interface PromptCache {
  segments: CacheSegment[];
  /** The segment where the cached prefix stopped; segments.length when all of it was cached. */
  stop: number;
  prompt_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
  /** cached_tokens / prompt_tokens, 0..1. */
  hit_rate: number;
  cost_usd: number;
  /** What the cached tokens would have cost more at the input price. */
  saved_usd: number;
  break: CacheBreak | null;
}

function requireNames(obj: JsonObject, key: string, what: string): string[] {
  const value = obj[key];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new ProtocolError(`${what}: field "${key}" must be an array of strings`);
  }
  return value as string[];
}

function parseSegment(data: unknown, what: string): CacheSegment {
  if (!isObject(data)) throw new ProtocolError(`${what}: must be a JSON object`);
  const kind = readState(data, 'kind', what, CACHE_SEGMENT_KINDS, 'prompt segment kind');
  return {
    kind,
    name: kind === 'tool' ? requireString(data, 'name', what) : optionalTextOrNull(data, 'name', what),
    messages: optionalIntOrNull(data, 'messages', what),
    bytes: requireInt(data, 'bytes', what),
    tokens_est: requireInt(data, 'tokens_est', what),
    hash: requireString(data, 'hash', what),
    cached_tokens_est: requireInt(data, 'cached_tokens_est', what),
  };
}

function parseBreak(data: JsonObject, what: string): CacheBreak {
  const causes = data.causes;
  if (!Array.isArray(causes) || causes.length === 0) {
    throw new ProtocolError(`${what}: field "causes" must be a non-empty array`);
  }
  return {
    cause: readState(data, 'cause', what, CACHE_BREAK_CAUSES, 'cache break cause'),
    causes: causes.map((c, i) => readState({ cause: c }, 'cause', `${what}.causes[${i}]`, CACHE_BREAK_CAUSES, 'cache break cause')),
    previous_cached_tokens: requireInt(data, 'previous_cached_tokens', what),
    cached_tokens: requireInt(data, 'cached_tokens', what),
    previous_call: optionalTextOrNull(data, 'previous_call', what) || null,
    previous_model: optionalTextOrNull(data, 'previous_model', what) || null,
    tools_added: requireNames(data, 'tools_added', what),
    tools_removed: requireNames(data, 'tools_removed', what),
    tools_changed: requireNames(data, 'tools_changed', what),
    tools_reordered: requireBool(data, 'tools_reordered', what),
    from_message: optionalIntOrNull(data, 'from_message', what),
    forked_from: optionalTextOrNull(data, 'forked_from', what) || null,
    idle_s: requireNumber(data, 'idle_s', what),
  };
}

/** Validates a prompt_cache object. */
export function parsePromptCache(data: JsonObject, what: string): PromptCache {
  if (!Array.isArray(data.segments)) throw new ProtocolError(`${what}: field "segments" must be an array`);
  const segments = data.segments.map((s, i) => parseSegment(s, `${what}.segments[${i}]`));
  const stop = requireInt(data, 'stop', what);
  if (stop > segments.length) throw new ProtocolError(`${what}: field "stop" must be at most the number of segments`);
  const hitRate = requireNumber(data, 'hit_rate', what);
  if (hitRate > 1) throw new ProtocolError(`${what}: field "hit_rate" must be between 0 and 1`);
  return {
    segments,
    stop,
    prompt_tokens: requireInt(data, 'prompt_tokens', what),
    cached_tokens: requireInt(data, 'cached_tokens', what),
    cache_write_tokens: requireInt(data, 'cache_write_tokens', what),
    hit_rate: hitRate,
    cost_usd: requireNumber(data, 'cost_usd', what),
    saved_usd: requireNumber(data, 'saved_usd', what),
    break: data.break === undefined || data.break === null ? null : parseBreak(requireObject(data, 'break', what), `${what}.break`),
  };
}

/** `prompt_cache` of a trace or model_trace_finish frame: null (or absent) when not measured. */
export function parseNullablePromptCache(obj: JsonObject, what: string): PromptCache | null {
  const value = obj.prompt_cache;
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw new ProtocolError(`${what}: field "prompt_cache" must be an object or null`);
  return parsePromptCache(value, `${what}.prompt_cache`);
}
