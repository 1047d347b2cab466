// The chat view's state: a pure reducer that folds the chat's live frames (/ws) and its
// metadata (GET /api/chats/:id) into what the page shows, plus `buildTranscript`, which turns
// that state into the list of items to render.
//
// Ordering rules (docs/protocol.md): `subscribe` is answered by a `snapshot`. A full one is the
// chat as it is at its seq: it replaces the messages, the turn in progress and its running tool
// calls. A resumed one (the subscribe carried the last seq applied and the snapshot's epoch)
// keeps what we have: the frames we missed follow it. Every other chat frame carries `seq`,
// growing by one per frame within the chat. A frame with seq <= the last one applied is a
// duplicate and ignored; a frame that skips numbers reveals a gap: it is applied, and `gap` is
// set so the page subscribes again for a full snapshot. The turn's approvals and this page's
// answers to them are kept by ./approvalState's functions.

import {
  answerFailed,
  answerSent,
  applyApprovalRequest,
  applyApprovalResolved,
  approvalsOfSnapshot,
  clearApprovals,
  forgetAnswersInFlight,
  refuseAnswer,
  type ApprovalAnswerState,
} from './approvalState';
import type { ErrorInfo } from './http';
import type { AckFrame, ChatFrame, ClientFrame, ErrorFrame, SessionFailedFrame, SnapshotFrame, ToolCallPayload, TurnStartFrame } from './protocol/frames';
import type { ApprovalRequest } from './protocol/permissions';
import type { Attachment, Chat, ChatWithMessages, Message, StoredToolCall, Usage } from './protocol/rest';
import { SESSION_FAILURES, type Decision, type SessionFailureReason, type ToolOutcome, type TurnOutcome } from './protocol/states';

export interface PendingMessage {
  client_id: string;
  text: string;
  /** The uploaded images it carries (their ids go with every send of it); empty when none. */
  attachments: Attachment[];
  /** sending: not stored yet; sent: stored (ack or 202), its `message` not seen yet. */
  state: 'sending' | 'sent' | 'failed';
  message_id?: number;
  error?: ErrorInfo;
}

export interface ToolCallState {
  call_id: string;
  name: string;
  /** JSON text as the model sent it. */
  arguments: string;
  turn: number | null;
  state: 'running' | 'done';
  outcome?: ToolOutcome;
  output?: string;
  exit_code?: number | null;
  duration_ms?: number;
}

export interface TurnInfo {
  turn: number;
  state: 'running' | TurnOutcome;
  usage?: Usage;
  error?: ErrorInfo;
  /** Text that streamed but was never stored as a message (e.g. a cancelled answer). */
  partialText?: string;
  partialReasoning?: string;
  /** The turn continued after a node restart (turn_start with resumed: true). */
  resumed?: boolean;
}

export interface ChatError extends ErrorInfo {
  key: number;
  turn?: number;
}

/**
 * The chat's session does not run (`session_failed`, or the status GET /api/chats/:id gave):
 * it crashed repeatedly (`failed`), an operator stopped it (`stopped`), or no node can serve it
 * now (`unavailable`). Messages wait meanwhile.
 */
export interface SessionFailure {
  reason: SessionFailureReason;
  /** How often it crashed; null when only GET /api/chats/:id said so. */
  crashes: number | null;
  error: string;
}

export interface ChatState {
  chatId: string;
  chat: Chat | null;
  load: 'loading' | 'loaded' | 'error';
  loadError: ErrorInfo | null;
  /** Stored messages, unique by id, in `compareMessages` order. */
  messages: Message[];
  /** Optimistic user messages, by client_id, until their stored message is seen. */
  pending: PendingMessage[];
  /** The last chat frame seq applied (or the last snapshot's); null before the first. */
  lastSeq: number | null;
  /** The epoch of the last snapshot; null before the first. */
  epoch: number | null;
  /** Frames were missed (a seq gap): subscribe again, without after_seq, for a full snapshot. */
  gap: boolean;
  /** A turn is running (from the snapshot, turn_start, turn_end). */
  running: boolean;
  /** The turn being streamed, and its text not yet stored as a message. */
  liveTurn: number | null;
  liveText: string;
  liveReasoning: string;
  /** Tool calls seen live (tool_call / tool_result frames, the snapshot's running ones), by call_id. */
  toolCalls: Record<string, ToolCallState>;
  /** Turns seen live, by number. */
  turns: Record<number, TurnInfo>;
  /** The chat's token totals over finished turns (from the snapshot, plus each turn_end). */
  usage: Usage | null;
  /** Set while the chat's session does not run (crashed, stopped, unavailable). */
  sessionFailed: SessionFailure | null;
  /** The turn's tool calls that wait for a user's decision, in the order they came (./approvalState). */
  approvals: ApprovalRequest[];
  /** The answers this page sent, by approval id, until the approval resolves. */
  answers: Record<string, ApprovalAnswerState>;
  /** Errors shown inline (error frames, failed sends). */
  errors: ChatError[];
  nextKey: number;
}

