import { describe, expect, it } from 'vitest';
import type { ChatFrame } from './protocol/frames';
import type { PromptCache } from './protocol/promptCache';
import type { Usage } from './protocol/rest';
import { CACHE_LINE_HEIGHT } from './promptCache';
import { samplePromptCache } from './test-fixtures';
import { parseIsoMicros } from './time';
import type { ModelTraceFinishFrame, ModelTraceStartFrame, ToolTraceFinishFrame, ToolTraceStartFrame, Trace, TraceFinishFrame, TraceStartFrame } from './protocol/traces';
import {
  ROW_HEIGHT,
  axisMs,
  callBar,
  callLatencyMs,
  callTokens,
  formatLatency,
  formatTokens,
  groupTurns,
  initialTraceStore,
  mergeTraceParts,
  nextRequest,
  outcomeTone,
  prettyInput,
  traceReducer,
  traceRows,
  turnAxis,
  type TraceAction,
  type TraceCall,
  type TraceStore,
} from './traces';

const CHAT = 'c1';
const T0 = Date.UTC(2026, 10, 24, 8, 0, 0) * 1000; // 2026-11-24T08:00:00Z in µs

/** "2026-11-24T08:00:00.000000Z" plus `us` microseconds. */
function at(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(Date.UTC(2026, 10, 24, 8, 0, 0) + ms).toISOString(); // ...sss Z
  return `${iso.slice(0, 23)}${String(us % 1000).padStart(3, '0')}Z`;
}

const usage: Usage = { prompt: 1834, cache_hit: 1536, cache_miss: 298, cache_write: 0, completion: 142, reasoning: 30 };

let seq = 0;
function base() {
  return { chat_id: CHAT, seq: ++seq };
}

function modelStart(id: string, turn: number, startUs: number): ModelTraceStartFrame {
  return {
    type: 'model_trace_start',
    ...base(),
    id,
    turn,
    model: 'gpt-test',
    input: { model: 'gpt-test', messages: 3, tools: 6 },
    started_at: at(startUs),
    actor_kind: 'session',
    actor_id: CHAT,
    parent_id: null,
  };
}

function modelFinish(
  id: string,
  turn: number,
  startUs: number,
  endUs: number,
  u: Usage | null = usage,
  pc: PromptCache | null = null,
): ModelTraceFinishFrame {
  return {
    type: 'model_trace_finish',
    ...base(),
    id,
    turn,
    finished_at: at(endUs),
    latency_ms: (endUs - startUs) / 1000,
    ttft_ms: 420.5,
    outcome: 'ok',
    output_preview: 'Let me look.',
    error: null,
    finish_reason: 'tool_calls',
    attempts: 1,
    usage: u,
    prompt_cache: pc,
    tokens_used: u ? u.prompt + u.completion : 0,
    cache_tokens: u?.cache_hit ?? 0,
    reasoning_tokens: u?.reasoning ?? 0,
  };
}

function toolStart(id: string, turn: number, startUs: number, tool = 'run_command'): ToolTraceStartFrame {
  return {
    type: 'tool_trace_start',
    ...base(),
    id,
    turn,
    tool,
    call_id: `call_${id}`,
    input: { argv: ['ls', '-la'] },
    started_at: at(startUs),
    actor_kind: 'session',
    actor_id: CHAT,
    parent_id: null,
  };
}

function toolFinish(
  id: string,
  turn: number,
  startUs: number,
  endUs: number,
  outcome: ToolTraceFinishFrame['outcome'] = 'ok',
  tool = 'run_command',
): ToolTraceFinishFrame {
  return {
    type: 'tool_trace_finish',
    ...base(),
    id,
    turn,
    tool,
    finished_at: at(endUs),
    latency_ms: (endUs - startUs) / 1000,
    outcome,
    output_preview: 'notes.txt\n',
    error: outcome === 'ok' ? null : 'it failed',
    exit_code: outcome === 'ok' ? 0 : 2,
    tokens_used: 3,
  };
}

