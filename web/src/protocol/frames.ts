// The /ws frames (docs/protocol.md): the server's first frame is `hello`, then connection frames
// (pong, error, session_failed) and chat frames (carrying chat_id and seq; `subscribe` is
// answered by a `snapshot`). tests/contract/frames/ holds what the node writes for each type.
//
// A frame type this page does not know (a newer node) is kept as an UnknownFrame, noted once
// in the console, and still counts in its chat's seq: it never costs a re-subscribe.

import type { ErrorInfo } from '../http';
import {
  ProtocolError,
  argumentsText,
  isObject,
  noteNewer,
  optionalIntOrNull,
  optionalText,
  readState,
  requireBool,
  requireInt,
  requireNumber,
  requireString,
  requireText,
  type ChatFrameBase,
  type JsonObject,
} from './fields';
import {
  parseApproval,
  parseApprovalFrame,
  type ApprovalRequest,
  type ApprovalRequestFrame,
  type ApprovalResolvedFrame,
} from './permissions';
import { parseMessage, parseUsage, type Message, type Usage } from './rest';
import {
  SERVER_FRAME_TYPES,
  SESSION_FAILURES,
  SESSION_STATUSES,
  TOOL_OUTCOMES,
  TURN_OUTCOMES,
  type Decision,
  type SessionFailureReason,
  type SessionStatus,
  type ToolOutcome,
  type TurnOutcome,
} from './states';
import { parseTaskUpdate, type TaskUpdateFrame } from './tasks';
import { parseWorkflowUpdate, type WorkflowUpdateFrame } from './workflows';
import { parseTraceFrame, type TraceFrame } from './traces';

export interface HelloFrame {
  type: 'hello';
  node_id: string;
  version: string;
}

export interface PongFrame {
  type: 'pong';
}

/**
 * `error`. Without `seq` it is about a client frame (connection level; `chat_id` when the
 * frame named a chat). With `chat_id` and `seq` it is a chat frame: something failed inside
 * a turn.
 */
export interface ErrorFrame {
  type: 'error';
  code: string;
  message: string;
  chat_id?: string;
  seq?: number;
}

/**
 * `session_failed` (connection level, no seq): the chat's session does not run. `reason`: it
 * crashed `crashes` times in a short while (`failed`), an operator stopped it (`stopped`), or
 * no node of the cluster can serve it now (`unavailable`). The first two last until
 * POST /api/chats/:id/restart.
 */
export interface SessionFailedFrame {
  type: 'session_failed';
  chat_id: string;
  reason: SessionFailureReason;
  crashes: number;
  error: string;
}

/** A tool call as `tool_call` frames and a snapshot's `running_tools` carry it. */
export interface ToolCallPayload {
  turn: number;
  call_id: string;
  name: string;
  /** JSON text (an object sent by the node is re-encoded). */
  arguments: string;
}

/** The turn in progress, in a full snapshot. */
export interface SnapshotTurn {
  number: number;
  /** The answer and the reasoning streamed so far (since the last stored assistant message). */
  text: string;
  reasoning: string;
  /** The tool calls still running. */
  running_tools: ToolCallPayload[];
  /** The approval_request payloads no one answered yet (absent when there are none). */
  approvals?: ApprovalRequest[];
  /** The turn continues after a node restart. */
  resumed?: boolean;
}

interface SnapshotBase extends ChatFrameBase {
  type: 'snapshot';
  /** Changes whenever the chat's session restarts: seqs of another epoch are not comparable. */
  epoch: number;
  status: SessionStatus;
}

/**
 * The answer to `subscribe` (it consumes no seq of its own). Full: the chat as it is at `seq`;
 * replace what you had. Resumed (the subscribe's after_seq and epoch matched): `seq` is the
 * after_seq; keep what you had and apply the frames that follow.
 */
export type SnapshotFrame =
  | (SnapshotBase & { resumed: true })
  | (SnapshotBase & {
      resumed: false;
      /** Finished turns, the turn in progress, then waiting user messages (turn null). */
      messages: Message[];
      turn: SnapshotTurn | null;
      /** The chat's totals over finished turns. */
      usage: Usage;
    });

export interface AckFrame extends ChatFrameBase {
  type: 'ack';
  client_id: string;
  message_id: number;
}