export type ChatAction =
  | { type: 'open'; chatId: string }
  | { type: 'load_start' }
  | { type: 'loaded'; chat: ChatWithMessages }
  | { type: 'load_failed'; error: ErrorInfo }
  /** The page subscribed again (without after_seq) after a gap: clears `gap`. */
  | { type: 'resubscribe' }
  | { type: 'frame'; frame: ChatFrame | ErrorFrame | SessionFailedFrame }
  | { type: 'send'; client_id: string; text: string; attachments?: Attachment[] }
  | { type: 'resend'; client_id: string }
  | { type: 'sent'; client_id: string; message_id: number }
  | { type: 'send_failed'; client_id: string; error: ErrorInfo }
  | { type: 'discard_pending'; client_id: string }
  | { type: 'chat_updated'; chat: Chat }
  /** POST /api/chats/:id/restart answered: the session runs (a full snapshot follows). */
  | { type: 'restarted' }
  | { type: 'dismiss_error'; key: number }
  /** This page answered an approval (the frame is sent, or the POST under way). */
  | { type: 'answer_approval'; id: string; decision: Decision }
  /** The answer could not be sent, or the node refused it. */
  | { type: 'answer_failed'; id: string; error: ErrorInfo }
  /** A new connection: answers sent over the old one may be lost. */
  | { type: 'reconnected' };

export function initialChatState(chatId: string): ChatState {
  return {
    chatId,
    chat: null,
    load: 'loading',
    loadError: null,
    messages: [],
    pending: [],
    lastSeq: null,
    epoch: null,
    gap: false,
    running: false,
    liveTurn: null,
    liveText: '',
    liveReasoning: '',
    toolCalls: {},
    turns: {},
    usage: null,
    sessionFailed: null,
    approvals: [],
    answers: {},
    errors: [],
    nextKey: 1,
  };
}

/**
 * The order messages are shown in: by turn (waiting messages, turn null, last), then by id. A
 * message sent while turn 3 runs gets an id between turn 3's messages but belongs after them.
 */
export function compareMessages(a: Message, b: Message): number {
  if (a.turn !== b.turn) {
    if (a.turn === null) return 1;
    if (b.turn === null) return -1;
    return a.turn - b.turn;
  }
  return a.id - b.id;
}

/** Inserts or replaces messages by id, keeping `compareMessages` order. */
export function mergeMessages(existing: Message[], incoming: Message[]): Message[] {
  if (incoming.length === 0) return existing;
  const byId = new Map<number, Message>();
  for (const m of existing) byId.set(m.id, m);
  for (const m of incoming) byId.set(m.id, m);
  return [...byId.values()].sort(compareMessages);
}

/** Drops pending messages whose stored message is present. */
function settlePending(pending: PendingMessage[], messages: Message[]): PendingMessage[] {
  if (pending.length === 0) return pending;
  const ids = new Set<number>();
  const clientIds = new Set<string>();
  for (const m of messages) {
    if (m.role !== 'user') continue;
    ids.add(m.id);
    if (m.client_id) clientIds.add(m.client_id);
  }
  const left = pending.filter(
    (p) => !clientIds.has(p.client_id) && !(p.message_id !== undefined && ids.has(p.message_id)),
  );
  return left.length === pending.length ? pending : left;
}

