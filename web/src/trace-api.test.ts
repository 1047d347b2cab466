import { describe, expect, it, vi } from 'vitest';
import { ApiError } from './http';
import { ProtocolError } from './protocol/fields';
import { parseServerFrame } from './protocol/frames';
import { parseTrace, parseTracePage } from './protocol/traces';
import { samplePromptCache } from './test-fixtures';
import { fetchTraces, tracesPath } from './trace-api';

const modelTrace = {
  id: 't7f3a-12',
  chat_id: 'c1',
  turn: 2,
  kind: 'model',
  tool: 'model',
  call_id: '',
  actor_kind: 'session',
  actor_id: 'c1',
  parent_id: null,
  input: { model: 'gpt-test', messages: 3, tools: 6 },
  output: 'Let me look.',
  started_at: '2026-11-24T08:00:00.123456Z',
  finished_at: '2026-11-24T08:00:01.363456Z',
  latency_ms: 1240.0,
  ttft_ms: 420.25,
  outcome: 'ok',
  error: null,
  exit_code: null,
  tokens_used: 1976,
  cache_tokens: 1536,
  reasoning_tokens: 0,
  usage: { prompt: 1834, cache_hit: 1536, cache_miss: 298, cache_write: 0, completion: 142, reasoning: 0 },
  model: 'gpt-test',
  finish_reason: 'tool_calls',
  attempts: 1,
};

const toolTrace = {
  ...modelTrace,
  id: 't7f3a-13',
  kind: 'tool',
  tool: 'run_command',
  call_id: 'call_1',
  input: '{"argv": ["ls"',
  output: 'notes.txt\n',
  ttft_ms: null,
  outcome: 'denied',
  error: 'path outside the workspace',
  exit_code: 2,
  tokens_used: 3,
  cache_tokens: 0,
  usage: null,
  model: null,
  finish_reason: null,
  attempts: null,
};

describe('trace parsers', () => {
  it('accepts model and tool traces', () => {
    const m = parseTrace(modelTrace);
    expect(m.kind).toBe('model');
    expect(m.call_id).toBeNull(); // "" for a model call reads as none
    expect(m.usage?.cache_hit).toBe(1536);
    expect(m.ttft_ms).toBe(420.25);
    const t = parseTrace(toolTrace);
    expect(t.input).toBe('{"argv": ["ls"');
    expect(t.outcome).toBe('denied');
    expect(t.exit_code).toBe(2);
    expect(t.usage).toBeNull();
  });

  it('tolerates absent optional fields and rejects bad documented ones', () => {
    const { actor_kind: _k, actor_id: _i, parent_id: _p, ttft_ms: _t, ...lean } = modelTrace;
    expect(parseTrace(lean).actor_kind).toBe('session');
    for (const [key, value] of [
      ['outcome', 7],
      ['kind', null],
      ['started_at', '2026-11-24 08:00'],
      ['latency_ms', -1],
      ['tokens_used', 1.5],
      ['id', ''],
      ['usage', { prompt: 1 }],
    ] as const) {
      expect(() => parseTrace({ ...modelTrace, [key]: value }), key).toThrow(ProtocolError);
    }
    const { input: _in, ...noInput } = toolTrace;
    expect(() => parseTrace(noInput)).toThrow(/input/);
  });

  it("keeps a newer node's outcome, kind and actor kind as they are", () => {
    const spy = vi.spyOn(console, 'info').mockImplementation(() => {});
    const t = parseTrace({ ...modelTrace, outcome: 'exploded', kind: 'robot', actor_kind: 'workflow_step' });
    expect([t.outcome, t.kind, t.actor_kind]).toEqual(['exploded', 'robot', 'workflow_step']);
    spy.mockRestore();
  });

  it('parses pages', () => {
    expect(parseTracePage({ items: [modelTrace], next_cursor: '861' })).toMatchObject({ next_cursor: '861' });
    expect(parseTracePage({ items: [], next_cursor: null })).toEqual({ items: [], next_cursor: null });
    expect(() => parseTracePage({ items: {} })).toThrow(ProtocolError);
    expect(() => parseTracePage({ items: [], next_cursor: 861 })).toThrow(ProtocolError);
  });

  it('parses the four trace frames as chat frames', () => {
    const base = { chat_id: 'c1', seq: 5, id: 'x', turn: 1 };
    const ts = parseServerFrame(
      JSON.stringify({ ...base, type: 'tool_trace_start', tool: 'read_file', call_id: 'call_1', input: { path: 'a' }, started_at: '2026-11-24T08:00:00.000001Z', actor_kind: 'session', actor_id: 'c1', parent_id: null }),
    );
    expect(ts).toMatchObject({ type: 'tool_trace_start', tool: 'read_file', call_id: 'call_1', seq: 5 });
    const tf = parseServerFrame(
      JSON.stringify({ ...base, type: 'tool_trace_finish', tool: 'read_file', finished_at: '2026-11-24T08:00:00.000400Z', latency_ms: 0.399, outcome: 'ok', output_preview: 'x', error: null, exit_code: null, tokens_used: 1 }),
    );
    expect(tf).toMatchObject({ type: 'tool_trace_finish', latency_ms: 0.399, exit_code: null });
    const ms = parseServerFrame(
      JSON.stringify({ ...base, type: 'model_trace_start', model: 'gpt-test', input: { model: 'gpt-test', messages: 1, tools: 0 }, started_at: '2026-11-24T08:00:00Z', actor_kind: 'session', actor_id: 'c1', parent_id: null }),
    );
    expect(ms).toMatchObject({ type: 'model_trace_start', model: 'gpt-test' });
    const mf = parseServerFrame(
      JSON.stringify({
        ...base,
        type: 'model_trace_finish',
        finished_at: '2026-11-24T08:00:01Z',
        latency_ms: 1000,
        ttft_ms: null,
        outcome: 'cancelled',
        output_preview: '',
        error: null,
        finish_reason: null,
        attempts: 1,
        usage: null,
        tokens_used: 0,
        cache_tokens: 0,
        reasoning_tokens: 0,
      }),
    );
    expect(mf).toMatchObject({ type: 'model_trace_finish', outcome: 'cancelled', usage: null, ttft_ms: null });
    expect(() => parseServerFrame(JSON.stringify({ ...base, type: 'tool_trace_finish', tool: 'x' }))).toThrow(ProtocolError);
  });
});