export interface MessageFrame extends ChatFrameBase {
  type: 'message';
  message: Message;
}

export interface TurnStartFrame extends ChatFrameBase {
  type: 'turn_start';
  turn: number;
  /** The waiting user messages this turn answers (empty on a resumed turn). */
  user_message_ids: number[];
  /** The turn continues after a node restart. */
  resumed: boolean;
}

export interface DeltaFrame extends ChatFrameBase {
  type: 'assistant_delta' | 'reasoning_delta';
  turn: number;
  text: string;
}

export interface ToolCallFrame extends ChatFrameBase, ToolCallPayload {
  type: 'tool_call';
}

export interface ToolResultFrame extends ChatFrameBase {
  type: 'tool_result';
  turn: number;
  call_id: string;
  name: string;
  outcome: ToolOutcome;
  output: string;
  exit_code: number | null;
  duration_ms: number;
}

export interface TurnEndFrame extends ChatFrameBase {
  type: 'turn_end';
  turn: number;
  outcome: TurnOutcome;
  usage: Usage;
  /** When outcome is error: what went wrong. */
  error?: ErrorInfo;
}

export interface ChatErrorFrame extends ChatFrameBase {
  type: 'error';
  code: string;
  message: string;
}

/**
 * A frame of a type this page does not know (a newer node), kept as it came: `frame_type` is
 * its type, `raw` the whole frame. With chat_id and seq it counts in its chat's seq.
 */
export interface UnknownFrame {
  type: 'unknown';
  frame_type: string;
  chat_id?: string;
  seq?: number;
  raw: JsonObject;
}

/** Frames that carry chat_id and seq. */
export type ChatFrame =
  | SnapshotFrame
  | AckFrame
  | MessageFrame
  | TurnStartFrame
  | DeltaFrame
  | ToolCallFrame
  | ToolResultFrame
  | TurnEndFrame
  | TraceFrame
  | ApprovalRequestFrame
  | ApprovalResolvedFrame
  | TaskUpdateFrame
  | ChatErrorFrame
  | (UnknownFrame & ChatFrameBase);

/** Every frame the server may send over /ws. */
export type ServerFrame =
  | HelloFrame
  | PongFrame
  | ErrorFrame
  | SessionFailedFrame
  | WorkflowUpdateFrame
  | ChatFrame
  | UnknownFrame;

/** Frames the client sends. */
export type ClientFrame =
  | { type: 'ping' }
  /** after_seq and epoch (both or neither): continue from there if the session still can. */
  | { type: 'subscribe'; chat_id: string; after_seq?: number; epoch?: number }
  | { type: 'unsubscribe'; chat_id: string }
  /** `attachments`: ids of the chat's uploads (at most 10, each once); left out when none. */
  | { type: 'user_message'; chat_id: string; text: string; client_id: string; attachments?: string[] }
  | { type: 'cancel'; chat_id: string }
  /** `note`: at most 4000 characters; the model reads it with a denial. */
  | { type: 'approval_answer'; chat_id: string; id: string; decision: Decision; note?: string };

/** True for frames that carry chat_id and seq (an `error` with a seq is one; `session_failed` is not). */
export function isChatFrame(frame: ServerFrame): frame is ChatFrame {
  return 'chat_id' in frame && typeof frame.chat_id === 'string' && 'seq' in frame && typeof frame.seq === 'number';
}

/** `error` of a failed turn: a string or {code, message}. */
function parseTurnError(obj: JsonObject, what: string): ErrorInfo | undefined {
  const value = obj.error;
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return { code: 'error', message: value };
  if (isObject(value)) {
    return {
      code: typeof value.code === 'string' && value.code ? value.code : 'error',
      message: requireText(value, 'message', `${what}.error`),
    };
  }
  throw new ProtocolError(`${what}: field "error" must be a string or {code, message}`);
}

function parseToolCallPayload(data: JsonObject, what: string): ToolCallPayload {
  return {
    turn: requireInt(data, 'turn', what),
    call_id: requireString(data, 'call_id', what),
    name: requireString(data, 'name', what),
    arguments: argumentsText(data, what),
  };
}