/** What a pending message sends, without its delivery state. */
function sameMessage(p: PendingMessage): Pick<PendingMessage, 'client_id' | 'text' | 'attachments'> {
  return { client_id: p.client_id, text: p.text, attachments: p.attachments };
}

/**
 * The `user_message` frame of a pending message: every send of it (the first, a resend after a
 * reconnect, a retry) carries the same client_id and the same attachment ids, so the node stores
 * it once. `attachments` is left out when there are none (as nodes before attachments read it).
 */
export function userMessageFrame(chatId: string, p: PendingMessage): Extract<ClientFrame, { type: 'user_message' }> {
  const frame: Extract<ClientFrame, { type: 'user_message' }> = { type: 'user_message', chat_id: chatId, text: p.text, client_id: p.client_id };
  if (p.attachments.length > 0) frame.attachments = p.attachments.map((a) => a.id);
  return frame;
}

/** The frames to send again on a new connection: the messages still sending (maybe lost with the old one). */
export function resendFrames(state: ChatState): Extract<ClientFrame, { type: 'user_message' }>[] {
  return state.pending.filter((p) => p.state === 'sending').map((p) => userMessageFrame(state.chatId, p));
}

function pushError(state: ChatState, error: ErrorInfo, turn?: number): ChatState {
  const item: ChatError = { key: state.nextKey, code: error.code, message: error.message };
  if (turn !== undefined) item.turn = turn;
  return { ...state, errors: [...state.errors, item], nextKey: state.nextKey + 1 };
}

/** Error frames without seq answer a client frame; those codes mean a sent message was refused. */
const SEND_REFUSED = new Set(['archived', 'too_large', 'bad_frame', 'not_found', 'unknown_attachment', 'too_many_attachments']);

function applyConnectionError(state: ChatState, frame: ErrorFrame): ChatState {
  // A refused approval answer is shown on its card.
  const refused = refuseAnswer(state, frame);
  if (refused) return refused;
  let next = pushError(state, { code: frame.code, message: frame.message });
  if (SEND_REFUSED.has(frame.code) && next.pending.some((p) => p.state === 'sending')) {
    next = {
      ...next,
      pending: next.pending.map((p) =>
        p.state === 'sending' ? { ...p, state: 'failed', error: { code: frame.code, message: frame.message } } : p,
      ),
    };
  }
  return next;
}

function addUsage(a: Usage | null, b: Usage): Usage {
  if (!a) return b;
  return {
    prompt: a.prompt + b.prompt,
    cache_hit: a.cache_hit + b.cache_hit,
    cache_miss: a.cache_miss + b.cache_miss,
    cache_write: a.cache_write + b.cache_write,
    completion: a.completion + b.completion,
    reasoning: a.reasoning + b.reasoning,
  };
}

function runningCall(payload: ToolCallPayload): ToolCallState {
  return { call_id: payload.call_id, name: payload.name, arguments: payload.arguments, turn: payload.turn, state: 'running' };
}

/** A full snapshot: the chat as it is at its seq replaces what we had. */
function applySnapshot(state: ChatState, frame: SnapshotFrame & { resumed: false }): ChatState {
  const messages = [...new Map(frame.messages.map((m) => [m.id, m])).values()].sort(compareMessages);
  const turn = frame.turn;
  const toolCalls: Record<string, ToolCallState> = {};
  for (const call of turn?.running_tools ?? []) toolCalls[call.call_id] = runningCall(call);
  // What the snapshot does not say: how the turns we saw live ended (their footers). Turns
  // that were running when we lost track are dropped; the one running now is the snapshot's.
  const turns: Record<number, TurnInfo> = {};
  for (const info of Object.values(state.turns)) {
    if (info.state !== 'running' && info.turn !== turn?.number) turns[info.turn] = info;
  }
  if (turn) {
    const prev = state.turns[turn.number];
    turns[turn.number] = { turn: turn.number, state: 'running', ...(prev?.resumed || turn.resumed ? { resumed: true } : {}) };
  }
  return {
    ...state,
    messages,
    pending: settlePending(state.pending, messages),
    lastSeq: frame.seq,
    epoch: frame.epoch,
    gap: false,
    // The turn in progress says it best: `status` may still read running for a moment after
    // turn_end (until the session has wound the turn down), and a turn_start follows when a
    // turn is about to begin.
    running: turn !== null,
    liveTurn: turn?.number ?? null,
    liveText: turn?.text ?? '',
    liveReasoning: turn?.reasoning ?? '',
    toolCalls,
    turns,
    usage: frame.usage,
    sessionFailed: null,
    ...approvalsOfSnapshot(state, turn?.approvals ?? []),
  };
}

