// REST calls for workflows (docs/api.md, "Workflows"). Each throws an ApiError with the node's
// code and message, or a ProtocolError when a 2xx body has the wrong shape.

import type { CacheMode } from './protocol/states';
import { requestJson, type FetchOptions } from './http';
import { parseCancelled, parseWorkflowList, parseWorkflowRun, type WorkflowInfo, type WorkflowRun } from './protocol/workflows';
import { parseStopped } from './protocol/tasks';

/** What POST /api/workflow-runs starts: a discovered workflow by name, for a chat. */
export interface NewWorkflowRun {
  chat_id: string;
  name: string;
  /** Left out: the script sees `args` as null. */
  args?: unknown;
  /** Left out: on. `/name --no-cache` sends off. */
  cache?: CacheMode;
}

function runPath(id: string): string {
  return `/api/workflow-runs/${encodeURIComponent(id)}`;
}

/** GET /api/workflows?workspace= -> every workflow a chat in the workspace can run. */
export async function listWorkflows(workspace: string, opts: FetchOptions = {}): Promise<WorkflowInfo[]> {
  const path = `/api/workflows?workspace=${encodeURIComponent(workspace)}`;
  return parseWorkflowList(await requestJson('GET', path, opts)).items;
}

/** POST /api/workflow-runs -> 201 the run, started (its script was checked first). */
export async function startWorkflow(req: NewWorkflowRun, opts: FetchOptions = {}): Promise<WorkflowRun> {
  const body: NewWorkflowRun = { chat_id: req.chat_id, name: req.name };
  if (req.args !== undefined) body.args = req.args;
  if (req.cache !== undefined) body.cache = req.cache;
  return parseWorkflowRun(await requestJson('POST', '/api/workflow-runs', { ...opts, body }));
}

/** GET /api/workflow-runs/:id -> the run with its steps and log. */
export async function getWorkflowRun(id: string, opts: FetchOptions = {}): Promise<WorkflowRun> {
  return parseWorkflowRun(await requestJson('GET', runPath(id), opts));
}

/** POST /api/workflow-runs/:id/cancel -> whether it was still running. */
export async function cancelWorkflowRun(id: string, opts: FetchOptions = {}): Promise<boolean> {
  return parseCancelled(await requestJson('POST', `${runPath(id)}/cancel`, opts));
}

/** POST /api/workflow-runs/:id/steps/:step/cancel -> how many tasks stopped (its agent() gives null). */
export async function cancelWorkflowStep(id: string, step: string, opts: FetchOptions = {}): Promise<number> {
  return parseStopped(await requestJson('POST', `${runPath(id)}/steps/${encodeURIComponent(step)}/cancel`, opts));
}