/** The API item for a call (as the node writes it after both frames). */
function stored(start: TraceStartFrame, finish: TraceFinishFrame): Trace {
  const s = start as unknown as Omit<ToolTraceStartFrame, 'type'> & Omit<ModelTraceStartFrame, 'type'>;
  const f = finish as unknown as Omit<ToolTraceFinishFrame, 'type'> & Omit<ModelTraceFinishFrame, 'type'>;
  const model = start.type === 'model_trace_start';
  return {
    id: s.id,
    chat_id: CHAT,
    turn: s.turn,
    kind: model ? 'model' : 'tool',
    tool: model ? 'model' : s.tool,
    call_id: model ? null : s.call_id,
    actor_kind: 'session',
    actor_id: CHAT,
    parent_id: null,
    input: s.input,
    output: `${f.output_preview}(the full output, up to 16 KiB)`,
    started_at: s.started_at,
    finished_at: f.finished_at,
    latency_ms: f.latency_ms,
    ttft_ms: model ? f.ttft_ms : null,
    outcome: f.outcome,
    error: f.error,
    exit_code: model ? null : f.exit_code,
    tokens_used: f.tokens_used,
    cache_tokens: model ? f.cache_tokens : 0,
    reasoning_tokens: model ? f.reasoning_tokens : 0,
    usage: model ? f.usage : null,
    prompt_cache: model ? f.prompt_cache : null,
    model: model ? s.model : null,
    finish_reason: model ? f.finish_reason : null,
    attempts: model ? f.attempts : null,
  };
}

const frame = (f: ChatFrame, atUs = 0): TraceAction => ({ type: 'frame', frame: f, atUs });
const zeroUsage = { prompt: 0, cache_hit: 0, cache_miss: 0, cache_write: 0, completion: 0, reasoning: 0 };
/** A full snapshot at `seq` (a fresh subscription), or a resumed one. */
const snapshot = (seq: number, resumed = false): TraceAction =>
  frame(
    resumed
      ? { type: 'snapshot', chat_id: CHAT, seq, epoch: 1, status: 'idle', resumed: true }
      : { type: 'snapshot', chat_id: CHAT, seq, epoch: 1, status: 'idle', resumed: false, messages: [], turn: null, usage: zeroUsage },
  );
const page = (items: Trace[], next: string | null = null, cursor: string | null = null): TraceAction => ({
  type: 'page_loaded',
  chatId: CHAT,
  cursor,
  page: { items, next_cursor: next },
});

function run(actions: TraceAction[], start: TraceStore = initialTraceStore(CHAT)): TraceStore {
  return actions.reduce(traceReducer, start);
}

