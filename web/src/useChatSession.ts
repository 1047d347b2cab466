// Wires the open chat to the node: loads its metadata (and a first look at its messages),
// subscribes on every (re)connect (with the last seq applied and the snapshot's epoch, so a
// reconnect continues where it was when the node can), routes frames into the reducer,
// subscribes again for a full snapshot after a seq gap, and sends messages (over the
// WebSocket, with POST /api/chats/:id/messages as the fallback; the client_id makes a
// message that is sent twice be stored once, and its attachment ids go with every send),
// cancels the turn, and answers its approvals (over the WebSocket, with
// POST /api/chats/:id/approvals/:id when it is not connected).

import { useCallback, useEffect, useReducer, useRef } from 'react';
import { errorInfo, type ErrorInfo } from './http';
import { isChatFrame, type ServerFrame } from './protocol/frames';
import { answerApproval as postAnswer, getChat, restartChat, sendMessage } from './chat-api';
import { approvalAnswerFrame } from './approvalState';
import type { Decision } from './protocol/states';
import {
  chatReducer,
  initialChatState,
  resendFrames,
  subscribeFrame,
  userMessageFrame,
  type ChatAction,
  type ChatState,
  type PendingMessage,
} from './chatState';
import { MAX_ATTACHMENTS } from './attachments';
import type { Attachment } from './protocol/rest';
import { newClientId, utf8Length } from './format';
import type { NodeSocket } from './useNodeSocket';

/** The node's limit for a message's text (docs/api.md). */
export const MAX_MESSAGE_BYTES = 100_000;
/** Without an ack by then, a message sent over the WebSocket is posted over HTTP too. */
const ACK_TIMEOUT_MS = 8_000;

export interface ChatSession {
  state: ChatState;
  dispatch: (action: ChatAction) => void;
  /** Feed every frame of the page's socket here. */
  onFrame: (frame: ServerFrame) => void;
  /** Sends a message with its uploaded images; returns an error when it cannot even be tried. */
  send: (text: string, attachments?: Attachment[]) => ErrorInfo | null;
  retry: (clientId: string) => void;
  /** Asks the node to cancel the running turn; false when not connected. */
  cancel: () => boolean;
  /** Answers an approval of the turn (`note` goes with a denial); its card follows the answer. */
  answerApproval: (id: string, decision: Decision, note?: string) => void;
  /** Loads the chat again from the API. */
  reload: () => void;
  /** POST /api/chats/:id/restart for a failed session; resolves to the error, if any. */
  restart: () => Promise<ErrorInfo | null>;
}