function applyAck(state: ChatState, frame: AckFrame): ChatState {
  const stored = state.messages.some((m) => m.id === frame.message_id && m.role === 'user');
  let changed = false;
  const pending: PendingMessage[] = [];
  for (const p of state.pending) {
    if (p.client_id !== frame.client_id) {
      pending.push(p);
      continue;
    }
    changed = true;
    if (!stored) pending.push({ ...sameMessage(p), state: 'sent', message_id: frame.message_id });
  }
  return changed ? { ...state, pending } : state;
}

function applyMessage(state: ChatState, message: Message): ChatState {
  const messages = mergeMessages(state.messages, [message]);
  let next: ChatState = { ...state, messages, pending: settlePending(state.pending, [message]) };
  if (message.role === 'assistant') {
    // The step that was streaming is now stored: its text lives in the message.
    next = { ...next, liveText: '', liveReasoning: '' };
  } else if (message.role === 'tool' && message.tool_call_id) {
    const call = state.toolCalls[message.tool_call_id];
    if (call && call.state === 'running') {
      next = {
        ...next,
        toolCalls: {
          ...state.toolCalls,
          [call.call_id]: {
            ...call,
            state: 'done',
            outcome: message.outcome ?? call.outcome,
            output: message.content,
            exit_code: message.exit_code ?? null,
            ...(message.duration_ms !== undefined ? { duration_ms: message.duration_ms } : {}),
          },
        },
      };
    }
  }
  return next;
}

function applyTurnStart(state: ChatState, frame: TurnStartFrame): ChatState {
  const info: TurnInfo = { turn: frame.turn, state: 'running' };
  if (frame.resumed || state.turns[frame.turn]?.resumed) info.resumed = true;
  let messages = state.messages;
  if (frame.user_message_ids.length > 0) {
    // The waiting messages this turn answers now belong to it.
    const ids = new Set(frame.user_message_ids);
    messages = messages.map((m) => (ids.has(m.id) && m.turn !== frame.turn ? { ...m, turn: frame.turn } : m)).sort(compareMessages);
  }
  const sameTurn = state.liveTurn === frame.turn;
  return {
    ...clearApprovals(state),
    messages,
    running: true,
    liveTurn: frame.turn,
    // A resumed turn_start may repeat the number we follow: keep what streamed of it.
    liveText: sameTurn ? state.liveText : '',
    liveReasoning: sameTurn ? state.liveReasoning : '',
    turns: { ...state.turns, [frame.turn]: info },
  };
}

/** Keeps the live stream bound to one turn: a delta of another turn starts afresh. */
function liveFor(state: ChatState, turn: number): Pick<ChatState, 'liveTurn' | 'liveText' | 'liveReasoning'> {
  if (state.liveTurn === turn) return state;
  return { liveTurn: turn, liveText: '', liveReasoning: '' };
}

