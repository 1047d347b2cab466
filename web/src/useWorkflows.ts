// The open chat's workflows: the catalog of its workspace (GET /api/workflows, for the panel and
// the composer's `/name` completion), the run the Workflows panel shows (GET
// /api/workflow-runs/:id, then its `workflow_update` frames: the page subscribes to the run's id
// on every (re)connect), and starting and cancelling runs and steps.

import type { CacheMode } from './protocol/states';
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { errorInfo, type ErrorInfo } from './http';
import type { NodeSocket } from './useNodeSocket';
import type { ServerFrame } from './protocol/frames';
import type { WorkflowInfo, WorkflowRun } from './protocol/workflows';
import { taskEnded } from './protocol/tasks';
import { cancelWorkflowRun, cancelWorkflowStep, getWorkflowRun, listWorkflows, startWorkflow } from './workflow-api';

export interface Workflows {
  open: boolean;
  setOpen: (open: boolean) => void;
  /** The workspace's workflows; null until loaded. */
  catalog: WorkflowInfo[] | null;
  catalogError: ErrorInfo | null;
  reloadCatalog: () => void;
  /** The run the panel shows, and why it could not be read. */
  selected: string | null;
  select: (runId: string | null) => void;
  run: WorkflowRun | null;
  runError: ErrorInfo | null;
  /** Feed every frame of the page's socket here. */
  onFrame: (frame: ServerFrame) => void;
  /** Starts `name` for the chat and shows its run in the panel. */
  start: (name: string, args: unknown, cache?: CacheMode) => Promise<ErrorInfo | null>;
  cancelRun: (runId: string) => Promise<ErrorInfo | null>;
  cancelStep: (runId: string, stepId: string) => Promise<ErrorInfo | null>;
}

/** Runs `f`, giving its error as an ErrorInfo (null when it succeeded). */
async function attempt(f: () => Promise<unknown>): Promise<ErrorInfo | null> {
  try {
    await f();
    return null;
  } catch (err) {
    return errorInfo(err);
  }
}

/** How far a view of a run has come: a read that raced a frame may be older. */
function progress(run: WorkflowRun): number {
  const ended = run.steps.filter(taskEnded).length;
  return (taskEnded(run) ? 1e9 : 0) + run.steps.length * 1e4 + ended * 10 + run.logs.length;
}

/** A newer view of the run replaces the one shown, never an older one. */
function newer(shown: WorkflowRun | null, next: WorkflowRun): WorkflowRun {
  if (shown && shown.id === next.id && progress(next) < progress(shown)) return shown;
  return next;
}

export function useWorkflows(chatId: string | null, workspace: string | null, socket: NodeSocket): Workflows {
  const [open, setOpen] = useState(false);
  const [catalog, setCatalog] = useState<WorkflowInfo[] | null>(null);
  const [catalogError, setCatalogError] = useState<ErrorInfo | null>(null);
  const [catalogVersion, reloadCatalog] = useReducer((n: number) => n + 1, 0);
  const [selected, setSelected] = useState<string | null>(null);
  const [run, setRun] = useState<WorkflowRun | null>(null);
  const [runError, setRunError] = useState<ErrorInfo | null>(null);
  const selectedRef = useRef(selected);
  selectedRef.current = selected;

  // A task's page (its id is not a chat's) has no workflows of its own.
  const isChat = chatId !== null && chatId.startsWith('c_');
  useEffect(() => {
    setCatalog(null);
    setCatalogError(null);
    if (!isChat || !workspace) return;
    const ctrl = new AbortController();
    listWorkflows(workspace, { signal: ctrl.signal }).then(setCatalog, (err: unknown) => {
      if (!ctrl.signal.aborted) setCatalogError(errorInfo(err));
    });
    return () => ctrl.abort();
  }, [isChat, workspace, catalogVersion]);

  useEffect(() => {
    setSelected(null);
  }, [chatId]);

  // The selected run: read once, then kept current by its frames (subscribed on every connection).
  useEffect(() => {
    setRun(null);
    setRunError(null);
    if (!selected) return;
    const ctrl = new AbortController();
    getWorkflowRun(selected, { signal: ctrl.signal }).then(
      (r) => setRun((shown) => newer(shown, r)),
      (err: unknown) => {
        if (!ctrl.signal.aborted) setRunError(errorInfo(err));
      },
    );
    return () => ctrl.abort();
  }, [selected]);
  const { send, connection } = socket;
  useEffect(() => {
    if (!selected || connection === 0) return;
    send({ type: 'subscribe', chat_id: selected });
    return () => {
      send({ type: 'unsubscribe', chat_id: selected });
    };
  }, [selected, send, connection]);

  const onFrame = useCallback((frame: ServerFrame) => {
    if (frame.type === 'workflow_update' && frame.run.id === selectedRef.current) setRun((shown) => newer(shown, frame.run));
  }, []);

  const start = useCallback(
    async (name: string, args: unknown, cache?: CacheMode) => {
      if (!chatId) return null;
      return attempt(async () => {
        const r = await startWorkflow({ chat_id: chatId, name, args, ...(cache ? { cache } : {}) });
        setSelected(r.id);
        setRun(r);
        setOpen(true);
      });
    },
    [chatId],
  );
  const cancelRun = useCallback((runId: string) => attempt(() => cancelWorkflowRun(runId)), []);
  const cancelStep = useCallback((runId: string, stepId: string) => attempt(() => cancelWorkflowStep(runId, stepId)), []);

  return {
    open,
    setOpen,
    catalog,
    catalogError,
    reloadCatalog,
    selected,
    select: setSelected,
    run: run && run.id === selected ? run : null,
    runError,
    onFrame,
    start,
    cancelRun,
    cancelStep,
  };
}