export function useChatSession(chatId: string | null, socket: NodeSocket): ChatSession {
  const [state, dispatch] = useReducer(chatReducer, chatId ?? '', initialChatState);
  const stateRef = useRef(state);
  stateRef.current = state;
  const chatIdRef = useRef(chatId);
  chatIdRef.current = chatId;
  const socketRef = useRef(socket);
  socketRef.current = socket;
  const [loadCount, bumpLoad] = useReducer((n: number) => n + 1, 0);
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  // Open the chat and load its history.
  useEffect(() => {
    if (!chatId) return;
    dispatch({ type: 'open', chatId });
    dispatch({ type: 'load_start' });
    const ctrl = new AbortController();
    getChat(chatId, { signal: ctrl.signal }).then(
      (chat) => dispatch({ type: 'loaded', chat }),
      (err: unknown) => {
        if (!ctrl.signal.aborted) dispatch({ type: 'load_failed', error: errorInfo(err) });
      },
    );
    return () => ctrl.abort();
  }, [chatId, loadCount]);

  // Subscribe on every connection; unsubscribe from the chat we leave.
  const subscribed = useRef<{ chatId: string | null; connection: number } | null>(null);
  useEffect(() => {
    if (socket.status !== 'connected') return;
    const prev = subscribed.current;
    if (prev?.chatId && prev.connection === socket.connection && prev.chatId !== chatId) {
      socket.send({ type: 'unsubscribe', chat_id: prev.chatId });
    }
    if (chatId && (prev?.chatId !== chatId || prev.connection !== socket.connection)) {
      if (prev && prev.connection !== socket.connection) dispatch({ type: 'reconnected' });
      const current = stateRef.current.chatId === chatId ? stateRef.current : initialChatState(chatId);
      socket.send(subscribeFrame(current));
      if (current.gap) dispatch({ type: 'resubscribe' });
      // Messages that may have been lost with the old connection: the same client_id again.
      for (const frame of resendFrames(current)) socket.send(frame);
    }
    subscribed.current = { chatId, connection: socket.connection };
  }, [chatId, socket.status, socket.connection, socket.send]);

  // A seq gap: frames were missed. Subscribing again without after_seq brings a full snapshot.
  useEffect(() => {
    if (!state.gap || !chatId || state.chatId !== chatId || socket.status !== 'connected') return;
    if (socket.send(subscribeFrame(state))) dispatch({ type: 'resubscribe' });
    // Only a new gap sends again: a new connection subscribes (in full, after a gap) above.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state.gap, state.chatId, chatId]);

  useEffect(() => {
    const all = timers.current;
    return () => {
      for (const t of all.values()) clearTimeout(t);
      all.clear();
    };
  }, []);

  /** An approval was answered "Always allow": the chat's rules change. */
  const rulesChanged = useRef(false);
  const onFrame = useCallback((frame: ServerFrame) => {
    const id = chatIdRef.current;
    if (!id || frame.type === 'hello' || frame.type === 'pong') return;
    // A newer node's frame that is no chat frame: nothing of the chat's.
    if (frame.type === 'unknown' && !isChatFrame(frame)) return;
    if (frame.type === 'workflow_update') return; // a workflow run's, not the chat's
    if (frame.type === 'error' && frame.chat_id === undefined) {
      // A client frame was refused without naming a chat: it was ours, about the open chat.
      dispatch({ type: 'frame', frame: { ...frame, chat_id: id } });
      return;
    }
    dispatch({ type: 'frame', frame });
    if (frame.chat_id !== id) return;
    // "Always allow" adds a rule to the chat, but the turn stores it after the approval_resolved
    // (as it goes on with the call): load the chat again once the call has a result.
    if (frame.type === 'approval_resolved' && frame.decision === 'allow_always') rulesChanged.current = true;
    if ((frame.type === 'tool_result' || frame.type === 'turn_end') && rulesChanged.current) {
      rulesChanged.current = false;
      bumpLoad();
    }
  }, []);

  const postMessage = useCallback((id: string, p: PendingMessage) => {
    const clientId = p.client_id;
    sendMessage(id, { text: p.text, client_id: clientId, attachments: p.attachments.map((a) => a.id) }).then(
      (r) => dispatch({ type: 'sent', client_id: clientId, message_id: r.message_id }),
      (err: unknown) => dispatch({ type: 'send_failed', client_id: clientId, error: errorInfo(err) }),
    );
  }, []);

  const deliver = useCallback(
    (id: string, p: PendingMessage) => {
      const clientId = p.client_id;
      if (socketRef.current.send(userMessageFrame(id, p))) {
        const timer = setTimeout(() => {
          timers.current.delete(clientId);
          const now = stateRef.current.pending.find((x) => x.client_id === clientId);
          if (stateRef.current.chatId === id && now?.state === 'sending') postMessage(id, now);
        }, ACK_TIMEOUT_MS);
        timers.current.set(clientId, timer);
      } else {
        postMessage(id, p);
      }
    },
    [postMessage],
  );

  const send = useCallback(
    (text: string, attachments: Attachment[] = []): ErrorInfo | null => {
      const id = chatIdRef.current;
      if (!id) return { code: 'no_chat', message: 'No chat is open.' };
      if (text.trim() === '' && attachments.length === 0) return { code: 'empty', message: 'Type a message first.' };
      if (attachments.length > MAX_ATTACHMENTS) {
        return { code: 'too_many_attachments', message: `A message carries at most ${MAX_ATTACHMENTS} images.` };
      }
      const size = utf8Length(text);
      if (size > MAX_MESSAGE_BYTES) {
        return {
          code: 'too_large',
          message: `The message is ${size.toLocaleString('en-US')} bytes; the limit is ${MAX_MESSAGE_BYTES.toLocaleString('en-US')}.`,
        };
      }
      const pending: PendingMessage = { client_id: newClientId(), text, attachments, state: 'sending' };
      dispatch({ type: 'send', client_id: pending.client_id, text, attachments });
      deliver(id, pending);
      return null;
    },
    [deliver],
  );

  const retry = useCallback(
    (clientId: string) => {
      const id = chatIdRef.current;
      const p = stateRef.current.pending.find((x) => x.client_id === clientId);
      if (!id || !p) return;
      dispatch({ type: 'resend', client_id: clientId });
      deliver(id, p);
    },
    [deliver],
  );

  const cancel = useCallback((): boolean => {
    const id = chatIdRef.current;
    if (!id) return false;
    return socketRef.current.send({ type: 'cancel', chat_id: id });
  }, []);

  const answerApproval = useCallback((approvalId: string, decision: Decision, note?: string) => {
    const id = chatIdRef.current;
    if (!id) return;
    dispatch({ type: 'answer_approval', id: approvalId, decision });
    // The approval_resolved frame (to every subscriber) removes the card; a refusal is an error frame.
    if (socketRef.current.send(approvalAnswerFrame(id, approvalId, decision, note))) return;
    postAnswer(id, approvalId, decision, note).catch((err: unknown) => {
      if (chatIdRef.current === id) dispatch({ type: 'answer_failed', id: approvalId, error: errorInfo(err) });
    });
  }, []);

  const reload = useCallback(() => bumpLoad(), []);

  const restart = useCallback(async (): Promise<ErrorInfo | null> => {
    const id = chatIdRef.current;
    if (!id) return { code: 'no_chat', message: 'No chat is open.' };
    try {
      await restartChat(id);
      // The session runs again: its subscribers get a full snapshot.
      if (chatIdRef.current === id) dispatch({ type: 'restarted' });
      return null;
    } catch (err) {
      return errorInfo(err);
    }
  }, []);

  return { state, dispatch, onFrame, send, retry, cancel, answerApproval, reload, restart };
}