function applyChatFrame(state: ChatState, frame: Exclude<ChatFrame, SnapshotFrame>): ChatState {
  switch (frame.type) {
    case 'ack':
      return applyAck(state, frame);
    case 'message':
      return applyMessage(state, frame.message);
    case 'turn_start':
      return applyTurnStart(state, frame);
    case 'assistant_delta': {
      const live = liveFor(state, frame.turn);
      return { ...state, ...live, running: true, liveText: live.liveText + frame.text };
    }
    case 'reasoning_delta': {
      const live = liveFor(state, frame.turn);
      return { ...state, ...live, running: true, liveReasoning: live.liveReasoning + frame.text };
    }
    case 'tool_call': {
      const prev = state.toolCalls[frame.call_id];
      return {
        ...state,
        running: true,
        toolCalls: {
          ...state.toolCalls,
          [frame.call_id]: {
            ...prev,
            ...runningCall(frame),
            state: prev?.state === 'done' ? 'done' : 'running',
          },
        },
      };
    }
    case 'tool_result': {
      const prev = state.toolCalls[frame.call_id];
      return {
        ...state,
        toolCalls: {
          ...state.toolCalls,
          [frame.call_id]: {
            call_id: frame.call_id,
            name: frame.name,
            arguments: prev?.arguments ?? '',
            turn: frame.turn,
            state: 'done',
            outcome: frame.outcome,
            output: frame.output,
            exit_code: frame.exit_code,
            duration_ms: frame.duration_ms,
          },
        },
      };
    }
    case 'turn_end': {
      const info: TurnInfo = { turn: frame.turn, state: frame.outcome, usage: frame.usage };
      if (frame.error) info.error = frame.error;
      if (state.turns[frame.turn]?.resumed) info.resumed = true;
      if (state.liveTurn === frame.turn) {
        if (state.liveText) info.partialText = state.liveText;
        if (state.liveReasoning) info.partialReasoning = state.liveReasoning;
      }
      return {
        ...clearApprovals(state),
        running: false,
        liveTurn: null,
        liveText: '',
        liveReasoning: '',
        turns: { ...state.turns, [frame.turn]: info },
        usage: addUsage(state.usage, frame.usage),
      };
    }
    case 'tool_trace_start':
    case 'tool_trace_finish':
    case 'model_trace_start':
    case 'model_trace_finish':
      // The trace viewer's (traces.ts); here they only count in the seq.
      return state;
    case 'approval_request': // a subagent's (task_id) is the Tasks pane's
      return frame.task_id ? state : applyApprovalRequest(state, frame);
    case 'approval_resolved':
      return frame.task_id ? state : applyApprovalResolved(state, frame);
    case 'error': {
      const turn = state.running && state.liveTurn !== null ? state.liveTurn : undefined;
      return pushError(state, { code: frame.code, message: frame.message }, turn);
    }
    case 'task_update': // the Tasks pane's (tasks.ts); here it only counts in the seq
    case 'unknown':
      // A newer node's frame: it counts in the seq (applied above) and shows nothing here.
      return state;
  }
}

function applyFrame(state: ChatState, frame: ChatFrame | ErrorFrame | SessionFailedFrame): ChatState {
  if (frame.chat_id !== undefined && frame.chat_id !== state.chatId) return state;
  if (frame.type === 'session_failed') {
    // No turn runs while the session is stopped; its messages wait for the restart.
    return {
      ...state,
      running: false,
      sessionFailed: { reason: frame.reason, crashes: frame.crashes, error: frame.error },
    };
  }
  if (frame.type === 'error' && (frame.seq === undefined || frame.chat_id === undefined)) {
    return frame.chat_id === state.chatId ? applyConnectionError(state, frame) : state;
  }
  const chatFrame = frame as ChatFrame;

  if (chatFrame.type === 'snapshot') {
    // It consumes no seq: the frames that follow have seq + 1, seq + 2, ...
    if (!chatFrame.resumed) return applySnapshot(state, chatFrame);
    return { ...state, lastSeq: chatFrame.seq, epoch: chatFrame.epoch };
  }

  let gap = state.gap;
  if (state.lastSeq !== null) {
    if (chatFrame.seq <= state.lastSeq) return state; // duplicate
    if (chatFrame.seq > state.lastSeq + 1) gap = true;
  }
  return applyChatFrame({ ...state, lastSeq: chatFrame.seq, gap }, chatFrame);
}

/**
 * The `subscribe` frame for the chat: with the last seq applied and the snapshot's epoch when
 * we have both and missed nothing (the node then resumes from there if it can), else without
 * (a full snapshot).
 */
export function subscribeFrame(state: ChatState): Extract<ClientFrame, { type: 'subscribe' }> {
  if (state.lastSeq === null || state.epoch === null || state.gap) return { type: 'subscribe', chat_id: state.chatId };
  return { type: 'subscribe', chat_id: state.chatId, after_seq: state.lastSeq, epoch: state.epoch };
}

