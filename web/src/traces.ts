// The trace viewer's state and layout, pure and unit-tested: a reducer that merges pages of
// GET /api/chats/:id/traces with the live *_trace_* frames by trace id, the grouping of calls
// into turns, each turn's time axis and each call's bar on it, token sums, and the formatting
// of latencies and token counts.
//
// Merging (docs/protocol.md): a call's start and finish frames come before the call is written
// to the database, so the same call can arrive as frames, as an API item, or both, in any order
// and more than once. The store keeps, per id, the last start frame, finish frame and API item
// it saw, and derives the call from them with a fixed precedence (API item > finish > start),
// so the result never depends on arrival order and repeats are harmless.
//
// Time: timestamps are ISO 8601 with microseconds, kept as integer microseconds since the
// epoch (exact in a double until the year 2255), because Date parses milliseconds only and a
// 300 µs tool call would otherwise have no width. Nothing here reads the clock: callers pass
// `nowUs` (and the local receive time of frames) in.

import type { ErrorInfo } from './http';
import { cacheLinesHeight, hitRate } from './promptCache';
import type { ChatFrame, ErrorFrame } from './protocol/frames';
import type { PromptCache } from './protocol/promptCache';
import type { Usage } from './protocol/rest';
import type { TraceKind } from './protocol/states';
import type { Trace, TraceFinishFrame, TraceFrame, TraceOutcome, TracePage, TraceStartFrame } from './protocol/traces';
import { parseIsoMicros } from './time';

// ---------------------------------------------------------------------------------------
// One call, merged

export type TraceState = 'running' | 'done';

/** A tool or model call as the viewer shows it, merged from frames and API items. */
export interface TraceCall {
  id: string;
  turn: number;
  kind: TraceKind;
  /** What the row names: the tool (or `build`), or the model for a model call. */
  name: string;
  tool: string;
  call_id: string | null;
  model: string | null;
  actor_kind: string;
  actor_id: string;
  parent_id: string | null;
  /** undefined when only the finish frame was seen (the input is in the start frame). */
  input: unknown;
  /** null while running. */
  output: string | null;
  /** The output is a finish frame's 2 KiB preview (the API item has up to 16 KiB). */
  outputIsPreview: boolean;
  started_at: string | null;
  finished_at: string | null;
  /** On the server's clock. Without a start (only a finish seen): finished - latency. */
  startUs: number;
  /** null while running. */
  endUs: number | null;
  /** While running: local clock time the start frame arrived (elapsed = now - this). */
  runningSinceUs: number | null;
  state: TraceState;
  outcome: TraceOutcome | null;
  latency_ms: number | null;
  ttft_ms: number | null;
  error: string | null;
  exit_code: number | null;
  tokens_used: number | null;
  cache_tokens: number | null;
  reasoning_tokens: number | null;
  usage: Usage | null;
  /** A model call's prompt cache (./promptCache); null for tool calls and while running. */
  prompt_cache: PromptCache | null;
  finish_reason: string | null;
  attempts: number | null;
  /** An API item was seen: the call is in the database. */
  stored: boolean;
}

/** What the store has seen of one id. */
export interface TraceParts {
  start?: TraceStartFrame;
  /** Local clock (µs) when `start` arrived. */
  startReceivedUs?: number;
  finish?: TraceFinishFrame;
  stored?: Trace;
}

function kindOfFrame(frame: TraceFrame): TraceKind {
  return frame.type.startsWith('model_') ? 'model' : 'tool';
}

