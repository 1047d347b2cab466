// The Tasks pane's state: task_update frames merged into the list, subagents' approvals kept per
// task, totals, elapsed times and previews.
import { describe, expect, it } from 'vitest';
import type { ServerFrame } from './protocol/frames';
import type { Task } from './protocol/tasks';
import { applyTaskFrame, initialTasks, type TasksState, liveTasks, resultPreview, taskElapsedMs, taskTotals, tasksStale, withTask } from './tasks';

function task(id: string, state: Task['state'], more: Partial<Task> = {}): Task {
  return {
    id,
    chat_id: 'c_1',
    parent_id: 'c_1',
    depth: 1,
    description: `do ${id}`,
    prompt: 'p',
    tools: null,
    model: null,
    worktree: false,
    state,
    result: null,
    error: null,
    usage: { input: 10, cached: 4, output: 2, reasoning: 0 },
    cost_usd: 0.001,
    owner_node: null,
    worktree_path: null,
    branch: null,
    created_at: '2026-12-01T10:00:00.000Z',
    started_at: state === 'queued' ? null : '2026-12-01T10:00:01.000Z',
    ended_at: null,
    ...more,
  };
}

function update(t: Task, seq = 1, chat = 'c_1'): ServerFrame {
  return { type: 'task_update', chat_id: chat, seq, task: t };
}

describe('tasks state', () => {
  it('adds a new task last and replaces a known one', () => {
    let s = initialTasks('c_1');
    s = applyTaskFrame(s, update(task('t_a', 'queued')));
    s = applyTaskFrame(s, update(task('t_b', 'running')));
    s = applyTaskFrame(s, update(task('t_a', 'running'), 3));
    expect(s.tasks?.map((t) => [t.id, t.state])).toEqual([
      ['t_a', 'running'],
      ['t_b', 'running'],
    ]);
  });

  it('ignores another chat and keeps an ended task ended', () => {
    let s: TasksState = { ...initialTasks('c_1'), tasks: [task('t_a', 'completed')] };
    s = applyTaskFrame(s, update(task('t_z', 'running'), 1, 'c_2'));
    s = applyTaskFrame(s, update(task('t_a', 'running')));
    expect(s.tasks?.map((t) => t.state)).toEqual(['completed']);
    expect(withTask(null, task('t_n', 'queued'))).toHaveLength(1);
  });

  it("keeps each subagent's approvals until they are answered or it ends", () => {
    let s: TasksState = { ...initialTasks('c_1'), tasks: [task('t_a', 'running')] };
    const ask: ServerFrame = {
      type: 'approval_request',
      chat_id: 'c_1',
      seq: 4,
      turn: 1,
      id: 'ap_1_t1.0',
      call_id: 'c',
      tool: 'run_command',
      arguments: '{}',
      reason: 'ask',
      task_id: 't_a',
    };
    s = applyTaskFrame(s, ask);
    s = applyTaskFrame(s, { ...ask, seq: 5 }); // asked again: still one
    expect(s.approvals.t_a?.map((a) => a.id)).toEqual(['ap_1_t1.0']);
    s = applyTaskFrame(s, { type: 'approval_resolved', chat_id: 'c_1', seq: 6, id: 'ap_1_t1.0', decision: 'allow', note: '', user: 'u', task_id: 't_a' });
    expect(s.approvals.t_a).toEqual([]);
    s = applyTaskFrame(s, ask);
    s = applyTaskFrame(s, update(task('t_a', 'cancelled')));
    expect(s.approvals.t_a).toBeUndefined();
    // The chat's own approvals are not the pane's.
    const own = applyTaskFrame(s, { ...ask, task_id: undefined });
    expect(own).toBe(s);
  });

  it('adds up the totals, counts the live ones and tells when to reload', () => {
    const list = [task('t_a', 'running'), task('t_b', 'completed', { cost_usd: 0.002 }), task('t_c', 'queued')];
    expect(taskTotals(list)).toEqual({ input: 30, cached: 12, output: 6, reasoning: 0, cost_usd: 0.004 });
    expect(liveTasks(list).map((t) => t.id)).toEqual(['t_a', 't_c']);
    const full: ServerFrame = {
      type: 'snapshot',
      chat_id: 'c_1',
      seq: 9,
      epoch: 1,
      status: 'idle',
      resumed: false,
      messages: [],
      turn: null,
      usage: { prompt: 0, cache_hit: 0, cache_miss: 0, cache_write: 0, completion: 0, reasoning: 0 },
    };
    expect(tasksStale(full, 'c_1')).toBe(true);
    expect(tasksStale({ ...full, resumed: true } as ServerFrame, 'c_1')).toBe(false);
    expect(tasksStale(full, 'c_2')).toBe(false);
  });

  it('measures elapsed time and previews the result or error', () => {
    const now = Date.parse('2026-12-01T10:00:06.000Z');
    expect(taskElapsedMs(task('t_q', 'queued'), now)).toBeNull();
    expect(taskElapsedMs(task('t_r', 'running'), now)).toBe(5000);
    expect(taskElapsedMs(task('t_d', 'completed', { ended_at: '2026-12-01T10:00:03.500Z' }), now)).toBe(2500);
    expect(resultPreview(task('t_d', 'completed', { result: 'x'.repeat(200) }), 10)).toBe(`${'x'.repeat(10)}…`);
    expect(resultPreview(task('t_f', 'failed', { error: 'model_error' }))).toBe('model_error');
  });
});
