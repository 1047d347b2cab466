// The open chat's traces: folds every frame of the page's socket into the trace store (so the
// panel is current when it opens), and, while the panel is open, loads pages of
// GET /api/chats/:id/traces: the first when it opens (or the chat changes), the next when the
// list asks for more, and the tail again after frames may have been missed. One request at a
// time; a failed one waits for retry().

import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { errorInfo } from './http';
import { isChatFrame, type ServerFrame } from './protocol/frames';
import { fetchTraces } from './trace-api';
import { initialTraceStore, nextRequest, traceReducer, type TraceStore } from './traces';

/** Items per request: a few screens of rows, well under the node's limit of 500. */
export const TRACE_PAGE_SIZE = 200;

export interface Traces {
  store: TraceStore;
  open: boolean;
  setOpen: (open: boolean) => void;
  /** Feed every frame of the page's socket here. */
  onFrame: (frame: ServerFrame) => void;
  /** The list is near its end: load the next page, if there is one and none is loading. */
  loadMore: () => void;
  /** Repeats the request that failed. */
  retry: () => void;
}

export function useTraces(chatId: string | null): Traces {
  const [store, dispatch] = useReducer(traceReducer, chatId ?? '', initialTraceStore);
  const [open, setOpen] = useState(false);
  const chatIdRef = useRef(chatId);
  chatIdRef.current = chatId;
  const storeRef = useRef(store);
  storeRef.current = store;
  const inflight = useRef<AbortController | null>(null);

  // Every change of chat (also to none) starts afresh: a request aborted here never answers,
  // so the store it belonged to must not be kept.
  useEffect(() => {
    dispatch({ type: 'open', chatId: chatId ?? '' });
    return () => {
      inflight.current?.abort();
      inflight.current = null;
    };
  }, [chatId]);

  const request = useCallback((id: string, cursor: string | null) => {
    if (inflight.current) return;
    const ctrl = new AbortController();
    inflight.current = ctrl;
    dispatch({ type: 'page_start', chatId: id, cursor });
    fetchTraces(id, { limit: TRACE_PAGE_SIZE, cursor }, { signal: ctrl.signal }).then(
      (page) => {
        if (inflight.current === ctrl) inflight.current = null;
        dispatch({ type: 'page_loaded', chatId: id, cursor, page });
      },
      (err: unknown) => {
        if (inflight.current === ctrl) inflight.current = null;
        if (!ctrl.signal.aborted) dispatch({ type: 'page_failed', chatId: id, cursor, error: errorInfo(err) });
      },
    );
  }, []);

  // The first page when the panel opens (or the chat changes), and the tail after a gap.
  useEffect(() => {
    if (!open || !chatId || store.chatId !== chatId) return;
    const next = nextRequest(store, false);
    if (next) request(chatId, next.cursor);
  }, [open, chatId, store, request]);

  const loadMore = useCallback(() => {
    const id = chatIdRef.current;
    const s = storeRef.current;
    if (!id || s.chatId !== id) return;
    const next = nextRequest(s, true);
    if (next) request(id, next.cursor);
  }, [request]);

  const retry = useCallback(() => {
    const id = chatIdRef.current;
    const s = storeRef.current;
    if (id && s.chatId === id && s.load === 'error') request(id, s.requestCursor);
  }, [request]);

  const onFrame = useCallback((frame: ServerFrame) => {
    if (!chatIdRef.current || frame.type === 'hello' || frame.type === 'pong' || frame.type === 'session_failed') return;
    if (frame.type === 'unknown' && !isChatFrame(frame)) return; // a newer node's connection frame
    if (frame.type === 'workflow_update') return; // a workflow run's, not the chat's
    dispatch({ type: 'frame', frame, atUs: Date.now() * 1000 });
  }, []);

  return { store, open, setOpen, onFrame, loadMore, retry };
}