describe('prompt_cache on model traces', () => {
  /** The wire form of samplePromptCache: segments without name or messages where they have none. */
  const wire = {
    ...samplePromptCache,
    segments: samplePromptCache.segments.map(({ name, messages, ...rest }) => ({
      ...rest,
      ...(name !== null ? { name } : {}),
      ...(messages !== null ? { messages } : {}),
    })),
  };

  it('reads it on a stored trace and on a model_trace_finish frame; null or absent is none', () => {
    expect(parseTrace({ ...modelTrace, prompt_cache: wire }).prompt_cache).toEqual(samplePromptCache);
    expect(parseTrace({ ...modelTrace, prompt_cache: null }).prompt_cache).toBeNull();
    expect(parseTrace(modelTrace).prompt_cache).toBeNull();
    const frame = parseServerFrame(
      JSON.stringify({
        type: 'model_trace_finish',
        chat_id: 'c1',
        seq: 9,
        id: 'x',
        turn: 1,
        finished_at: '2026-11-24T08:00:01Z',
        latency_ms: 1000,
        ttft_ms: 10,
        outcome: 'ok',
        output_preview: '',
        error: null,
        finish_reason: 'stop',
        attempts: 1,
        usage: modelTrace.usage,
        tokens_used: 1,
        cache_tokens: 0,
        reasoning_tokens: 0,
        prompt_cache: { ...wire, break: null },
      }),
    );
    expect(frame.type === 'model_trace_finish' && frame.prompt_cache).toEqual({ ...samplePromptCache, break: null });
  });

  it('rejects what does not hold', () => {
    const seg0 = wire.segments[0]!;
    const bad: [string, unknown][] = [
      ['not an object', 'yes'],
      ['segments', { ...wire, segments: {} }],
      ['stop past the end', { ...wire, stop: 6 }],
      ['hit_rate over 1', { ...wire, hit_rate: 1.5 }],
      ['cost', { ...wire, cost_usd: -1 }],
      ['saved', { ...wire, saved_usd: undefined }],
      ['a tool without a name', { ...wire, segments: [{ ...seg0, name: undefined }] }],
      ['tokens', { ...wire, segments: [{ ...seg0, tokens_est: 1.5 }] }],
      ['no causes', { ...wire, break: { ...wire.break, causes: [] } }],
      ['tools list', { ...wire, break: { ...wire.break, tools_added: 'x' } }],
      ['reordered', { ...wire, break: { ...wire.break, tools_reordered: 1 } }],
    ];
    for (const [what, pc] of bad) expect(() => parseTrace({ ...modelTrace, prompt_cache: pc }), what).toThrow(ProtocolError);
  });

  it("keeps a newer node's segment kind and break cause as they are", () => {
    const spy = vi.spyOn(console, 'info').mockImplementation(() => {});
    const pc = parseTrace({
      ...modelTrace,
      prompt_cache: {
        ...wire,
        segments: [...wire.segments, { kind: 'image', bytes: 1, tokens_est: 1, hash: 'ab', cached_tokens_est: 0 }],
        break: { ...wire.break, cause: 'quota_reset', causes: ['quota_reset'] },
      },
    }).prompt_cache;
    expect(pc?.segments.at(-1)?.kind).toBe('image');
    expect(pc?.break?.causes).toEqual(['quota_reset']);
    spy.mockRestore();
  });
});

describe('fetchTraces', () => {
  it('builds the query', () => {
    expect(tracesPath('c 1')).toBe('/api/chats/c%201/traces');
    expect(tracesPath('c1', { limit: 200, cursor: 'a+b/=', tool: 'model', outcome: 'error' })).toBe(
      '/api/chats/c1/traces?limit=200&cursor=a%2Bb%2F%3D&tool=model&outcome=error',
    );
    expect(tracesPath('c1', { cursor: null })).toBe('/api/chats/c1/traces');
  });

  it('returns a parsed page, and the node error on failure', async () => {
    const ok = vi.fn<typeof fetch>(async () => new Response(JSON.stringify({ items: [toolTrace], next_cursor: null })));
    const page = await fetchTraces('c1', { limit: 2 }, { fetchImpl: ok });
    expect(page.items[0]?.id).toBe('t7f3a-13');
    expect(ok.mock.calls[0]?.[0]).toBe('/api/chats/c1/traces?limit=2');

    const bad = vi.fn<typeof fetch>(
      async () => new Response(JSON.stringify({ error: { code: 'invalid_argument', message: 'bad cursor' } }), { status: 400 }),
    );
    const err = await fetchTraces('c1', { cursor: 'zz' }, { fetchImpl: bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('invalid_argument');
    expect((err as ApiError).message).toBe('bad cursor');
  });
});
