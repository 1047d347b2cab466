// Workflows (docs/api.md, "Workflows"; docs/workflows.md): the catalog of GET /api/workflows, a
// run with its steps and log (GET /api/workflow-runs/:id and `workflow_update` frames), and the
// answer of a cancel. tests/contract/rest/workflow_*.json, rest/cancelled.json and
// frames/workflow_update.json hold what the node writes.

import {
  ProtocolError,
  isObject,
  optionalIntOrNull,
  optionalTextOrNull,
  readState,
  requireInt,
  requireBool,
  requireDate,
  requireJson,
  requireNumber,
  requireObject,
  requireString,
  type JsonObject,
  type Newer,
} from './fields';
import { CACHE_MODES, CACHE_STATUSES, TASK_STATES, type CacheMode, type CacheStatus, type TaskState } from './states';
import { optionalDate, parseTaskUsage, type TaskUsage } from './tasks';

export interface WorkflowPhase {
  title: string;
  detail: string | null;
}

/** A workflow a chat in the workspace can run. */
export interface WorkflowInfo {
  name: string;
  /** null when the script does not check (see problem). */
  description: string | null;
  when_to_use: string | null;
  phases: WorkflowPhase[];
  /** meta.args as the script wrote it (documentation or a JSON Schema). */
  args: unknown;
  origin: string;
  path: string;
  source: string;
  /** Why it cannot run; null when it checks. */
  problem: string | null;
}

/** A step and the step cache: a hit (the tokens the step it took used), or why it ran. */
export interface StepCache {
  status: CacheStatus;
  /** A miss's or off's: "first run", "spec changed: prompt", "input changed: src/a.c", … */
  reason: string | null;
  saved_tokens: number;
  /** A hit: the step whose result it took. */
  source: string | null;
}

export interface WorkflowStep {
  /** "s_…" (an agent) or "w_…" (a nested workflow): also the id of its conversation. */
  id: string;
  kind: string;
  /** Its structural path in the script, e.g. "parallel-0/item-2/agent-0". */
  path: string;
  label: string;
  phase: string | null;
  state: TaskState;
  usage: TaskUsage;
  cost_usd: number;
  /** Its result came from the step cache (no model call). */
  cached: boolean;
  /** Its use of the step cache; null for a nested workflow. */
  cache: StepCache | null;
  /** The start of its result. */
  result: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
}

/** A log() line (`info`) or the run's own warning (a projected token use past its threshold, a
 * replayed call that asks something else); a newer node's level shows as it is named. */
export const LOG_LEVELS = ['info', 'warning'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number] | Newer;

export interface WorkflowLog {
  path: string;
  level: LogLevel;
  text: string;
  phase: string | null;
  at: string;
}

export interface WorkflowRun {
  id: string;
  name: string;
  chat_id: string | null;
  parent_id: string | null;
  workspace: string;
  state: TaskState;
  args: unknown;
  result: unknown;
  error: string | null;
  budget: number | null;
  cache: CacheMode;
  /** Steps taken from the step cache, and the tokens they saved. */
  cache_hits: number;
  saved_tokens: number;
  usage: TaskUsage;
  cost_usd: number;
  phases: string[];
  steps: WorkflowStep[];
  logs: WorkflowLog[];
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
}

export interface WorkflowUpdateFrame {
  type: 'workflow_update';
  run: WorkflowRun;
}

function stringArray(obj: JsonObject, key: string, what: string): string[] {
  const value = obj[key];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new ProtocolError(`${what}: field "${key}" must be an array of strings`);
  }
  return value as string[];
}

function objects(obj: JsonObject, key: string, what: string): JsonObject[] {
  const value = obj[key];
  if (!Array.isArray(value) || !value.every(isObject)) {
    throw new ProtocolError(`${what}: field "${key}" must be an array of objects`);
  }
  return value as JsonObject[];
}

function parseStepCache(data: JsonObject, what: string): StepCache | null {
  if (data.cache === null) return null;
  const c = requireObject(data, 'cache', what);
  const where = `${what}.cache`;
  return {
    status: readState(c, 'status', where, CACHE_STATUSES, 'cache status'),
    reason: optionalTextOrNull(c, 'reason', where),
    saved_tokens: requireInt(c, 'saved_tokens', where),
    source: optionalTextOrNull(c, 'source', where),
  };
}

