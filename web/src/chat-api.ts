// REST calls for chats (docs/api.md, "Chats"). Each throws an ApiError whose `code` and
// `message` are the node's own (`{"error": {"code", "message"}}`), or a ProtocolError when a
// 2xx body has the wrong shape; `errorInfo(err)` turns either into {code, message}.

import { requestJson, type FetchOptions } from './http';
import { parseApprovalAnswer, parseApprovalList, type AllowRule, type ApprovalAnswer, type ApprovalRequest } from './protocol/permissions';
import {
  parseAttachment,
  parseChat,
  parseChatList,
  parseChatWithMessages,
  parseRestartResult,
  parseSendResult,
  parseTimeline,
  type Attachment,
  type Chat,
  type ChatWithMessages,
  type TimelineTurn,
} from './protocol/rest';
import type { Decision, PermissionMode } from './protocol/states';
import { parseStopped, parseTaskList, type TaskList } from './protocol/tasks';

export interface NewChat {
  workspace: string;
  title?: string;
  build_command?: string[];
  /** Left out: the node's default. */
  permission_mode?: PermissionMode;
  network?: boolean;
}

/** What PATCH /api/chats/:id changes (the fields given). */
export interface ChatPatch {
  title?: string;
  permission_mode?: PermissionMode;
  allow_rules?: AllowRule[];
  network?: boolean;
}

function chatPath(id: string): string {
  return `/api/chats/${encodeURIComponent(id)}`;
}

/** POST /api/chats -> 201 chat. */
export async function createChat(req: NewChat, opts: FetchOptions = {}): Promise<Chat> {
  const body: NewChat = { workspace: req.workspace };
  if (req.title !== undefined && req.title !== '') body.title = req.title;
  if (req.build_command !== undefined) body.build_command = req.build_command;
  if (req.permission_mode !== undefined) body.permission_mode = req.permission_mode;
  if (req.network !== undefined) body.network = req.network;
  return parseChat(await requestJson('POST', '/api/chats', { ...opts, body }));
}

/** GET /api/chats -> the chats that are not archived, newest first. */
export async function listChats(opts: FetchOptions = {}): Promise<Chat[]> {
  return parseChatList(await requestJson('GET', '/api/chats', opts));
}

/** GET /api/chats/:id -> the chat with its messages. */
export async function getChat(id: string, opts: FetchOptions = {}): Promise<ChatWithMessages> {
  return parseChatWithMessages(await requestJson('GET', chatPath(id), opts));
}

/** DELETE /api/chats/:id -> the archived chat. */
export async function archiveChat(id: string, opts: FetchOptions = {}): Promise<Chat> {
  return parseChat(await requestJson('DELETE', chatPath(id), opts));
}

/** What POST /api/chats/:id/messages takes. */
export interface OutgoingMessage {
  /** May be empty when `attachments` are given. */
  text: string;
  /** The same id for every send of one message: the node stores it once. */
  client_id?: string;
  /** Ids of the chat's uploads (uploadAttachment), at most 10, each once. */
  attachments?: string[];
}

/**
 * POST /api/chats/:id/messages -> 202 {message_id}, once the message is stored. Errors besides
 * the usual: unknown_attachment (an id is not one of the chat's uploads, or it expired),
 * too_many_attachments.
 */
export async function sendMessage(id: string, message: OutgoingMessage, opts: FetchOptions = {}): Promise<{ message_id: number }> {
  const body: OutgoingMessage = { text: message.text };
  if (message.client_id !== undefined) body.client_id = message.client_id;
  if (message.attachments && message.attachments.length > 0) body.attachments = message.attachments;
  return parseSendResult(await requestJson('POST', `${chatPath(id)}/messages`, { ...opts, body }));
}

/**
 * POST /api/chats/:id/attachments (multipart, field "file") -> 201 the stored image. The node
 * judges the type by the bytes. Errors (the node's code and message): payload_too_large (413),
 * unsupported_media_type (415: not PNG, JPEG, WebP or GIF), invalid_image (400: it does not
 * decode, or has too many pixels), not_found.
 */
export async function uploadAttachment(chatId: string, file: Blob, name: string, opts: FetchOptions = {}): Promise<Attachment> {
  const body = new FormData();
  body.append('file', file, name);
  return parseAttachment(await requestJson('POST', `${chatPath(chatId)}/attachments`, { ...opts, body }));
}

/** Where the page loads an attachment: the original, or its thumbnail (a WebP fitting 320 px). */
export function attachmentUrl(id: string, view: 'original' | 'thumbnail' = 'original'): string {
  const path = `/api/attachments/${encodeURIComponent(id)}`;
  return view === 'thumbnail' ? `${path}/thumbnail` : path;
}

/** POST /api/chats/:id/restart -> {restarted}: starts a session stopped after repeated crashes. */
export async function restartChat(id: string, opts: FetchOptions = {}): Promise<{ restarted: boolean }> {
  return parseRestartResult(await requestJson('POST', `${chatPath(id)}/restart`, opts));
}

/** GET /api/chats/:id/timeline -> the chat's turns, in order. */
export async function getTimeline(id: string, opts: FetchOptions = {}): Promise<TimelineTurn[]> {
  return parseTimeline(await requestJson('GET', `${chatPath(id)}/timeline`, opts));
}

/** POST /api/chats/:id/fork {"turn": N} -> 201 a new chat holding turns 1..N of this one (N must have finished). */
export async function forkChat(id: string, turn: number, opts: FetchOptions = {}): Promise<Chat> {
  return parseChat(await requestJson('POST', `${chatPath(id)}/fork`, { ...opts, body: { turn } }));
}

/** PATCH /api/chats/:id -> the chat record with the changes. */
export async function updateChat(id: string, patch: ChatPatch, opts: FetchOptions = {}): Promise<Chat> {
  return parseChat(await requestJson('PATCH', chatPath(id), { ...opts, body: patch }));
}

/** GET /api/chats/:id/tasks -> the chat's background tasks, oldest first, and their totals. */
export async function listTasks(id: string, opts: FetchOptions = {}): Promise<TaskList> {
  return parseTaskList(await requestJson('GET', `${chatPath(id)}/tasks`, opts));
}

/**
 * POST /api/chats/:id/tasks/:task/stop, or /tasks/stop for every task of the chat (`taskId`
 * null) -> how many were stopped (a task and the tasks it started).
 */
export async function stopTasks(id: string, taskId: string | null, opts: FetchOptions = {}): Promise<number> {
  const path = taskId ? `${chatPath(id)}/tasks/${encodeURIComponent(taskId)}/stop` : `${chatPath(id)}/tasks/stop`;
  return parseStopped(await requestJson('POST', path, opts));
}

/** GET /api/chats/:id/approvals -> the tool calls waiting for a decision. */
export async function listApprovals(id: string, opts: FetchOptions = {}): Promise<ApprovalRequest[]> {
  return parseApprovalList(await requestJson('GET', `${chatPath(id)}/approvals`, opts));
}

/**
 * POST /api/chats/:id/approvals/:approvalId -> the decision as stored. Errors: not_found (no
 * such approval waits), already_answered, invalid_argument.
 */
export async function answerApproval(
  id: string,
  approvalId: string,
  decision: Decision,
  note?: string,
  opts: FetchOptions = {},
): Promise<ApprovalAnswer> {
  const body: { decision: Decision; note?: string } = { decision };
  if (note !== undefined && note.trim() !== '') body.note = note;
  const path = `${chatPath(id)}/approvals/${encodeURIComponent(approvalId)}`;
  return parseApprovalAnswer(await requestJson('POST', path, { ...opts, body }));
}
