// The open chat's background tasks as the Tasks pane shows them: the list GET
// /api/chats/:id/tasks gave, kept current by `task_update` frames, and the approvals its
// subagents wait on (their `approval_request` frames carry `task_id`). Plain functions; the
// hook (useTasks.ts) holds the state.

import { isChatFrame, type ServerFrame } from './protocol/frames';
import type { ApprovalRequest } from './protocol/permissions';
import { taskEnded, type Task, type TaskUsage } from './protocol/tasks';

export interface TasksState {
  chatId: string;
  /** Oldest first, as the node lists them; null until the first answer. */
  tasks: Task[] | null;
  /** Per task id: the tool calls its subagent waits on a decision for. */
  approvals: Record<string, ApprovalRequest[]>;
}

export function initialTasks(chatId: string): TasksState {
  return { chatId, tasks: null, approvals: {} };
}

/** A task's newer state: replaces the one with its id, or joins the list (last). */
export function withTask(tasks: Task[] | null, task: Task): Task[] {
  const list = tasks ?? [];
  const at = list.findIndex((t) => t.id === task.id);
  if (at < 0) return [...list, task];
  // A frame may overtake the list it raced with: an ended task never runs again.
  if (taskEnded(list[at]!) && !taskEnded(task)) return list;
  return list.map((t, i) => (i === at ? task : t));
}

/** Applies a frame of the chat's socket: task_update and subagents' approval_* frames. */
export function applyTaskFrame(state: TasksState, frame: ServerFrame): TasksState {
  if (!isChatFrame(frame) || frame.chat_id !== state.chatId) return state;
  if (frame.type === 'task_update') {
    const approvals = taskEnded(frame.task) ? without(state.approvals, frame.task.id) : state.approvals;
    return { ...state, tasks: withTask(state.tasks, frame.task), approvals };
  }
  if (frame.type === 'approval_request' && frame.task_id) {
    const { type: _t, chat_id: _c, seq: _s, ...request } = frame;
    const list = (state.approvals[frame.task_id] ?? []).filter((a) => a.id !== request.id);
    return { ...state, approvals: { ...state.approvals, [frame.task_id]: [...list, request] } };
  }
  if (frame.type === 'approval_resolved' && frame.task_id) {
    const list = (state.approvals[frame.task_id] ?? []).filter((a) => a.id !== frame.id);
    return { ...state, approvals: { ...state.approvals, [frame.task_id]: list } };
  }
  return state;
}

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  const { [key]: _gone, ...rest } = record;
  return rest;
}

/** Whether a frame means the list should be read again (a full snapshot: frames may be lost). */
export function tasksStale(frame: ServerFrame, chatId: string | null): boolean {
  return frame.type === 'snapshot' && frame.chat_id === chatId && !frame.resumed;
}

/** Tasks not ended yet. */
export function liveTasks(tasks: Task[] | null): Task[] {
  return (tasks ?? []).filter((t) => !taskEnded(t));
}

/** The tasks' tokens and cost added up (what the chat's subagents used). */
export function taskTotals(tasks: Task[] | null): TaskUsage & { cost_usd: number } {
  const sum = { input: 0, cached: 0, output: 0, reasoning: 0, cost_usd: 0 };
  for (const t of tasks ?? []) {
    sum.input += t.usage.input;
    sum.cached += t.usage.cached;
    sum.output += t.usage.output;
    sum.reasoning += t.usage.reasoning;
    sum.cost_usd += t.cost_usd;
  }
  return sum;
}

/** How long a task (or a workflow step) ran, or has run at `nowMs`, in ms; null before it started. */
export function taskElapsedMs(t: Pick<Task, 'started_at' | 'ended_at'>, nowMs: number): number | null {
  if (!t.started_at) return null;
  const end = t.ended_at ? Date.parse(t.ended_at) : nowMs;
  return Math.max(0, end - Date.parse(t.started_at));
}

/** The start of a result or error for the list (the whole one is in the task's transcript). */
export function resultPreview(t: Pick<Task, 'error' | 'result'>, max = 160): string {
  const text = (t.error ?? t.result ?? '').trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
