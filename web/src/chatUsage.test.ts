import { describe, expect, it } from 'vitest';
import { headerUsageView, usageChanged } from './chatUsage';
import type { ServerFrame } from './protocol/frames';
import type { Task } from './protocol/tasks';
import type { UsageLine } from './protocol/usage';
import { sampleUsage } from './test-fixtures';

const line: UsageLine = {
  model_calls: 10,
  usage: { prompt: 26_000, cache_hit: 18_432, cache_miss: 7_568, cache_write: 0, completion: 2_600, reasoning: 650 },
  hit_rate: 0.7089,
  cache_breaks: 1,
  cost_usd: 0.00368,
  saved_usd: 0.003686,
};

describe('the header', () => {
  it('shows nothing before the first model call, not zeros', () => {
    expect(headerUsageView(null)).toBeNull();
    expect(headerUsageView({ ...line, model_calls: 0, usage: { ...line.usage, prompt: 0, cache_hit: 0 }, cost_usd: 0 })).toBeNull();
  });

  it('shows the hit rate, the tokens read from the cache and the cost', () => {
    const v = headerUsageView(line)!;
    expect([v.hitRate, v.saved, v.cost]).toEqual(['71% cached', '18k tok saved', '$0.0037']);
    expect(v.rate).toBeCloseTo(18_432 / 26_000, 12);
    expect(v.title).toContain('10 model calls');
    expect(v.title).toContain('Prompt 26,000 tok, 18,432 of them from the prompt cache (71%).');
    expect(v.title).toContain('The cache broke once');
    const big = headerUsageView({ ...line, usage: { ...line.usage, prompt: 1_500_000, cache_hit: 1_230_000 }, cost_usd: 0.42 })!;
    expect([big.hitRate, big.saved, big.cost]).toEqual(['82% cached', '1.2M tok saved', '$0.42']);
  });

  it('leaves the cost out when the model has no prices', () => {
    const v = headerUsageView({ ...line, cost_usd: 0, saved_usd: 0, cache_breaks: 0 })!;
    expect(v.cost).toBeNull();
    expect(v.title).toContain('Cost not known');
    expect(v.title).toContain('never broke');
  });
});

describe('which frames refresh the usage', () => {
  const chat = 'c1';
  const task = (state: Task['state']) => ({ id: 't_1', state }) as unknown as Task;
  const cases: [string, ServerFrame, boolean][] = [
    ['its turn ended', { type: 'turn_end', chat_id: chat, seq: 3, turn: 1, outcome: 'completed', usage: sampleUsage }, true],
    ["another chat's turn ended", { type: 'turn_end', chat_id: 'c2', seq: 3, turn: 1, outcome: 'completed', usage: sampleUsage }, false],
    ['a token arrived', { type: 'assistant_delta', chat_id: chat, seq: 4, turn: 1, text: 'x' } as ServerFrame, false],
    ['a full snapshot', { type: 'snapshot', chat_id: chat, seq: 1, epoch: 1, status: 'idle', resumed: false, messages: [], turn: null, usage: sampleUsage } as ServerFrame, true],
    ['a resumed snapshot', { type: 'snapshot', chat_id: chat, seq: 1, epoch: 1, status: 'idle', resumed: true } as ServerFrame, false],
    ['a subagent ended', { type: 'task_update', chat_id: chat, seq: 5, task: task('completed') }, true],
    ['a subagent progressed', { type: 'task_update', chat_id: chat, seq: 5, task: task('running') }, false],
    ['a pong', { type: 'pong' } as ServerFrame, false],
  ];
  it.each(cases)('%s', (_what, frame, refresh) => {
    expect(usageChanged(frame, chat)).toBe(refresh);
  });

  it('nothing without an open chat', () => {
    expect(usageChanged(cases[0]![1], null)).toBe(false);
  });
});