/** Why the session does not run, when the chat's status says it does not (named alike). */
function failureOf(status: string): SessionFailureReason | undefined {
  return (SESSION_FAILURES as readonly string[]).includes(status) ? (status as SessionFailureReason) : undefined;
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'open':
      return action.chatId === state.chatId ? state : initialChatState(action.chatId);
    case 'load_start':
      return { ...state, load: state.load === 'loaded' ? 'loaded' : 'loading', loadError: null };
    case 'loaded': {
      if (action.chat.id !== state.chatId) return state;
      const { messages: loaded, ...chat } = action.chat;
      const next: ChatState = { ...state, chat, load: 'loaded', loadError: null };
      const reason = failureOf(chat.status);
      if (reason && !state.sessionFailed) next.sessionFailed = { reason, crashes: null, error: '' };
      // Once a snapshot came, it (and the frames after it) know better than this answer,
      // which may have been read before or after it: keep the chat's metadata only.
      if (state.epoch !== null) return next;
      next.messages = mergeMessages(state.messages, loaded);
      next.pending = settlePending(state.pending, next.messages);
      if (state.lastSeq === null) next.running = chat.status === 'running';
      return next;
    }
    case 'load_failed':
      return { ...state, load: state.load === 'loaded' ? 'loaded' : 'error', loadError: action.error };
    case 'resubscribe':
      return state.gap ? { ...state, gap: false } : state;
    case 'frame':
      return applyFrame(state, action.frame);
    case 'send':
      return {
        ...state,
        pending: [
          ...state.pending,
          { client_id: action.client_id, text: action.text, attachments: action.attachments ?? [], state: 'sending' },
        ],
      };
    case 'resend':
      return {
        ...state,
        pending: state.pending.map((p) =>
          p.client_id === action.client_id ? { ...sameMessage(p), state: 'sending' } : p,
        ),
      };
    case 'sent': {
      if (state.messages.some((m) => m.id === action.message_id && m.role === 'user')) {
        return { ...state, pending: state.pending.filter((p) => p.client_id !== action.client_id) };
      }
      return {
        ...state,
        pending: state.pending.map((p) =>
          p.client_id === action.client_id && p.state !== 'sent'
            ? { ...sameMessage(p), state: 'sent', message_id: action.message_id }
            : p,
        ),
      };
    }
    case 'send_failed':
      return {
        ...state,
        pending: state.pending.map((p) =>
          p.client_id === action.client_id && p.state === 'sending' ? { ...p, state: 'failed', error: action.error } : p,
        ),
      };
    case 'discard_pending':
      return { ...state, pending: state.pending.filter((p) => p.client_id !== action.client_id) };
    case 'chat_updated':
      return action.chat.id === state.chatId ? { ...state, chat: action.chat } : state;
    case 'restarted':
      return state.sessionFailed ? { ...state, sessionFailed: null } : state;
    case 'dismiss_error':
      return { ...state, errors: state.errors.filter((e) => e.key !== action.key) };
    case 'answer_approval':
      return answerSent(state, action.id, action.decision);
    case 'answer_failed':
      return answerFailed(state, action.id, action.error);
    case 'reconnected':
      return forgetAnswersInFlight(state);
  }
}

// ---------------------------------------------------------------------------------------
// Transcript: what to render, in order.

export interface ToolCallView {
  call_id: string;
  name: string;
  arguments: string;
  /** running: no result yet; done: it ended; lost: the turn ended without a result. */
  state: 'running' | 'done' | 'lost';
  /** Running, but it waits for a user's decision (an approval of the turn). */
  awaiting?: true;
  outcome?: ToolOutcome;
  output?: string;
  exit_code?: number | null;
  duration_ms?: number;
  /** The image the call opened (`view_image`), from its stored result. */
  attachments?: Attachment[];
}