/** The call the parts describe; the same whatever order the parts arrived in. */
export function mergeTraceParts(id: string, parts: TraceParts): TraceCall {
  const { start, finish, stored } = parts;
  const any = stored ?? start ?? finish;
  if (!any) throw new Error(`trace ${id}: nothing to merge`);
  const kind: TraceKind = stored ? stored.kind : kindOfFrame((start ?? finish) as TraceFrame);
  let tool = 'model';
  if (stored) tool = stored.tool;
  else if (start?.type === 'tool_trace_start') tool = start.tool;
  else if (finish?.type === 'tool_trace_finish') tool = finish.tool;
  const model = stored ? stored.model : start?.type === 'model_trace_start' ? start.model || null : null;
  const actorSource = stored ?? start;

  const started_at = stored?.started_at ?? start?.started_at ?? null;
  const finished_at = stored?.finished_at ?? finish?.finished_at ?? null;
  const endUs = finished_at === null ? null : parseIsoMicros(finished_at);
  const latency_ms = stored?.latency_ms ?? finish?.latency_ms ?? null;
  let startUs = started_at === null ? null : parseIsoMicros(started_at);
  if (startUs === null) startUs = endUs !== null ? endUs - Math.round((latency_ms ?? 0) * 1000) : 0;

  const done = stored !== undefined || finish !== undefined;
  const modelFinish = finish?.type === 'model_trace_finish' ? finish : undefined;
  const toolFinish = finish?.type === 'tool_trace_finish' ? finish : undefined;

  return {
    id,
    turn: stored?.turn ?? start?.turn ?? (finish as TraceFinishFrame).turn,
    kind,
    name: kind === 'model' ? (model ?? 'model') : tool,
    tool,
    call_id: stored ? stored.call_id : start?.type === 'tool_trace_start' ? start.call_id : null,
    model,
    actor_kind: actorSource?.actor_kind ?? 'session',
    actor_id: actorSource?.actor_id ?? '',
    parent_id: actorSource?.parent_id ?? null,
    input: stored ? stored.input : start?.input,
    output: stored ? stored.output : finish ? finish.output_preview : null,
    outputIsPreview: !stored && finish !== undefined,
    started_at,
    finished_at,
    startUs,
    endUs: done ? (endUs ?? startUs + Math.round((latency_ms ?? 0) * 1000)) : null,
    runningSinceUs: done ? null : (parts.startReceivedUs ?? null),
    state: done ? 'done' : 'running',
    outcome: stored?.outcome ?? finish?.outcome ?? null,
    latency_ms,
    ttft_ms: stored ? stored.ttft_ms : (modelFinish?.ttft_ms ?? null),
    error: stored ? stored.error : (finish?.error ?? null),
    exit_code: stored ? stored.exit_code : (toolFinish?.exit_code ?? null),
    tokens_used: stored?.tokens_used ?? finish?.tokens_used ?? null,
    cache_tokens: stored ? stored.cache_tokens : (modelFinish?.cache_tokens ?? (toolFinish ? 0 : null)),
    reasoning_tokens: stored ? stored.reasoning_tokens : (modelFinish?.reasoning_tokens ?? (toolFinish ? 0 : null)),
    usage: stored ? stored.usage : (modelFinish?.usage ?? null),
    prompt_cache: stored ? stored.prompt_cache : (modelFinish?.prompt_cache ?? null),
    finish_reason: stored ? stored.finish_reason : (modelFinish?.finish_reason ?? null),
    attempts: stored ? stored.attempts : (modelFinish?.attempts ?? null),
    stored: stored !== undefined,
  };
}

// ---------------------------------------------------------------------------------------
// The store

export interface TraceEntry {
  parts: TraceParts;
  call: TraceCall;
}

export type TraceLoad = 'idle' | 'loading' | 'loaded' | 'error';

export interface TraceStore {
  chatId: string;
  /** Every call seen, by id. Replaced (not mutated) on every change. */
  entries: ReadonlyMap<string, TraceEntry>;
  load: TraceLoad;
  error: ErrorInfo | null;
  /** The cursor of the request in flight or the one that failed (null: the first page). */
  requestCursor: string | null;
  /** The next page's cursor; null once the last page came (or before the first). */
  nextCursor: string | null;
  /**
   * The cursor of the last page fetched (null: it was the first page). Paging is keyset-based,
   * so asking for it again returns that page plus every trace written since.
   */
  tailCursor: string | null;
  pages: number;
  /** The last chat frame seq seen; null before the first. */
  lastSeq: number | null;
  /**
   * Frames may have been missed (a seq gap, or a full snapshot while no request was in
   * flight): once the pages reached the end, fetch again from `tailCursor`.
   */
  needsSync: boolean;
}

export type TraceAction =
  | { type: 'open'; chatId: string }
  | { type: 'page_start'; chatId: string; cursor: string | null }
  | { type: 'page_loaded'; chatId: string; cursor: string | null; page: TracePage }
  | { type: 'page_failed'; chatId: string; cursor: string | null; error: ErrorInfo }
  /** Any frame of the page's socket; `atUs` is the local clock when it arrived. */
  | { type: 'frame'; frame: ChatFrame | ErrorFrame; atUs: number };

