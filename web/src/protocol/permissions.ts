// Permissions and approvals (docs/api.md, "Permissions and approvals"; docs/protocol.md, the
// approval_* frames): a chat's allow rules, a tool call waiting for a user's decision (the
// `approval_request` frame, a full snapshot's turn, GET /api/chats/:id/approvals) and the
// answer to it (the `approval_resolved` frame, POST /api/chats/:id/approvals/:id).

import {
  ProtocolError,
  argumentsText,
  isObject,
  optionalText,
  readState,
  requireInt,
  requireString,
  requireText,
  type ChatFrameBase,
  type JsonObject,
  type Newer,
} from './fields';
import { DECISIONS, type Decision } from './states';

/**
 * Lets calls run without asking: a command whose argv starts with `argv_prefix`, or a write
 * (write_file, edit_file) to a path matching `path_glob` (`*` also crosses folders).
 */
export type AllowRule = { argv_prefix: string[] } | { path_glob: string };

/** A tool call that waits for a user's decision. */
export interface ApprovalRequest {
  turn: number;
  /** Unique in its chat; a resumed turn asks again with the same id. */
  id: string;
  call_id: string;
  /** write_file, edit_file or run_command. */
  tool: string;
  /** The call's arguments, JSON text. */
  arguments: string;
  /** Why it waits, in words. */
  reason: string;
  /** A background subagent's request, shown in its chat: answer it on this task's id. */
  task_id?: string;
}

export interface ApprovalRequestFrame extends ChatFrameBase, ApprovalRequest {
  type: 'approval_request';
}

/** Someone (in any browser, through any node) answered an approval: the turn goes on. */
export interface ApprovalResolvedFrame extends ChatFrameBase {
  type: 'approval_resolved';
  id: string;
  decision: Decision | Newer;
  /** "" when none was given. */
  note: string;
  /** Who answered. */
  user: string;
  /** A background subagent's approval: its task. */
  task_id?: string;
}

/** POST /api/chats/:id/approvals/:id answered: the decision as stored. */
export interface ApprovalAnswer {
  id: string;
  decision: Decision | Newer;
  note: string;
  user: string;
}

function readDecision(data: JsonObject, what: string): Decision | Newer {
  return readState(data, 'decision', what, DECISIONS, 'decision');
}

/** An approval request's fields (a frame's, a snapshot's, a listed one). */
export function parseApproval(data: unknown, what: string): ApprovalRequest {
  if (!isObject(data)) throw new ProtocolError(`${what}: must be a JSON object`);
  const request: ApprovalRequest = {
    turn: requireInt(data, 'turn', what),
    id: requireString(data, 'id', what),
    call_id: requireString(data, 'call_id', what),
    tool: requireString(data, 'tool', what),
    arguments: argumentsText(data, what),
    reason: requireText(data, 'reason', what),
  };
  const task = optionalText(data, 'task_id', what);
  if (task) request.task_id = task;
  return request;
}

/** The approval_* frames' fields past chat_id and seq. */
export function parseApprovalFrame(
  type: 'approval_request' | 'approval_resolved',
  base: ChatFrameBase,
  data: JsonObject,
): ApprovalRequestFrame | ApprovalResolvedFrame {
  if (type === 'approval_request') return { type, ...base, ...parseApproval(data, type) };
  const frame: ApprovalResolvedFrame = { type, ...base, ...parseAnswerFields(data, type) };
  const task = optionalText(data, 'task_id', type);
  if (task) frame.task_id = task;
  return frame;
}

function parseAnswerFields(data: JsonObject, what: string): ApprovalAnswer {
  return {
    id: requireString(data, 'id', what),
    decision: readDecision(data, what),
    note: requireText(data, 'note', what),
    user: requireText(data, 'user', what),
  };
}

/** Validates GET /api/chats/:id/approvals: {"items": [...]}, the approvals no one answered yet. */
export function parseApprovalList(data: unknown): ApprovalRequest[] {
  if (!isObject(data) || !Array.isArray(data.items)) {
    throw new ProtocolError('approvals: body must be {"items": [...]}');
  }
  return data.items.map((item, i) => parseApproval(item, `approvals.items[${i}]`));
}

/** Validates the answer of POST /api/chats/:id/approvals/:id. */
export function parseApprovalAnswer(data: unknown): ApprovalAnswer {
  if (!isObject(data)) throw new ProtocolError('approval answer: body must be a JSON object');
  return parseAnswerFields(data, 'approval answer');
}

function parseRule(data: unknown, what: string): AllowRule {
  if (isObject(data)) {
    const prefix = data.argv_prefix;
    if (Array.isArray(prefix) && prefix.length > 0 && prefix.every((a) => typeof a === 'string')) {
      return { argv_prefix: prefix as string[] };
    }
    if (typeof data.path_glob === 'string' && data.path_glob !== '') return { path_glob: data.path_glob };
  }
  throw new ProtocolError(`${what}: must be {"argv_prefix": [...]} or {"path_glob": "..."}`);
}

/** A chat's `allow_rules`. */
export function parseAllowRules(obj: JsonObject, what: string): AllowRule[] {
  const value = obj.allow_rules;
  if (!Array.isArray(value)) throw new ProtocolError(`${what}: field "allow_rules" must be an array`);
  return value.map((r, i) => parseRule(r, `${what}.allow_rules[${i}]`));
}

/** A rule in words: `npm test …` or `src/*`. */
export function describeRule(rule: AllowRule): string {
  return 'argv_prefix' in rule ? `${rule.argv_prefix.join(' ')} …` : rule.path_glob;
}