export type TranscriptItem =
  /** A stored user message (with its id and turn) or a pending one. */
  | {
      kind: 'user';
      key: string;
      text: string;
      /** Its images (a pending message's: the uploads it sends). */
      attachments: Attachment[];
      messageId?: number;
      turn?: number | null;
      pending?: PendingMessage;
      /** A background task's end told to the model (client_id "task:<id>"): that task's id. */
      task?: string;
    }
  | { kind: 'assistant'; key: string; message: Message; toolCalls: ToolCallView[] }
  | { kind: 'tool'; key: string; turn: number | null; call: ToolCallView }
  | { kind: 'turn_end'; key: string; info: TurnInfo }
  | { kind: 'error'; key: string; error: ChatError }
  /** A tool call of the turn in progress waits for a user's decision; `answer`: ours, if we sent one. */
  | { kind: 'approval'; key: string; approval: ApprovalRequest; answer?: ApprovalAnswerState }
  | {
      kind: 'live';
      key: string;
      turn: number | null;
      text: string;
      reasoning: string;
      toolCalls: ToolCallView[];
      /** The turn continues after a node restart. */
      resumed: boolean;
      /** Tool calls of the turn wait for a user's decision. */
      awaiting: boolean;
    };

function viewFromStored(call: StoredToolCall, result: Message | undefined, live: ToolCallState | undefined, ended: boolean): ToolCallView {
  const view: ToolCallView = { call_id: call.id, name: call.name, arguments: call.arguments, state: 'running' };
  if (result) {
    view.state = 'done';
    if (result.outcome) view.outcome = result.outcome;
    view.output = result.content;
    view.exit_code = result.exit_code ?? null;
    if (result.duration_ms !== undefined) view.duration_ms = result.duration_ms;
    if (result.attachments && result.attachments.length > 0) view.attachments = result.attachments;
  } else if (live?.state === 'done') {
    Object.assign(view, viewFromLive(live));
  } else if (ended) {
    view.state = 'lost';
  }
  return view;
}

function viewFromLive(call: ToolCallState): ToolCallView {
  const view: ToolCallView = { call_id: call.call_id, name: call.name, arguments: call.arguments, state: call.state };
  if (call.outcome) view.outcome = call.outcome;
  if (call.output !== undefined) view.output = call.output;
  if (call.exit_code !== undefined) view.exit_code = call.exit_code;
  if (call.duration_ms !== undefined) view.duration_ms = call.duration_ms;
  return view;
}

