import { describe, expect, it } from 'vitest';
import type { ServerFrame } from './protocol/frames';
import type { TimelineTurn } from './protocol/rest';
import { finishedTurn, sampleUsage } from './test-fixtures';
import { formatStart, timelineChanged, timelineRow, turnDuration } from './timeline';

const usage = sampleUsage;
const done = finishedTurn;
const running: TimelineTurn = { ...done, turn: 2, finished_at: null, duration_ms: null, outcome: 'running', tool_calls: 1, model_calls: 1 };

/** The local clock time of an instant, as the panel shows it. */
function clock(iso: string): string {
  const d = new Date(iso);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

describe('formatStart', () => {
  const start = Date.parse(done.started_at);

  it('shows the local time of day on the same day', () => {
    expect(formatStart(done.started_at, start + 60_000)).toBe(clock(done.started_at));
    expect(formatStart(done.started_at, start + 60_000)).toMatch(/^\d\d:\d\d:\d\d$/);
  });

  it('adds the local date on another day', () => {
    const later = start + 3 * 86_400_000;
    const d = new Date(start);
    const date = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    expect(formatStart(done.started_at, later)).toBe(`${date} ${clock(done.started_at)}`);
  });

  it('shows an unreadable timestamp as it came', () => {
    expect(formatStart('soon', start)).toBe('soon');
  });
});

describe('turnDuration', () => {
  it('formats a finished turn, and a running one counted to now', () => {
    expect(turnDuration(done, 0)).toBe('1.2 s');
    expect(turnDuration(running, Date.parse(running.started_at) + 12_400)).toBe('12 s so far');
    expect(turnDuration(running, Date.parse(running.started_at) - 5_000)).toBe('0 ms so far');
    expect(turnDuration({ ...done, duration_ms: null }, 0)).toBe('—');
  });
});

describe('timelineRow', () => {
  it('says what a turn row shows', () => {
    const row = timelineRow(done, Date.parse(done.started_at) + 5_000);
    expect(row).toMatchObject({
      turn: 1,
      outcome: 'completed',
      outcomeLabel: 'completed',
      start: clock(done.started_at),
      duration: '1.2 s',
      tokens: { prompt: 1834, cached: 1536, completion: 142, text: 'in 1,834 · cached 1,536 · out 142' },
      tools: '3 tool calls',
      modelCalls: '2 model calls',
      preview: 'Add a test for the parser',
    });
    expect(row.startTitle).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('labels each outcome and counts in the singular', () => {
    expect(timelineRow(running, 0)).toMatchObject({ outcomeLabel: 'running', tools: '1 tool call', modelCalls: '1 model call' });
    expect(timelineRow({ ...done, outcome: 'error' }, 0).outcomeLabel).toBe('failed');
    expect(timelineRow({ ...done, outcome: 'cancelled' }, 0).outcomeLabel).toBe('cancelled');
    expect(timelineRow({ ...done, outcome: 'interrupted' }, 0).outcomeLabel).toBe('interrupted');
    expect(timelineRow({ ...done, tool_calls: 0 }, 0).tools).toBe('no tool calls');
    expect(timelineRow({ ...done, tool_calls: 1200 }, 0).tools).toBe('1,200 tool calls');
  });
});

describe('timelineChanged', () => {
  const base = { chat_id: 'c1', seq: 3 };
  const usage0 = { ...usage };
  const frames: Array<[string, ServerFrame, boolean]> = [
    ['turn_start', { type: 'turn_start', turn: 2, user_message_ids: [4], resumed: false, ...base }, true],
    ['turn_end', { type: 'turn_end', turn: 2, outcome: 'completed', usage: usage0, ...base }, true],
    [
      'a full snapshot',
      { type: 'snapshot', epoch: 1, status: 'idle', resumed: false, messages: [], turn: null, usage: usage0, ...base },
      true,
    ],
    ['a resumed snapshot', { type: 'snapshot', epoch: 1, status: 'idle', resumed: true, ...base }, false],
    ['a delta', { type: 'assistant_delta', turn: 2, text: 'x', ...base }, false],
    ['a message', { type: 'ack', client_id: 'm', message_id: 4, ...base }, false],
    ['hello', { type: 'hello', node_id: 'n', version: '1' }, false],
    ['session_failed', { type: 'session_failed', chat_id: 'c1', reason: 'failed', crashes: 5, error: '' }, false],
  ];

  it.each(frames)('%s', (_n, frame, expected) => {
    expect(timelineChanged(frame, 'c1')).toBe(expected);
  });

  it('only for the open chat', () => {
    expect(timelineChanged({ type: 'turn_end', turn: 2, outcome: 'completed', usage, chat_id: 'c2', seq: 1 }, 'c1')).toBe(false);
    expect(timelineChanged({ type: 'turn_end', turn: 2, outcome: 'completed', usage, ...base }, null)).toBe(false);
  });
});