function callOf(s: TraceStore, id: string): TraceCall {
  const e = s.entries.get(id);
  if (!e) throw new Error(`no ${id}`);
  return e.call;
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

describe('parseIsoMicros', () => {
  it('keeps microseconds', () => {
    expect(parseIsoMicros('2026-11-24T08:00:00.123456Z')).toBe(T0 + 123_456);
    expect(parseIsoMicros('2026-11-24T08:00:00.000001Z')! - parseIsoMicros('2026-11-24T08:00:00Z')!).toBe(1);
  });

  it('pads short fractions and cuts long ones', () => {
    expect(parseIsoMicros('2026-11-24T08:00:00.5Z')).toBe(T0 + 500_000);
    expect(parseIsoMicros('2026-11-24T08:00:00.123Z')).toBe(T0 + 123_000);
    expect(parseIsoMicros('2026-11-24T08:00:00.1234567Z')).toBe(T0 + 123_456);
    expect(parseIsoMicros('2026-11-24T08:00:00Z')).toBe(T0);
  });

  it('applies offsets', () => {
    expect(parseIsoMicros('2026-11-24T10:00:00.000001+02:00')).toBe(T0 + 1);
    expect(parseIsoMicros('2026-11-24T07:30:00-0030')).toBe(T0);
  });

  it('rejects what is not a timestamp', () => {
    for (const bad of ['', 'yesterday', '2026-11-24', '2026-11-24T08:00:00', '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z']) {
      expect(parseIsoMicros(bad), bad).toBeNull();
    }
  });

  it('agrees with the test helper', () => {
    expect(parseIsoMicros(at(1_240_250))).toBe(T0 + 1_240_250);
  });
});

describe('merging frames and pages by id', () => {
  it('a start frame makes a running call', () => {
    const s = run([frame(modelStart('m1', 1, 0), 5_000_000)]);
    const c = callOf(s, 'm1');
    expect(c.state).toBe('running');
    expect(c.kind).toBe('model');
    expect(c.name).toBe('gpt-test');
    expect(c.tool).toBe('model');
    expect(c.outcome).toBeNull();
    expect(c.output).toBeNull();
    expect(c.endUs).toBeNull();
    expect(c.runningSinceUs).toBe(5_000_000);
    expect(c.startUs).toBe(T0);
  });

  it('the finish frame completes it', () => {
    const s = run([frame(toolStart('t1', 1, 100)), frame(toolFinish('t1', 1, 100, 350_100, 'error'))]);
    const c = callOf(s, 't1');
    expect(c.state).toBe('done');
    expect(c.name).toBe('run_command');
    expect(c.call_id).toBe('call_t1');
    expect(c.outcome).toBe('error');
    expect(c.error).toBe('it failed');
    expect(c.exit_code).toBe(2);
    expect(c.latency_ms).toBe(350);
    expect(c.endUs).toBe(T0 + 350_100);
    expect(c.output).toBe('notes.txt\n');
    expect(c.outputIsPreview).toBe(true);
    expect(c.input).toEqual({ argv: ['ls', '-la'] });
    expect(c.runningSinceUs).toBeNull();
  });

  it('gives the same call whatever order start, finish and API item arrive in, with repeats', () => {
    for (const kind of ['model', 'tool'] as const) {
      const start = kind === 'model' ? modelStart('x', 2, 10) : toolStart('x', 2, 10);
      const finish = kind === 'model' ? modelFinish('x', 2, 10, 812_010) : toolFinish('x', 2, 10, 812_010);
      const item = stored(start, finish);
      const parts: TraceAction[] = [frame(start, 77), frame(finish, 78), page([item])];
      // Frames get their seq as they are sent, so a reordered frame still counts as new.
      const stamp = (a: TraceAction): TraceAction =>
        a.type === 'frame' ? frame({ ...a.frame, seq: ++seq } as ChatFrame, a.atUs) : a;
      let expected: TraceCall | undefined;
      for (const order of permutations(parts)) {
        // Also each frame delivered twice (e.g. again after a reconnect), and the page twice.
        const once = () => order.map(stamp);
        const twice = () => order.flatMap((a) => [stamp(a), stamp(a)]);
        for (const actions of [once(), twice()]) {
          const s = run(actions);
          expect(s.entries.size).toBe(1);
          const c = callOf(s, 'x');
          expected ??= c;
          expect(c).toEqual(expected);
        }
      }
      expect(expected?.state).toBe('done');
      expect(expected?.stored).toBe(true);
      expect(expected?.output).toBe(item.output);
      expect(expected?.outputIsPreview).toBe(false);
      expected = undefined;
    }
  });

  it('frame before page and page before frame agree on a running call that then finishes', () => {
    const start = toolStart('a', 1, 0);
    const finish = toolFinish('a', 1, 0, 2000);
    const other = stored(toolStart('b', 1, 5000), toolFinish('b', 1, 5000, 6000));
    const frameFirst = run([frame(start, 1), page([other]), frame(finish)]);
    const pageFirst = run([page([other]), frame(start, 1), frame(finish)]);
    expect([...frameFirst.entries.keys()].sort()).toEqual(['a', 'b']);
    expect(callOf(frameFirst, 'a')).toEqual(callOf(pageFirst, 'a'));
    expect(callOf(frameFirst, 'b')).toEqual(callOf(pageFirst, 'b'));
  });

  it('ignores a duplicate frame (same seq) and frames of other chats', () => {
    const start = toolStart('a', 1, 0);
    const finish = toolFinish('a', 1, 0, 2000);
    const s = run([frame(start), frame(finish), frame(start)]);
    expect(callOf(s, 'a').state).toBe('done');
    const dupFinish = { ...toolFinish('b', 1, 0, 1), seq: s.lastSeq! } as ChatFrame;
    expect(run([frame(dupFinish)], s)).toBe(s);
    const other = run([frame({ ...toolStart('z', 1, 0), chat_id: 'c2' })], s);
    expect(other).toBe(s);
  });

  it('a finish without its start still places the call (start = finished - latency)', () => {
    const s = run([frame(modelFinish('m', 3, 1_000, 251_000))]);
    const c = callOf(s, 'm');
    expect(c.state).toBe('done');
    expect(c.kind).toBe('model');
    expect(c.name).toBe('model');
    expect(c.startUs).toBe(T0 + 1_000);
    expect(c.input).toBeUndefined();
    expect(c.turn).toBe(3);
  });

  it('keeps the first arrival time of a repeated start frame', () => {
    const start = modelStart('m', 1, 0);
    const s = run([frame(start, 100), frame({ ...start, seq: ++seq } as ChatFrame, 900)]);
    expect(callOf(s, 'm').runningSinceUs).toBe(100);
  });

  it('mergeTraceParts refuses an empty entry', () => {
    expect(() => mergeTraceParts('x', {})).toThrow();
  });
});

describe('trace store: paging and seq', () => {
  it('starts idle and asks for the first page', () => {
    const s = initialTraceStore(CHAT);
    expect(nextRequest(s, false)).toEqual({ cursor: null });
  });

  it('follows next_cursor only when more is wanted, one request at a time', () => {
    let s = run([{ type: 'page_start', chatId: CHAT, cursor: null }]);
    expect(s.load).toBe('loading');
    expect(nextRequest(s, true)).toBeUndefined();
    s = run([page([], '200', null)], s);
    expect(s.nextCursor).toBe('200');
    expect(s.tailCursor).toBe('200');
    expect(s.pages).toBe(1);
    expect(nextRequest(s, false)).toBeUndefined();
    expect(nextRequest(s, true)).toEqual({ cursor: '200' });
    s = run([{ type: 'page_start', chatId: CHAT, cursor: '200' }, page([], null, '200')], s);
    expect(s.nextCursor).toBeNull();
    expect(s.tailCursor).toBe('200');
    expect(nextRequest(s, true)).toBeUndefined();
  });

  it('after a seq gap at the end, fetches the tail again', () => {
    let s = run([snapshot(10)]);
    s = run([{ type: 'page_start', chatId: CHAT, cursor: null }, page([], null, null)], s);
    expect(s.needsSync).toBe(false);
    s = run([frame({ ...toolStart('a', 1, 0), seq: 11 })], s);
    expect(s.needsSync).toBe(false);
    s = run([frame({ ...toolFinish('a', 1, 0, 5), seq: 13 })], s);
    expect(s.needsSync).toBe(true);
    expect(nextRequest(s, false)).toEqual({ cursor: null });
    s = run([{ type: 'page_start', chatId: CHAT, cursor: null }], s);
    expect(s.needsSync).toBe(false);
  });

  it('a full snapshot while nothing is in flight asks for the tail; one during a request does not', () => {
    let s = run([{ type: 'page_start', chatId: CHAT, cursor: null }]);
    s = run([snapshot(4)], s);
    expect(s.needsSync).toBe(false);
    s = run([page([], null, null)], s);
    expect(nextRequest(s, false)).toBeUndefined();
    s = run([snapshot(9)], s);
    expect(nextRequest(s, false)).toEqual({ cursor: null });
  });

  it('a resumed snapshot asks for nothing: the missed frames follow it', () => {
    let s = run([{ type: 'page_start', chatId: CHAT, cursor: null }, page([], null, null), snapshot(4)]);
    s = run([{ type: 'page_start', chatId: CHAT, cursor: null }, page([], null, null)], s);
    expect(nextRequest(s, false)).toBeUndefined();
    s = run([snapshot(6, true)], s);
    expect(s.lastSeq).toBe(6);
    expect(nextRequest(s, false)).toBeUndefined();
    s = run([frame({ ...toolStart('a', 1, 0), seq: 7 })], s);
    expect(s.needsSync).toBe(false);
    expect(s.entries.has('a')).toBe(true);
  });

  it('a failed page keeps its cursor for retry and stops further requests', () => {
    const s = run([
      { type: 'page_start', chatId: CHAT, cursor: '400' },
      { type: 'page_failed', chatId: CHAT, cursor: '400', error: { code: 'http_500', message: 'boom' } },
    ]);
    expect(s.load).toBe('error');
    expect(s.error?.message).toBe('boom');
    expect(s.requestCursor).toBe('400');
    expect(nextRequest(s, true)).toBeUndefined();
  });

  it('ignores answers for another chat and resets on open', () => {
    const s = run([{ type: 'page_loaded', chatId: 'other', cursor: null, page: { items: [], next_cursor: 'x' } }]);
    expect(s.pages).toBe(0);
    const withCall = run([frame(toolStart('a', 1, 0))]);
    expect(traceReducer(withCall, { type: 'open', chatId: CHAT })).toBe(withCall);
    const opened = traceReducer(withCall, { type: 'open', chatId: 'c2' });
    expect(opened.entries.size).toBe(0);
    expect(opened.chatId).toBe('c2');
  });
});

describe('turns, axes and bars', () => {
  // Turn 1: a model call 0..1.24 s, then two tools overlapping from 1.25 s; a gap, then the
  // next model call 2.0..2.5 s. Turn 2: one tool call.
  const frames: ChatFrame[] = [
    modelStart('m1', 1, 0),
    modelFinish('m1', 1, 0, 1_240_000),
    toolStart('t2', 1, 1_250_000, 'read_file'),
    toolStart('t1', 1, 1_250_000, 'search'),
    toolFinish('t1', 1, 1_250_000, 1_600_000, 'ok', 'search'),
    toolFinish('t2', 1, 1_250_000, 1_400_500, 'timeout', 'read_file'),
    modelStart('m2', 1, 2_000_000),
    modelFinish('m2', 1, 2_000_000, 2_500_000, { ...usage, prompt: 2000, cache_hit: 1800, completion: 60, reasoning: 0 }),
    toolStart('t3', 2, 9_000_000),
    toolFinish('t3', 2, 9_000_000, 9_000_300),
  ];
  const store = run(frames.map((f) => frame(f)));
  const turns = groupTurns(store.entries);

  it('groups by turn and sorts calls by start (then id)', () => {
    expect(turns.map((t) => t.turn)).toEqual([1, 2]);
    expect(turns[0]!.calls.map((c) => c.id)).toEqual(['m1', 't1', 't2', 'm2']);
    expect(turns[1]!.calls.map((c) => c.id)).toEqual(['t3']);
  });

  it('sums model tokens per turn, tool output tokens apart', () => {
    expect(callTokens(turns[0]!.calls[0]!)).toEqual({ input: 1834, cached: 1536, output: 142, reasoning: 30 });
    expect(callTokens(turns[0]!.calls[1]!)).toBeNull();
    expect(turns[0]!.tokens).toEqual({ input: 3834, cached: 3336, output: 202, reasoning: 30 });
    expect(turns[0]!.toolTokens).toBe(6);
    expect(turns[1]!.tokens).toEqual({ input: 0, cached: 0, output: 0, reasoning: 0 });
    expect(turns[0]!.failed).toBe(1);
    expect(turns[0]!.running).toBe(false);
  });

  it('spans the axis from the earliest start to the latest end', () => {
    const axis = turnAxis(turns[0]!, 0);
    expect(axis).toEqual({ startUs: T0, endUs: T0 + 2_500_000 });
    expect(axisMs(axis)).toBe(2500);
    expect(axisMs(turnAxis(turns[1]!, 0))).toBe(0.3);
  });

  it('places bars so overlap and gaps show', () => {
    const axis = turnAxis(turns[0]!, 0);
    const bars = Object.fromEntries(turns[0]!.calls.map((c) => [c.id, callBar(c, axis, 0)]));
    expect(bars.m1).toEqual({ left: 0, width: 1240 / 2500 });
    expect(bars.t1!.left).toBeCloseTo(1250 / 2500, 12);
    expect(bars.t1!.width).toBeCloseTo(350 / 2500, 12);
    // Sub-millisecond precision: 150.5 ms.
    expect(bars.t2!.width).toBeCloseTo(150.5 / 2500, 12);
    expect(bars.t1!.left).toBe(bars.t2!.left); // overlap
    expect(bars.m2!.left).toBeCloseTo(0.8, 12); // after a gap
    expect(bars.m2!.left + bars.m2!.width).toBeCloseTo(1, 12);
    // A single call fills its turn.
    const single = turnAxis(turns[1]!, 0);
    expect(callBar(turns[1]!.calls[0]!, single, 0)).toEqual({ left: 0, width: 1 });
  });

  it('a running call ends "now" (measured from when its start frame arrived) and stretches the axis', () => {
    const received = 50_000_000; // local clock, unrelated to the server's
    const s = run([frame(toolStart('r0', 5, 0)), frame(toolFinish('r0', 5, 0, 250_000)), frame(modelStart('r1', 5, 500_000), received)]);
    const [turn] = groupTurns(s.entries);
    expect(turn!.running).toBe(true);
    const now = received + 750_000;
    const axis = turnAxis(turn!, now);
    expect(axisMs(axis)).toBe(1250);
    const running = turn!.calls.find((c) => c.id === 'r1')!;
    expect(callLatencyMs(running, now)).toBe(750);
    expect(callBar(running, axis, now)).toEqual({ left: 0.4, width: 0.6 });
    const done = turn!.calls.find((c) => c.id === 'r0')!;
    expect(callBar(done, axis, now)).toEqual({ left: 0, width: 0.2 });
    // Later, the same bar is longer; before the frame arrived (clock skew) it is empty.
    expect(callBar(running, turnAxis(turn!, now + 1_250_000), now + 1_250_000).width).toBeCloseTo(2 / 2.5, 12);
    expect(callLatencyMs(running, received - 10)).toBe(0);
  });

  it('an axis of zero length gives empty bars, not NaN', () => {
    const s = run([frame(toolStart('z', 1, 0)), frame(toolFinish('z', 1, 0, 0))]);
    const [turn] = groupTurns(s.entries);
    expect(callBar(turn!.calls[0]!, turnAxis(turn!, 0), 0)).toEqual({ left: 0, width: 0 });
  });

  it('makes a header row per turn and a row per call, expanded ones taller', () => {
    const rows = traceRows(turns, new Set(['t1']));
    expect(rows.map((r) => r.key)).toEqual(['turn:1', 'call:m1', 'call:t1', 'call:t2', 'call:m2', 'turn:2', 'call:t3']);
    expect(rows.map((r) => r.height)).toEqual([
      ROW_HEIGHT.turn,
      ROW_HEIGHT.call,
      ROW_HEIGHT.expanded,
      ROW_HEIGHT.call,
      ROW_HEIGHT.call,
      ROW_HEIGHT.turn,
      ROW_HEIGHT.call,
    ]);
    expect(rows[2]!.kind === 'call' && rows[2]!.expanded).toBe(true);
  });
});

describe('prompt cache on calls and turns', () => {
  const unbroken = { ...samplePromptCache, break: null };
  const frames: ChatFrame[] = [
    modelStart('p1', 3, 0),
    modelFinish('p1', 3, 0, 1_000_000, { ...usage, prompt: 1000, cache_hit: 0 }, unbroken),
    toolStart('p2', 3, 1_000_000),
    toolFinish('p2', 3, 1_000_000, 1_100_000),
    modelStart('p3', 3, 1_200_000),
    modelFinish('p3', 3, 1_200_000, 2_000_000, { ...usage, prompt: 1200, cache_hit: 600 }, samplePromptCache),
    modelStart('p4', 3, 2_100_000),
  ];
  const store = run(frames.map((f) => frame(f)));
  const [turn] = groupTurns(store.entries);

  it("takes a model call's prompt cache from its finish frame, and the stored trace's over it", () => {
    expect(callOf(store, 'p3').prompt_cache).toEqual(samplePromptCache);
    expect(callOf(store, 'p2').prompt_cache).toBeNull();
    expect(callOf(store, 'p4').prompt_cache).toBeNull(); // still running
    const finish = modelFinish('p5', 3, 0, 10, usage, samplePromptCache);
    const item = { ...stored(modelStart('p5', 3, 0), finish), prompt_cache: unbroken };
    const s = run([frame(finish), page([item])]);
    expect(callOf(s, 'p5').prompt_cache).toEqual(unbroken);
  });

  it("gives a turn's hit rate over its model calls with usage, and counts its breaks", () => {
    expect(turn!.hitRate).toBeCloseTo(600 / 2200, 12);
    expect(turn!.cacheBreaks).toBe(1);
    const [toolsOnly] = groupTurns(run([frame(toolStart('q', 9, 0)), frame(toolFinish('q', 9, 0, 5))]).entries);
    expect(toolsOnly!.hitRate).toBeNull();
  });

  it('makes room in a model call row for the strip, and for the break under it', () => {
    const rows = traceRows([turn!], new Set(['p3']));
    expect(rows.map((r) => [r.key, r.height])).toEqual([
      ['turn:3', ROW_HEIGHT.turn],
      ['call:p1', ROW_HEIGHT.call + CACHE_LINE_HEIGHT.strip],
      ['call:p2', ROW_HEIGHT.call],
      ['call:p3', ROW_HEIGHT.expanded + CACHE_LINE_HEIGHT.strip + CACHE_LINE_HEIGHT.break],
      ['call:p4', ROW_HEIGHT.call],
    ]);
  });
});

describe('formatting', () => {
  it('formats latencies', () => {
    expect(formatLatency(0.354)).toBe('0.35 ms');
    expect(formatLatency(3.21)).toBe('3.2 ms');
    expect(formatLatency(812.4)).toBe('812 ms');
    expect(formatLatency(999.7)).toBe('1.00 s');
    expect(formatLatency(1240)).toBe('1.24 s');
    expect(formatLatency(12_400)).toBe('12.4 s');
    expect(formatLatency(125_000)).toBe('2 m 05 s');
    expect(formatLatency(-1)).toBe('');
  });

  it('formats token counts', () => {
    expect(formatTokens(0)).toBe('0');
    expect(formatTokens(950)).toBe('950');
    expect(formatTokens(1834)).toBe('1.8k');
    expect(formatTokens(2000)).toBe('2k');
    expect(formatTokens(9_960)).toBe('10k');
    expect(formatTokens(12_345)).toBe('12k');
    expect(formatTokens(1_234_567)).toBe('1.2M');
    expect(formatTokens(45_000_000)).toBe('45M');
  });

  it('pretty-prints input', () => {
    expect(prettyInput({ argv: ['ls'] })).toBe('{\n  "argv": [\n    "ls"\n  ]\n}');
    expect(prettyInput('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyInput('{"a":')).toBe('{"a":');
    expect(prettyInput(undefined)).toBe('');
  });

  it('colours outcomes', () => {
    const s = run([
      frame(toolStart('run', 1, 0)),
      ...(['ok', 'error', 'timeout', 'denied', 'cancelled', 'interrupted'] as const).flatMap((o) => [
        frame(toolStart(o, 1, 0)),
        frame(toolFinish(o, 1, 0, 1, o)),
      ]),
    ]);
    const tone = (id: string) => outcomeTone(callOf(s, id));
    expect(tone('run')).toBe('running');
    expect(tone('ok')).toBe('ok');
    expect(tone('error')).toBe('bad');
    expect(tone('timeout')).toBe('warn');
    expect(tone('denied')).toBe('warn');
    expect(tone('cancelled')).toBe('muted');
    expect(tone('interrupted')).toBe('muted');
  });
});
