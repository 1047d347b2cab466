import { describe, expect, it, vi } from 'vitest';
import { ApiError } from './http';
import { ProtocolError } from './protocol/fields';
import { parseUsageSummary } from './protocol/usage';
import { fetchUsageSummary, usagePath } from './usage-api';

const line = {
  model_calls: 4,
  usage: { prompt: 13000, cache_hit: 8192, cache_miss: 4808, cache_write: 0, completion: 1300, reasoning: 325 },
  hit_rate: 0.6302,
  cache_breaks: 1,
  cost_usd: 0.00208,
  saved_usd: 0.001638,
};

const summary = {
  chat_id: 'c1',
  total: { ...line, model_calls: 10 },
  own: line,
  turns: [{ ...line, turn: 1 }, { ...line, turn: 2 }],
  subagents: [{ ...line, id: 't_00aa' }],
  workflow_runs: [{ ...line, id: 'w_feed' }],
};

describe('parseUsageSummary', () => {
  it('reads the total, own and per turn, subagent and run lines', () => {
    const s = parseUsageSummary(summary);
    expect(s.total.model_calls).toBe(10);
    expect(s.own).toEqual(line);
    expect(s.turns.map((t) => t.turn)).toEqual([1, 2]);
    expect(s.subagents[0]).toEqual({ ...line, id: 't_00aa' });
    expect(s.workflow_runs[0]?.id).toBe('w_feed');
  });

  it('rejects what does not hold', () => {
    const bad: [string, unknown][] = [
      ['not an object', []],
      ['no chat id', { ...summary, chat_id: '' }],
      ['no total', { ...summary, total: undefined }],
      ['usage', { ...summary, own: { ...line, usage: { prompt: 1 } } }],
      ['hit rate', { ...summary, own: { ...line, hit_rate: 2 } }],
      ['cost', { ...summary, own: { ...line, cost_usd: 'a' } }],
      ['saved', { ...summary, own: { ...line, saved_usd: undefined } }],
      ['breaks', { ...summary, own: { ...line, cache_breaks: -1 } }],
      ['turns', { ...summary, turns: {} }],
      ['turn 0', { ...summary, turns: [{ ...line, turn: 0 }] }],
      ['subagent id', { ...summary, subagents: [line] }],
    ];
    for (const [what, body] of bad) expect(() => parseUsageSummary(body), what).toThrow(ProtocolError);
  });
});

describe('fetchUsageSummary', () => {
  it('asks for the chat, and returns the summary or the node error', async () => {
    expect(usagePath('c 1')).toBe('/api/chats/c%201/usage');
    const ok = vi.fn<typeof fetch>(async () => new Response(JSON.stringify(summary)));
    expect((await fetchUsageSummary('c1', { fetchImpl: ok })).total.model_calls).toBe(10);
    expect(ok.mock.calls[0]?.[0]).toBe('/api/chats/c1/usage');

    const missing = vi.fn<typeof fetch>(
      async () => new Response(JSON.stringify({ error: { code: 'not_found', message: 'no such chat' } }), { status: 404 }),
    );
    const err = await fetchUsageSummary('c9', { fetchImpl: missing }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('not_found');
  });
});