/** An array of message ids; absent or null gives []. */
function optionalIds(obj: JsonObject, key: string, what: string): number[] {
  const value = obj[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
    throw new ProtocolError(`${what}: field "${key}" must be an array of message ids`);
  }
  return value as number[];
}

function parseSnapshotTurn(data: JsonObject, what: string): SnapshotTurn | null {
  const value = data.turn;
  if (value === null) return null;
  if (!isObject(value)) throw new ProtocolError(`${what}: field "turn" must be an object or null`);
  const w = `${what}.turn`;
  const number = requireInt(value, 'number', w, 1);
  const tools = value.running_tools ?? [];
  if (!Array.isArray(tools)) throw new ProtocolError(`${w}: field "running_tools" must be an array`);
  const turn: SnapshotTurn = {
    number,
    text: optionalText(value, 'text', w) ?? '',
    reasoning: optionalText(value, 'reasoning', w) ?? '',
    running_tools: tools.map((t, i) => {
      const wi = `${w}.running_tools[${i}]`;
      if (!isObject(t)) throw new ProtocolError(`${wi}: must be an object`);
      // The payload of its tool_call frame; its turn is the snapshot's when absent.
      return parseToolCallPayload({ turn: number, ...t }, wi);
    }),
  };
  const approvals = value.approvals ?? [];
  if (!Array.isArray(approvals)) throw new ProtocolError(`${w}: field "approvals" must be an array`);
  // The payloads of their approval_request frames; a turn the snapshot's when absent.
  if (approvals.length > 0) {
    turn.approvals = approvals.map((a, i) => parseApproval(isObject(a) ? { turn: number, ...a } : a, `${w}.approvals[${i}]`));
  }
  if (value.resumed !== undefined && value.resumed !== null && requireBool(value, 'resumed', w)) turn.resumed = true;
  return turn;
}

function parseSnapshot(base: ChatFrameBase, data: JsonObject): SnapshotFrame {
  const what = 'snapshot';
  const head = {
    type: 'snapshot' as const,
    ...base,
    epoch: requireInt(data, 'epoch', what),
    status: readState(data, 'status', what, SESSION_STATUSES, 'session status'),
  };
  if (requireBool(data, 'resumed', what)) return { ...head, resumed: true };
  if (!Array.isArray(data.messages)) throw new ProtocolError(`${what}: field "messages" must be an array`);
  if (!('turn' in data)) throw new ProtocolError(`${what}: field "turn" is missing`);
  return {
    ...head,
    resumed: false,
    messages: data.messages.map(parseMessage),
    turn: parseSnapshotTurn(data, what),
    usage: parseUsage(data, what),
  };
}

/** `reason` of a session_failed frame; a node that sends none says `crashes` 0 when no node can serve it. */
function parseFailureReason(data: JsonObject, what: string, crashes: number): SessionFailureReason {
  if (data.reason === undefined || data.reason === null) return crashes === 0 ? 'unavailable' : 'failed';
  return readState(data, 'reason', what, SESSION_FAILURES, 'session failure');
}

/** A frame of a type this page does not know: kept as it is. */
function unknownFrame(type: string, data: JsonObject): UnknownFrame {
  noteNewer('frame type', type);
  const frame: UnknownFrame = { type: 'unknown', frame_type: type, raw: data };
  if (typeof data.chat_id === 'string' && data.chat_id !== '') frame.chat_id = data.chat_id;
  if (typeof data.seq === 'number' && Number.isInteger(data.seq) && data.seq >= 0) frame.seq = data.seq;
  return frame;
}

