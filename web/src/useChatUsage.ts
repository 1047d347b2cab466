// The open chat's usage for its header: GET /api/chats/:id/usage when the chat opens, and again
// (debounced) after a frame that changes it (./chatUsage: a turn's end, a subagent's end, a full
// snapshot), never per token. A failed request keeps what the header showed: the figures are
// informative, and the next turn's end asks again.

import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { USAGE_REFRESH_DEBOUNCE_MS, usageChanged } from './chatUsage';
import type { ServerFrame } from './protocol/frames';
import type { UsageSummary } from './protocol/usage';
import { fetchUsageSummary } from './usage-api';

export interface ChatUsage {
  /** The open chat's summary; null before the first answer (and for no chat). */
  summary: UsageSummary | null;
  /** Feed every frame of the page's socket here. */
  onFrame: (frame: ServerFrame) => void;
}

export function useChatUsage(chatId: string | null): ChatUsage {
  const [data, setData] = useState<UsageSummary | null>(null);
  const [version, refresh] = useReducer((n: number) => n + 1, 0);
  const chatIdRef = useRef(chatId);
  chatIdRef.current = chatId;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    if (!chatId) return;
    const ctrl = new AbortController();
    fetchUsageSummary(chatId, { signal: ctrl.signal }).then(
      (summary) => setData(summary),
      () => {}, // aborted, or failed: keep what is shown
    );
    // A newer request (or another chat) makes this one moot.
    return () => ctrl.abort();
  }, [chatId, version]);

  // A refresh scheduled for the previous chat must not fire for this one.
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
      timer.current = null;
    },
    [chatId],
  );

  const onFrame = useCallback((frame: ServerFrame) => {
    if (!usageChanged(frame, chatIdRef.current)) return;
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = null;
      refresh();
    }, USAGE_REFRESH_DEBOUNCE_MS);
  }, []);

  return { summary: data?.chat_id === chatId ? data : null, onFrame };
}
