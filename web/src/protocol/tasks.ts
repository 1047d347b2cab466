// Background subagents ("tasks", docs/api.md): the task record of GET /api/chats/:id/tasks and
// of `task_update` frames, the list with the chat's task totals, and the answer of a stop.
// tests/contract/rest/task*.json and frames/task_update.json hold what the node writes.

import {
  ProtocolError,
  isObject,
  optionalTextOrNull,
  readState,
  requireBool,
  requireDate,
  requireInt,
  requireNumber,
  requireObject,
  requireString,
  type ChatFrameBase,
  type JsonObject,
} from './fields';
import { TASK_STATES, type TaskState } from './states';

/** Tokens a task used, by kind (cached: prompt tokens the provider's cache served). */
export interface TaskUsage {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

export interface Task {
  /** "t_…": also the id of its own conversation (GET /api/chats/:id, subscribe, traces). */
  id: string;
  chat_id: string;
  /** The chat, or the task that spawned it. */
  parent_id: string;
  depth: number;
  description: string;
  prompt: string;
  /** The tools it may use; null: its parent's. */
  tools: string[] | null;
  model: string | null;
  worktree: boolean;
  state: TaskState;
  result: string | null;
  error: string | null;
  usage: TaskUsage;
  cost_usd: number;
  owner_node: string | null;
  worktree_path: string | null;
  branch: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
}

export interface TaskList {
  items: Task[];
  /** The tasks' sums: what the chat's subagents used on top of the chat itself. */
  totals: TaskUsage & { cost_usd: number };
}

export interface TaskUpdateFrame extends ChatFrameBase {
  type: 'task_update';
  task: Task;
}

export function parseTaskUsage(obj: JsonObject, what: string): TaskUsage {
  return {
    input: requireInt(obj, 'input', what),
    cached: requireInt(obj, 'cached', what),
    output: requireInt(obj, 'output', what),
    reasoning: requireInt(obj, 'reasoning', what),
  };
}

export function optionalDate(obj: JsonObject, key: string, what: string): string | null {
  return obj[key] === undefined || obj[key] === null ? null : requireDate(obj, key, what);
}

export function parseTask(data: unknown, what = 'task'): Task {
  if (!isObject(data)) throw new ProtocolError(`${what}: must be a JSON object`);
  const tools = data.tools;
  if (tools !== null && tools !== undefined && !(Array.isArray(tools) && tools.every((t) => typeof t === 'string'))) {
    throw new ProtocolError(`${what}: field "tools" must be an array of names or null`);
  }
  return {
    id: requireString(data, 'id', what),
    chat_id: requireString(data, 'chat_id', what),
    parent_id: requireString(data, 'parent_id', what),
    depth: requireInt(data, 'depth', what, 1),
    description: requireString(data, 'description', what),
    prompt: requireString(data, 'prompt', what),
    tools: Array.isArray(tools) ? (tools as string[]) : null,
    model: optionalTextOrNull(data, 'model', what),
    worktree: requireBool(data, 'worktree', what),
    state: readState(data, 'state', what, TASK_STATES, 'task state'),
    result: optionalTextOrNull(data, 'result', what),
    error: optionalTextOrNull(data, 'error', what),
    usage: parseTaskUsage(requireObject(data, 'usage', what), `${what}.usage`),
    cost_usd: requireNumber(data, 'cost_usd', what),
    owner_node: optionalTextOrNull(data, 'owner_node', what),
    worktree_path: optionalTextOrNull(data, 'worktree_path', what),
    branch: optionalTextOrNull(data, 'branch', what),
    created_at: requireDate(data, 'created_at', what),
    started_at: optionalDate(data, 'started_at', what),
    ended_at: optionalDate(data, 'ended_at', what),
  };
}

/** Validates GET /api/chats/:id/tasks: {"items": [...], "totals": {...}}. */
export function parseTaskList(data: unknown): TaskList {
  if (!isObject(data) || !Array.isArray(data.items)) throw new ProtocolError('tasks: body must be {"items": [...]}');
  const totals = requireObject(data, 'totals', 'tasks');
  return {
    items: data.items.map((t, i) => parseTask(t, `tasks.items[${i}]`)),
    totals: { ...parseTaskUsage(totals, 'tasks.totals'), cost_usd: requireNumber(totals, 'cost_usd', 'tasks.totals') },
  };
}

/** Validates the answer of POST /api/chats/:id/tasks[/:task]/stop: how many were stopped. */
export function parseStopped(data: unknown): number {
  if (!isObject(data)) throw new ProtocolError('stop: body must be a JSON object');
  return requireInt(data, 'stopped', 'stop');
}

/** A `task_update` frame's fields past chat_id and seq. */
export function parseTaskUpdate(base: ChatFrameBase, data: JsonObject): TaskUpdateFrame {
  return { type: 'task_update', ...base, task: parseTask(data.task, 'task_update.task') };
}

/** Whether a task has ended (it never changes again). */
export function taskEnded(t: Pick<Task, 'state'>): boolean {
  return t.state === 'completed' || t.state === 'failed' || t.state === 'cancelled';
}
