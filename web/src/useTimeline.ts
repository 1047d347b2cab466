// The open chat's timeline: while the panel is open, loads GET /api/chats/:id/timeline, and
// again whenever a turn starts or ends (or a full snapshot arrives); restores a turn with
// POST /api/chats/:id/fork.

import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { errorInfo, type ErrorInfo } from './http';
import type { ServerFrame } from './protocol/frames';
import type { Chat, TimelineTurn } from './protocol/rest';
import { forkChat, getTimeline } from './chat-api';
import { timelineChanged } from './timeline';

export interface TimelineData {
  chatId: string;
  turns: TimelineTurn[] | null;
  loading: boolean;
  error: ErrorInfo | null;
}

export interface Timeline {
  open: boolean;
  setOpen: (open: boolean) => void;
  /** What the last request for this chat gave; null before the first answer. */
  data: TimelineData | null;
  /** Feed every frame of the page's socket here. */
  onFrame: (frame: ServerFrame) => void;
  /** Loads the timeline again. */
  refresh: () => void;
  /** Forks the chat at `turn`: the new chat, or the error. */
  fork: (turn: number) => Promise<{ chat: Chat } | { error: ErrorInfo }>;
}

export function useTimeline(chatId: string | null): Timeline {
  const [open, setOpen] = useState(false);
  const [data, setData] = useState<TimelineData | null>(null);
  const [version, refresh] = useReducer((n: number) => n + 1, 0);
  const chatIdRef = useRef(chatId);
  chatIdRef.current = chatId;
  const openRef = useRef(open);
  openRef.current = open;

  useEffect(() => {
    if (!open || !chatId) return;
    const ctrl = new AbortController();
    setData((d) =>
      d?.chatId === chatId ? { ...d, loading: true } : { chatId, turns: null, loading: true, error: null },
    );
    getTimeline(chatId, { signal: ctrl.signal }).then(
      (turns) => setData({ chatId, turns, loading: false, error: null }),
      (err: unknown) => {
        if (ctrl.signal.aborted) return;
        setData((d) => ({ chatId, turns: d?.chatId === chatId ? d.turns : null, loading: false, error: errorInfo(err) }));
      },
    );
    // A newer request (or closing the panel) makes this one moot.
    return () => ctrl.abort();
  }, [open, chatId, version]);

  const onFrame = useCallback((frame: ServerFrame) => {
    if (openRef.current && timelineChanged(frame, chatIdRef.current)) refresh();
  }, []);

  const fork = useCallback(async (turn: number): Promise<{ chat: Chat } | { error: ErrorInfo }> => {
    const id = chatIdRef.current;
    if (!id) return { error: { code: 'no_chat', message: 'No chat is open.' } };
    try {
      return { chat: await forkChat(id, turn) };
    } catch (err) {
      return { error: errorInfo(err) };
    }
  }, []);

  return { open, setOpen, data: data?.chatId === chatId ? data : null, onFrame, refresh, fork };
}