function parseChatFrame(type: string, data: JsonObject): ChatFrame {
  const what = type;
  const base: ChatFrameBase = {
    chat_id: requireString(data, 'chat_id', what),
    seq: requireInt(data, 'seq', what),
  };
  switch (type) {
    case 'snapshot':
      return parseSnapshot(base, data);
    case 'ack':
      return {
        type,
        ...base,
        client_id: requireString(data, 'client_id', what),
        message_id: requireInt(data, 'message_id', what),
      };
    case 'message':
      return { type, ...base, message: parseMessage(data.message) };
    case 'turn_start':
      return {
        type,
        ...base,
        turn: requireInt(data, 'turn', what),
        user_message_ids: optionalIds(data, 'user_message_ids', what),
        resumed: data.resumed === undefined || data.resumed === null ? false : requireBool(data, 'resumed', what),
      };
    case 'assistant_delta':
    case 'reasoning_delta':
      return { type, ...base, turn: requireInt(data, 'turn', what), text: requireText(data, 'text', what) };
    case 'tool_call':
      return { type, ...base, ...parseToolCallPayload(data, what) };
    case 'tool_result':
      return {
        type,
        ...base,
        turn: requireInt(data, 'turn', what),
        call_id: requireString(data, 'call_id', what),
        name: requireString(data, 'name', what),
        outcome: readState(data, 'outcome', what, TOOL_OUTCOMES, 'tool outcome'),
        output: requireText(data, 'output', what),
        exit_code: optionalIntOrNull(data, 'exit_code', what),
        duration_ms: requireNumber(data, 'duration_ms', what),
      };
    case 'turn_end': {
      const frame: TurnEndFrame = {
        type,
        ...base,
        turn: requireInt(data, 'turn', what),
        outcome: readState(data, 'outcome', what, TURN_OUTCOMES, 'turn outcome'),
        usage: parseUsage(data, what),
      };
      const error = parseTurnError(data, what);
      if (error) frame.error = error;
      return frame;
    }
    case 'tool_trace_start':
    case 'tool_trace_finish':
    case 'model_trace_start':
    case 'model_trace_finish':
      return parseTraceFrame(type, base, data);
    case 'approval_request':
    case 'approval_resolved':
      return parseApprovalFrame(type, base, data);
    case 'task_update':
      return parseTaskUpdate(base, data);
    default:
      throw new ProtocolError(`frame: ${JSON.stringify(type)} is not a chat frame`);
  }
}

/** Validates a decoded frame object. */
export function parseFrameObject(data: unknown): ServerFrame {
  if (!isObject(data)) throw new ProtocolError('frame: must be a JSON object');
  const type = data.type;
  if (typeof type !== 'string' || type === '') throw new ProtocolError('frame: missing string "type"');
  const what = type;
  switch (type) {
    case 'hello':
      return {
        type: 'hello',
        node_id: requireString(data, 'node_id', what),
        version: requireString(data, 'version', what),
      };
    case 'pong':
      return { type: 'pong' };
    case 'error': {
      const frame: ErrorFrame = {
        type: 'error',
        code: requireString(data, 'code', what),
        message: requireText(data, 'message', what),
      };
      if (data.chat_id !== undefined && data.chat_id !== null) frame.chat_id = requireString(data, 'chat_id', what);
      if (data.seq !== undefined && data.seq !== null) {
        frame.seq = requireInt(data, 'seq', what);
        if (frame.chat_id === undefined) throw new ProtocolError('error: a frame with "seq" needs "chat_id"');
      }
      return frame;
    }
    case 'session_failed': {
      const crashes = requireInt(data, 'crashes', what);
      return {
        type: 'session_failed',
        chat_id: requireString(data, 'chat_id', what),
        reason: parseFailureReason(data, what, crashes),
        crashes,
        error: requireText(data, 'error', what),
      };
    }
    case 'workflow_update':
      return parseWorkflowUpdate(data);
    default:
      break;
  }
  if (!(SERVER_FRAME_TYPES as readonly string[]).includes(type)) return unknownFrame(type, data);
  return parseChatFrame(type, data);
}

/** Parses one text frame from /ws into a typed ServerFrame, or throws ProtocolError. */
export function parseServerFrame(text: unknown): ServerFrame {
  if (typeof text !== 'string') throw new ProtocolError('frame: expected a text frame');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ProtocolError('frame: not valid JSON');
  }
  return parseFrameObject(data);
}

/** Parses the first frame on /ws, which must be a hello frame. */
export function parseHelloFrame(text: unknown): HelloFrame {
  const frame = parseServerFrame(text);
  if (frame.type === 'hello') return frame;
  throw new ProtocolError('frame: expected a hello frame first');
}

/** The /ws URL for a page at `loc` (ws: for http:, wss: for https:). */
export function wsUrl(loc: { protocol: string; host: string }, path = '/ws'): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}${path}`;
}