function parseStep(data: JsonObject, what: string): WorkflowStep {
  return {
    id: requireString(data, 'id', what),
    kind: requireString(data, 'kind', what),
    path: requireString(data, 'path', what),
    label: requireString(data, 'label', what),
    phase: optionalTextOrNull(data, 'phase', what),
    state: readState(data, 'state', what, TASK_STATES, 'task state'),
    usage: parseTaskUsage(requireObject(data, 'usage', what), `${what}.usage`),
    cost_usd: requireNumber(data, 'cost_usd', what),
    cached: requireBool(data, 'cached', what),
    cache: parseStepCache(data, what),
    result: optionalTextOrNull(data, 'result', what),
    error: optionalTextOrNull(data, 'error', what),
    created_at: requireDate(data, 'created_at', what),
    started_at: optionalDate(data, 'started_at', what),
    ended_at: optionalDate(data, 'ended_at', what),
  };
}

/** Validates a run: GET /api/workflow-runs/:id, POST /api/workflow-runs, workflow_update's `run`. */
export function parseWorkflowRun(data: unknown, what = 'workflow run'): WorkflowRun {
  if (!isObject(data)) throw new ProtocolError(`${what}: must be a JSON object`);
  return {
    id: requireString(data, 'id', what),
    name: requireString(data, 'name', what),
    chat_id: optionalTextOrNull(data, 'chat_id', what),
    parent_id: optionalTextOrNull(data, 'parent_id', what),
    workspace: requireString(data, 'workspace', what),
    state: readState(data, 'state', what, TASK_STATES, 'task state'),
    args: requireJson(data, 'args', what),
    result: requireJson(data, 'result', what),
    error: optionalTextOrNull(data, 'error', what),
    budget: optionalIntOrNull(data, 'budget', what),
    cache: readState(data, 'cache', what, CACHE_MODES, 'cache mode'),
    cache_hits: requireInt(data, 'cache_hits', what),
    saved_tokens: requireInt(data, 'saved_tokens', what),
    usage: parseTaskUsage(requireObject(data, 'usage', what), `${what}.usage`),
    cost_usd: requireNumber(data, 'cost_usd', what),
    phases: stringArray(data, 'phases', what),
    steps: objects(data, 'steps', what).map((s, i) => parseStep(s, `${what}.steps[${i}]`)),
    logs: objects(data, 'logs', what).map((l, i) => {
      const where = `${what}.logs[${i}]`;
      return {
        path: requireString(l, 'path', where),
        level: readState(l, 'level', where, LOG_LEVELS, 'log level'),
        text: requireString(l, 'text', where),
        phase: optionalTextOrNull(l, 'phase', where),
        at: requireDate(l, 'at', where),
      };
    }),
    created_at: requireDate(data, 'created_at', what),
    started_at: optionalDate(data, 'started_at', what),
    ended_at: optionalDate(data, 'ended_at', what),
  };
}

/** Validates GET /api/workflows: {"items": [...]}. */
export function parseWorkflowList(data: unknown): { items: WorkflowInfo[] } {
  if (!isObject(data)) throw new ProtocolError('workflows: body must be {"items": [...]}');
  return {
    items: objects(data, 'items', 'workflows').map((w, i) => {
      const what = `workflows.items[${i}]`;
      return {
        name: requireString(w, 'name', what),
        description: optionalTextOrNull(w, 'description', what),
        when_to_use: optionalTextOrNull(w, 'when_to_use', what),
        phases: objects(w, 'phases', what).map((p, k) => ({
          title: requireString(p, 'title', `${what}.phases[${k}]`),
          detail: optionalTextOrNull(p, 'detail', `${what}.phases[${k}]`),
        })),
        args: requireJson(w, 'args', what),
        origin: requireString(w, 'origin', what),
        path: requireString(w, 'path', what),
        source: requireString(w, 'source', what),
        problem: optionalTextOrNull(w, 'problem', what),
      };
    }),
  };
}

/** Validates the answer of POST /api/workflow-runs/:id/cancel. */
export function parseCancelled(data: unknown): boolean {
  if (!isObject(data)) throw new ProtocolError('cancel: body must be a JSON object');
  return requireBool(data, 'cancelled', 'cancel');
}

/** A `workflow_update` frame. */
export function parseWorkflowUpdate(data: JsonObject): WorkflowUpdateFrame {
  return { type: 'workflow_update', run: parseWorkflowRun(data.run, 'workflow_update.run') };
}