export function buildTranscript(state: ChatState): TranscriptItem[] {
  const items: TranscriptItem[] = [];
  const results = new Map<string, Message>();
  for (const m of state.messages) {
    if (m.role === 'tool' && m.tool_call_id) results.set(m.tool_call_id, m);
  }
  const claimed = new Set<string>();
  const awaiting = new Set(state.approvals.map((a) => a.call_id));
  /** A running call with an approval waiting is marked so. */
  const mark = (view: ToolCallView): ToolCallView => {
    if (view.state === 'running' && awaiting.has(view.call_id)) view.awaiting = true;
    return view;
  };
  const liveTurnRunning = state.running && state.liveTurn !== null;
  const turnEnded = (turn: number) => {
    const info = state.turns[turn];
    if (info) return info.state !== 'running';
    return !(state.running && (state.liveTurn === null || state.liveTurn === turn));
  };
  /** Tool calls seen live but on no stored assistant message (yet). */
  const unclaimed = (turn: number | null) =>
    Object.values(state.toolCalls).filter(
      (c) => c.turn === turn && !claimed.has(c.call_id) && !results.has(c.call_id),
    );

  // After the last stored message of each turn: its stray tool calls, errors and footer.
  const lastOfTurn = new Map<number, number>();
  state.messages.forEach((m, i) => {
    if (m.turn !== null) lastOfTurn.set(m.turn, i);
  });
  const placedTurns = new Set<number>();
  const placeTurnTail = (turn: number) => {
    if (placedTurns.has(turn)) return;
    placedTurns.add(turn);
    for (const c of unclaimed(turn)) {
      claimed.add(c.call_id);
      const view = mark(viewFromLive(c));
      if (view.state === 'running' && turnEnded(turn)) view.state = 'lost';
      items.push({ kind: 'tool', key: `c${c.call_id}`, turn, call: view });
    }
    const errors = state.errors.filter((e) => e.turn === turn);
    for (const e of errors) items.push({ kind: 'error', key: `e${e.key}`, error: e });
    const info = state.turns[turn];
    if (info && info.state !== 'running') {
      // The same failure often arrives as an error frame and as turn_end's error: show it once.
      const shown = info.error && errors.some((e) => e.message === info.error?.message);
      const { error: _dup, ...rest } = info;
      items.push({ kind: 'turn_end', key: `t${turn}`, info: shown ? rest : info });
    }
  };

  const placeMessage = (m: Message, i: number) => {
    if (m.role === 'user') {
      const task = m.client_id?.startsWith('task:') ? m.client_id.slice('task:'.length) : undefined;
      items.push({
        kind: 'user',
        key: `m${m.id}`,
        text: m.content,
        attachments: m.attachments ?? [],
        messageId: m.id,
        turn: m.turn,
        ...(task ? { task } : {}),
      });
    } else if (m.role === 'assistant') {
      const calls = (m.tool_calls ?? []).map((c) => {
        claimed.add(c.id);
        const ended = m.turn === null ? !state.running : turnEnded(m.turn);
        return mark(viewFromStored(c, results.get(c.id), state.toolCalls[c.id], ended));
      });
      items.push({ kind: 'assistant', key: `m${m.id}`, message: m, toolCalls: calls });
    } else if (m.tool_call_id && !claimed.has(m.tool_call_id)) {
      // A result whose call is on no stored message: show it on its own.
      const live = state.toolCalls[m.tool_call_id];
      claimed.add(m.tool_call_id);
      items.push({
        kind: 'tool',
        key: `m${m.id}`,
        turn: m.turn,
        call: viewFromStored(
          { id: m.tool_call_id, name: m.tool_name ?? live?.name ?? 'tool', arguments: live?.arguments ?? '' },
          m,
          live,
          true,
        ),
      });
    }
    if (m.turn !== null && lastOfTurn.get(m.turn) === i && !(liveTurnRunning && state.liveTurn === m.turn)) {
      placeTurnTail(m.turn);
    }
  };

  // Messages are in turn order, the waiting ones (turn null) last: they come after the turn
  // in progress.
  const firstWaiting = state.messages.findIndex((m) => m.turn === null);
  const waitingFrom = firstWaiting < 0 ? state.messages.length : firstWaiting;
  for (let i = 0; i < waitingFrom; i++) placeMessage(state.messages[i]!, i);

  // The turn in progress: text streamed but not stored yet, tool calls not on a stored message.
  if (state.running || state.liveText || state.liveReasoning) {
    const calls = unclaimed(state.liveTurn);
    for (const c of calls) claimed.add(c.call_id);
    items.push({
      kind: 'live',
      key: 'live',
      turn: state.liveTurn,
      text: state.liveText,
      reasoning: state.liveReasoning,
      toolCalls: calls.map((c) => mark(viewFromLive(c))),
      resumed: state.liveTurn !== null && state.turns[state.liveTurn]?.resumed === true,
      awaiting: state.approvals.length > 0,
    });
  }
  // What waits for a decision, below the turn in progress.
  for (const a of state.approvals) {
    const answer = state.answers[a.id];
    items.push({ kind: 'approval', key: `a${a.id}`, approval: a, ...(answer ? { answer } : {}) });
  }
  if (state.liveTurn !== null) placeTurnTail(state.liveTurn);

  // Turns with nothing stored (e.g. they ended before the history loaded), in order.
  const otherTurns = new Set<number>(Object.values(state.turns).map((t) => t.turn));
  for (const c of Object.values(state.toolCalls)) if (c.turn !== null) otherTurns.add(c.turn);
  for (const turn of [...otherTurns].sort((a, b) => a - b)) placeTurnTail(turn);

  for (let i = waitingFrom; i < state.messages.length; i++) placeMessage(state.messages[i]!, i);
  for (const e of state.errors) {
    if (e.turn === undefined) items.push({ kind: 'error', key: `e${e.key}`, error: e });
  }

  for (const p of state.pending) {
    items.push({ kind: 'user', key: `p${p.client_id}`, text: p.text, attachments: p.attachments, pending: p });
  }
  return items;
}

/** What the header shows: running, or how the last turn ended, or idle. */
export function turnStatus(state: ChatState): 'running' | 'idle' | TurnOutcome {
  if (state.running) return 'running';
  const turns = Object.values(state.turns);
  if (turns.length === 0) return 'idle';
  const last = turns.reduce((a, b) => (b.turn > a.turn ? b : a));
  return last.state === 'running' ? 'idle' : last.state;
}