export function initialTraceStore(chatId: string): TraceStore {
  return {
    chatId,
    entries: new Map(),
    load: 'idle',
    error: null,
    requestCursor: null,
    nextCursor: null,
    tailCursor: null,
    pages: 0,
    lastSeq: null,
    needsSync: false,
  };
}

function withParts(
  entries: Map<string, TraceEntry>,
  id: string,
  update: (parts: TraceParts) => TraceParts,
): void {
  const parts = update(entries.get(id)?.parts ?? {});
  entries.set(id, { parts, call: mergeTraceParts(id, parts) });
}

/** Adds API items (replacing what an earlier item of the same id said). */
export function mergePage(entries: ReadonlyMap<string, TraceEntry>, items: readonly Trace[]): ReadonlyMap<string, TraceEntry> {
  if (items.length === 0) return entries;
  const next = new Map(entries);
  for (const item of items) withParts(next, item.id, (p) => ({ ...p, stored: item }));
  return next;
}

/** Adds one trace frame (a repeat replaces the same part with the same data). */
export function mergeFrame(entries: ReadonlyMap<string, TraceEntry>, frame: TraceFrame, atUs: number): ReadonlyMap<string, TraceEntry> {
  const next = new Map(entries);
  if (frame.type === 'tool_trace_start' || frame.type === 'model_trace_start') {
    withParts(next, frame.id, (p) => ({ ...p, start: frame, startReceivedUs: p.startReceivedUs ?? atUs }));
  } else {
    withParts(next, frame.id, (p) => ({ ...p, finish: frame }));
  }
  return next;
}

function isTrace(frame: ChatFrame): frame is TraceFrame {
  return (
    frame.type === 'tool_trace_start' ||
    frame.type === 'tool_trace_finish' ||
    frame.type === 'model_trace_start' ||
    frame.type === 'model_trace_finish'
  );
}

function applyFrame(state: TraceStore, frame: ChatFrame | ErrorFrame, atUs: number): TraceStore {
  if (frame.chat_id !== state.chatId || frame.seq === undefined) return state;
  const chatFrame = frame as ChatFrame;
  if (chatFrame.type === 'snapshot') {
    // Resumed: the frames we missed follow it. Full: frames before it never reached us, so
    // unless a request is in flight (its pages will reach past this point), fetch the tail
    // again once at the end.
    if (chatFrame.resumed) return { ...state, lastSeq: chatFrame.seq };
    return { ...state, lastSeq: chatFrame.seq, needsSync: state.needsSync || state.load !== 'loading' };
  }
  let needsSync = state.needsSync;
  if (state.lastSeq !== null) {
    if (chatFrame.seq <= state.lastSeq) return state; // a duplicate
    if (chatFrame.seq > state.lastSeq + 1) needsSync = true;
  }
  const next: TraceStore = { ...state, lastSeq: chatFrame.seq, needsSync };
  if (isTrace(chatFrame)) next.entries = mergeFrame(state.entries, chatFrame, atUs);
  return next;
}

export function traceReducer(state: TraceStore, action: TraceAction): TraceStore {
  switch (action.type) {
    case 'open':
      return action.chatId === state.chatId ? state : initialTraceStore(action.chatId);
    case 'page_start':
      if (action.chatId !== state.chatId) return state;
      // This request reaches the newest trace written so far: nothing earlier is missing.
      return { ...state, load: 'loading', error: null, requestCursor: action.cursor, needsSync: false };
    case 'page_loaded':
      if (action.chatId !== state.chatId) return state;
      return {
        ...state,
        entries: mergePage(state.entries, action.page.items),
        load: 'loaded',
        error: null,
        requestCursor: null,
        nextCursor: action.page.next_cursor,
        tailCursor: action.page.next_cursor === null ? action.cursor : action.page.next_cursor,
        pages: state.pages + 1,
      };
    case 'page_failed':
      if (action.chatId !== state.chatId) return state;
      return { ...state, load: 'error', error: action.error, requestCursor: action.cursor };
    case 'frame':
      return applyFrame(state, action.frame, action.atUs);
  }
}

