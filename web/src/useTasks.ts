// The open chat's background tasks (src/tasks.ts): loads GET /api/chats/:id/tasks when the chat
// opens, the socket (re)connects or a full snapshot comes, and the approvals of the tasks still
// running (GET /api/chats/<task id>/approvals); task_update and subagents' approval frames keep
// it current in between. Stops tasks (one, or all) and answers their approvals.

import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { answerApproval, listApprovals, listTasks, stopTasks } from './chat-api';
import { errorInfo, type ErrorInfo } from './http';
import type { ServerFrame } from './protocol/frames';
import type { Decision } from './protocol/states';
import { taskEnded } from './protocol/tasks';
import { applyTaskFrame, initialTasks, tasksStale, type TasksState } from './tasks';

export interface Tasks {
  open: boolean;
  setOpen: (open: boolean) => void;
  /** The open chat's tasks; null while none is open. */
  state: TasksState | null;
  loading: boolean;
  error: ErrorInfo | null;
  /** Feed every frame of the page's socket here. */
  onFrame: (frame: ServerFrame) => void;
  refresh: () => void;
  /** Stops one task (and those it started), or every task of the chat (null). */
  stop: (taskId: string | null) => Promise<ErrorInfo | null>;
  /** Answers a subagent's approval on its task. */
  answer: (taskId: string, approvalId: string, decision: Decision) => Promise<ErrorInfo | null>;
}

type Action = { kind: 'reset'; state: TasksState } | { kind: 'frame'; frame: ServerFrame };

function reduce(state: TasksState | null, action: Action): TasksState | null {
  if (action.kind === 'reset') return action.state;
  return state ? applyTaskFrame(state, action.frame) : state;
}

export function useTasks(chatId: string | null, connection: number): Tasks {
  const [open, setOpen] = useState(false);
  const [state, dispatch] = useReducer(reduce, null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [version, refresh] = useReducer((n: number) => n + 1, 0);
  const chatIdRef = useRef(chatId);
  chatIdRef.current = chatId;

  useEffect(() => {
    if (!chatId) {
      dispatch({ kind: 'reset', state: initialTasks('') });
      return;
    }
    const ctrl = new AbortController();
    setLoading(true);
    (async () => {
      const list = await listTasks(chatId, { signal: ctrl.signal });
      const next = { ...initialTasks(chatId), tasks: list.items };
      // What running subagents wait on (a page opened after they asked).
      for (const t of list.items.filter((t) => !taskEnded(t))) {
        const approvals = await listApprovals(t.id, { signal: ctrl.signal });
        if (approvals.length > 0) next.approvals[t.id] = approvals.map((a) => ({ ...a, task_id: t.id }));
      }
      return next;
    })().then(
      (next) => {
        dispatch({ kind: 'reset', state: next });
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (ctrl.signal.aborted) return;
        setError(errorInfo(err));
        setLoading(false);
      },
    );
    return () => ctrl.abort();
  }, [chatId, connection, version]);

  const onFrame = useCallback((frame: ServerFrame) => {
    if (tasksStale(frame, chatIdRef.current)) refresh();
    else dispatch({ kind: 'frame', frame });
  }, []);

  const stop = useCallback(async (taskId: string | null) => {
    const id = chatIdRef.current;
    if (!id) return null;
    try {
      await stopTasks(id, taskId);
      return null;
    } catch (err) {
      return errorInfo(err);
    }
  }, []);

  const answer = useCallback(async (taskId: string, approvalId: string, decision: Decision) => {
    try {
      await answerApproval(taskId, approvalId, decision);
      return null;
    } catch (err) {
      return errorInfo(err);
    }
  }, []);

  const current = state && state.chatId === chatId ? state : null;
  return { open, setOpen, state: current, loading, error, onFrame, refresh, stop, answer };
}
