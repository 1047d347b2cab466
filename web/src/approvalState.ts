// The open chat's approvals, as chatState.ts's reducer keeps them: the tool calls of the turn in
// progress that wait for a user's decision, and the answers this page sent to them.
//
// A request is shown from its `approval_request` (a resumed turn asks again with the same id:
// it replaces the one we had) or a full snapshot's turn, until an `approval_resolved` says
// someone answered it (in any browser, through any node), or the turn starts or ends. The node
// does not acknowledge an `approval_answer` frame: the `approval_resolved` is the answer, and a
// refusal comes back as an `error` frame without seq that names the chat only.

import type { ErrorInfo } from './http';
import type { ClientFrame, ErrorFrame } from './protocol/frames';
import type { ApprovalRequest, ApprovalRequestFrame, ApprovalResolvedFrame } from './protocol/permissions';
import type { Decision } from './protocol/states';
import type { ChatState } from './chatState';

/** An answer this page sent, until its approval resolves. */
export interface ApprovalAnswerState {
  decision: Decision;
  /** sending: sent, no approval_resolved yet; failed: the node refused it (or it could not be sent). */
  state: 'sending' | 'failed';
  error?: ErrorInfo;
  /** The node refused it for good (no such approval, answered before): it cannot be answered again. */
  final?: boolean;
  /** Orders answers in flight: a refusal is for the oldest. */
  order: number;
}

/** The error codes the node refuses an approval_answer frame with. */
const ANSWER_REFUSED = new Set(['not_found', 'already_answered', 'bad_frame']);
/** Refusals after which the approval cannot be answered: it is gone or answered. */
const ANSWER_FINAL = new Set(['not_found', 'already_answered']);

/** The note goes only with a denial; an empty one is left out. */
export function approvalAnswerFrame(
  chatId: string,
  id: string,
  decision: Decision,
  note?: string,
): Extract<ClientFrame, { type: 'approval_answer' }> {
  const frame: Extract<ClientFrame, { type: 'approval_answer' }> = { type: 'approval_answer', chat_id: chatId, id, decision };
  if (note !== undefined && note.trim() !== '') frame.note = note;
  return frame;
}

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  const { [key]: _gone, ...rest } = record;
  return rest;
}

export function applyApprovalRequest(state: ChatState, frame: ApprovalRequestFrame): ChatState {
  const { type: _t, chat_id: _c, seq: _s, ...request } = frame;
  const at = state.approvals.findIndex((a) => a.id === request.id);
  const approvals = at < 0 ? [...state.approvals, request] : state.approvals.map((a, i) => (i === at ? request : a));
  // Asked again (a resumed turn): an answer we sent before did not reach the turn.
  return { ...state, approvals, answers: without(state.answers, request.id) };
}

export function applyApprovalResolved(state: ChatState, frame: ApprovalResolvedFrame): ChatState {
  return {
    ...state,
    approvals: state.approvals.filter((a) => a.id !== frame.id),
    answers: without(state.answers, frame.id),
  };
}

/** A full snapshot: its turn's approvals replace ours; answers to those gone are dropped. */
export function approvalsOfSnapshot(
  state: ChatState,
  approvals: ApprovalRequest[],
): Pick<ChatState, 'approvals' | 'answers'> {
  const ids = new Set(approvals.map((a) => a.id));
  const answers: Record<string, ApprovalAnswerState> = {};
  for (const [id, answer] of Object.entries(state.answers)) if (ids.has(id)) answers[id] = answer;
  return { approvals, answers };
}

/** The turn started or ended: nothing of it waits any more. */
export function clearApprovals(state: ChatState): ChatState {
  if (state.approvals.length === 0 && Object.keys(state.answers).length === 0) return state;
  return { ...state, approvals: [], answers: {} };
}

export function answerSent(state: ChatState, id: string, decision: Decision): ChatState {
  return { ...state, answers: { ...state.answers, [id]: { decision, state: 'sending', order: state.nextKey } }, nextKey: state.nextKey + 1 };
}

export function answerFailed(state: ChatState, id: string, error: ErrorInfo): ChatState {
  const prev = state.answers[id];
  if (!prev) return state;
  const failed: ApprovalAnswerState = { ...prev, state: 'failed', error };
  if (ANSWER_FINAL.has(error.code)) failed.final = true;
  return { ...state, answers: { ...state.answers, [id]: failed } };
}

/**
 * A new connection: answers sent over the old one may be lost. Their cards can be answered
 * again (a second answer to one that did arrive is refused as already_answered).
 */
export function forgetAnswersInFlight(state: ChatState): ChatState {
  const entries = Object.entries(state.answers);
  if (!entries.some(([, a]) => a.state === 'sending')) return state;
  return { ...state, answers: Object.fromEntries(entries.filter(([, a]) => a.state !== 'sending')) };
}

/**
 * An `error` frame without seq about this chat: when it refuses an approval_answer and one is
 * in flight, it is the oldest one's (the node answers a connection's frames in order). Null
 * when it is about something else.
 */
export function refuseAnswer(state: ChatState, frame: ErrorFrame): ChatState | null {
  if (!ANSWER_REFUSED.has(frame.code)) return null;
  let oldest: [string, ApprovalAnswerState] | undefined;
  for (const entry of Object.entries(state.answers)) {
    if (entry[1].state === 'sending' && (!oldest || entry[1].order < oldest[1].order)) oldest = entry;
  }
  if (!oldest) return null;
  return answerFailed(state, oldest[0], { code: frame.code, message: frame.message });
}