/** The cursor to ask for next, or undefined when no request should be made now. */
export function nextRequest(state: TraceStore, wantMore: boolean): { cursor: string | null } | undefined {
  switch (state.load) {
    case 'idle':
      return { cursor: null };
    case 'loading':
    case 'error':
      return undefined;
    case 'loaded':
      if (state.nextCursor !== null) return wantMore ? { cursor: state.nextCursor } : undefined;
      return state.needsSync ? { cursor: state.tailCursor } : undefined;
  }
}

// ---------------------------------------------------------------------------------------
// Tokens

export interface TokenBreakdown {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

export const NO_TOKENS: TokenBreakdown = { input: 0, cached: 0, output: 0, reasoning: 0 };

/** A model call's tokens from its usage; null for tool calls and calls without usage. */
export function callTokens(call: TraceCall): TokenBreakdown | null {
  if (call.kind !== 'model' || !call.usage) return null;
  const u = call.usage;
  return { input: u.prompt, cached: u.cache_hit, output: u.completion, reasoning: u.reasoning };
}

export function addTokens(a: TokenBreakdown, b: TokenBreakdown): TokenBreakdown {
  return {
    input: a.input + b.input,
    cached: a.cached + b.cached,
    output: a.output + b.output,
    reasoning: a.reasoning + b.reasoning,
  };
}

// ---------------------------------------------------------------------------------------
// Turns

export interface TraceTurn {
  turn: number;
  /** Sorted by start time (then id). */
  calls: TraceCall[];
  /** The model calls' tokens, summed. */
  tokens: TokenBreakdown;
  /** What the tool calls' outputs added to the conversation (estimated tokens), summed. */
  toolTokens: number;
  /** The model calls' cached / prompt tokens (provider counts); null without any prompt. */
  hitRate: number | null;
  /** Model calls whose prompt cache broke. */
  cacheBreaks: number;
  /** Some call has not finished. */
  running: boolean;
  /** Calls that ended other than ok. */
  failed: number;
}

function byStart(a: TraceCall, b: TraceCall): number {
  return a.startUs - b.startUs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The calls grouped by turn, turns in ascending order. */
export function groupTurns(entries: ReadonlyMap<string, TraceEntry>): TraceTurn[] {
  const byTurn = new Map<number, TraceCall[]>();
  for (const { call } of entries.values()) {
    const list = byTurn.get(call.turn);
    if (list) list.push(call);
    else byTurn.set(call.turn, [call]);
  }
  return [...byTurn.entries()]
    .sort(([a], [b]) => a - b)
    .map(([turn, calls]) => {
      calls.sort(byStart);
      let tokens = NO_TOKENS;
      let toolTokens = 0;
      let running = false;
      let failed = 0;
      let cacheBreaks = 0;
      for (const c of calls) {
        const t = callTokens(c);
        if (t) tokens = addTokens(tokens, t);
        if (c.prompt_cache?.break) cacheBreaks++;
        if (c.kind === 'tool') toolTokens += c.tokens_used ?? 0;
        if (c.state === 'running') running = true;
        else if (c.outcome !== 'ok') failed++;
      }
      return { turn, calls, tokens, hitRate: hitRate(tokens.cached, tokens.input), cacheBreaks, toolTokens, running, failed };
    });
}

/** Where a running call ends for now: started + the time since its start frame arrived. */
export function callEndUs(call: TraceCall, nowUs: number): number {
  if (call.endUs !== null) return call.endUs;
  const elapsed = call.runningSinceUs === null ? 0 : Math.max(0, nowUs - call.runningSinceUs);
  return call.startUs + elapsed;
}

export interface TimeAxis {
  startUs: number;
  endUs: number;
}

/** The turn's axis: earliest start to latest end (a running call ends "now"). */
export function turnAxis(turn: TraceTurn, nowUs: number): TimeAxis {
  let startUs = Infinity;
  let endUs = -Infinity;
  for (const c of turn.calls) {
    startUs = Math.min(startUs, c.startUs);
    endUs = Math.max(endUs, callEndUs(c, nowUs));
  }
  if (!Number.isFinite(startUs)) return { startUs: 0, endUs: 0 };
  return { startUs, endUs: Math.max(startUs, endUs) };
}

/** The axis's length in milliseconds (fractional). */
export function axisMs(axis: TimeAxis): number {
  return (axis.endUs - axis.startUs) / 1000;
}

/** A bar as fractions of the axis: 0 <= left, 0 <= width, left + width <= 1. */
export interface Bar {
  left: number;
  width: number;
}

/** The call's bar on its turn's axis. On an empty axis (all calls instant) bars are empty at 0. */
export function callBar(call: TraceCall, axis: TimeAxis, nowUs: number): Bar {
  const span = axis.endUs - axis.startUs;
  if (span <= 0) return { left: 0, width: 0 };
  const clamp = (x: number) => Math.min(1, Math.max(0, x));
  const left = clamp((call.startUs - axis.startUs) / span);
  const right = clamp((callEndUs(call, nowUs) - axis.startUs) / span);
  return { left, width: Math.max(0, right - left) };
}

/** How long the call took (or has been running): latency_ms when known, else from the clock. */
export function callLatencyMs(call: TraceCall, nowUs: number): number {
  if (call.latency_ms !== null) return call.latency_ms;
  return (callEndUs(call, nowUs) - call.startUs) / 1000;
}

// ---------------------------------------------------------------------------------------
// Rows for the virtualised list

/** Fixed row heights (px), so a row's offset is a prefix sum and scrolling stays smooth. */
export const ROW_HEIGHT = {
  turn: 46,
  call: 50,
  /** A call row opened to show its input and output (which scroll inside it). */
  expanded: 380,
} as const;

export type TraceRow =
  | { kind: 'turn'; key: string; turn: TraceTurn; height: number }
  | { kind: 'call'; key: string; call: TraceCall; turn: TraceTurn; expanded: boolean; height: number };

/**
 * A header per turn, then its calls; `expanded` ids get the tall height, and a model call with a
 * prompt cache its strip's (and break's) lines on top.
 */
export function traceRows(turns: readonly TraceTurn[], expanded: ReadonlySet<string>): TraceRow[] {
  const rows: TraceRow[] = [];
  for (const turn of turns) {
    rows.push({ kind: 'turn', key: `turn:${turn.turn}`, turn, height: ROW_HEIGHT.turn });
    for (const call of turn.calls) {
      const open = expanded.has(call.id);
      rows.push({
        kind: 'call',
        key: `call:${call.id}`,
        call,
        turn,
        expanded: open,
        height: (open ? ROW_HEIGHT.expanded : ROW_HEIGHT.call) + cacheLinesHeight(call.prompt_cache),
      });
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------
// Formatting

/** "0.35 ms", "3.2 ms", "812 ms", "1.24 s", "12.4 s", "2 m 05 s". */
export function formatLatency(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 9.95) return `${ms.toFixed(1)} ms`;
  if (ms < 999.5) return `${Math.round(ms)} ms`;
  if (ms < 9_995) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
}

function trimZero(text: string): string {
  return text.endsWith('.0') ? text.slice(0, -2) : text;
}

/** "950", "1.8k", "12k", "1.2M". */
export function formatTokens(n: number): string {
  if (!Number.isFinite(n)) return '';
  const abs = Math.abs(n);
  if (abs < 1000) return String(Math.round(n));
  if (abs < 9_950) return `${trimZero((n / 1000).toFixed(1))}k`;
  if (abs < 999_500) return `${Math.round(n / 1000)}k`;
  if (abs < 9_950_000) return `${trimZero((n / 1e6).toFixed(1))}M`;
  return `${Math.round(n / 1e6)}M`;
}

/** Input as shown when a row is opened: pretty JSON (a string that is JSON is parsed first). */
export function prettyInput(input: unknown): string {
  if (input === undefined) return '';
  if (typeof input === 'string') {
    try {
      return JSON.stringify(JSON.parse(input), null, 2);
    } catch {
      return input;
    }
  }
  return JSON.stringify(input, null, 2) ?? String(input);
}

/** Outcome colour groups: ok green, error red, timeout/denied orange, cancelled/interrupted grey. */
export function outcomeTone(call: TraceCall): 'running' | 'ok' | 'bad' | 'warn' | 'muted' {
  if (call.state === 'running') return 'running';
  switch (call.outcome) {
    case 'ok':
      return 'ok';
    case 'error':
      return 'bad';
    case 'timeout':
    case 'denied':
      return 'warn';
    default:
      return 'muted';
  }
}
