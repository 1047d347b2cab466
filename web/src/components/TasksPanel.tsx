// The Tasks pane: the chat's background subagents, live. Each shows its state, how long it ran,
// its tokens and cost, the start of its result (or its error), the approvals it waits on, a Stop
// button while it has not ended, and a link to its own transcript and traces.
import { useState } from 'react';
import type { ErrorInfo } from '../http';
import { formatCost, formatCount, formatDuration } from '../format';
import type { ApprovalRequest } from '../protocol/permissions';
import { taskEnded, type Task } from '../protocol/tasks';
import type { Decision } from '../protocol/states';
import { chatHref, useLinkClick } from '../router';
import { liveTasks, resultPreview, taskElapsedMs, taskTotals } from '../tasks';
import type { Tasks } from '../useTasks';
import { SidePanelError, SidePanelHead, useNow } from './SidePanel';

/** How often a running task's elapsed time advances. */
const TICK_MS = 1000;

export function TasksPanel({
  tasks,
  onOpenRun,
}: {
  tasks: Tasks;
  /** Shows a workflow run (a task "w_…") in the Workflows panel. */
  onOpenRun: (runId: string) => void;
}) {
  const list = tasks.state?.tasks ?? null;
  const live = liveTasks(list);
  const nowMs = useNow(live.some((t) => t.state === 'running'), TICK_MS);
  const totals = taskTotals(list);
  const [actionError, setActionError] = useState<ErrorInfo | null>(null);
  const act = async (run: () => Promise<ErrorInfo | null>) => setActionError(await run());

  return (
    <aside className="trace-panel tasks-panel" id="tasks-panel" data-testid="tasks-panel" aria-label="Tasks">
      <SidePanelHead
        title="Tasks"
        loading={tasks.loading}
        loadingTestId="tasks-loading"
        closeLabel="Close the tasks"
        onClose={() => tasks.setOpen(false)}
      >
        {list && (
          <span className="trace-count" data-testid="tasks-count" data-count={list.length}>
            {live.length > 0 ? `${live.length} of ${list.length} running` : `${list.length} tasks`}
          </span>
        )}
        {live.length > 0 && (
          <button type="button" className="btn btn-quiet btn-danger" data-testid="tasks-stop-all" onClick={() => act(() => tasks.stop(null))}>
            Stop all
          </button>
        )}
      </SidePanelHead>
      {tasks.error && <SidePanelError testId="tasks-error" what="Could not load the tasks" error={tasks.error} onAction={tasks.refresh} />}
      {actionError && (
        <SidePanelError testId="tasks-action-error" what="Could not do that" error={actionError} action="Dismiss" onAction={() => setActionError(null)} />
      )}
      {list && list.length === 0 && (
        <div className="hint tasks-empty">No background tasks yet: the model starts them with spawn_subagent.</div>
      )}
      {list && list.length > 0 && (
        <div className="tasks-totals" data-testid="tasks-totals" title="What this chat's subagents used, on top of the chat itself">
          Subagents: in {formatCount(totals.input)} · cached {formatCount(totals.cached)} · out {formatCount(totals.output)}
          {formatCost(totals.cost_usd)}
        </div>
      )}
      <ul className="tasks-list">
        {list?.map((t) => (
          <TaskRow
            key={t.id}
            task={t}
            nowMs={nowMs}
            approvals={tasks.state?.approvals[t.id] ?? []}
            onStop={() => act(() => tasks.stop(t.id))}
            onOpenRun={onOpenRun}
            onAnswer={(id, decision) => act(() => tasks.answer(t.id, id, decision))}
          />
        ))}
      </ul>
    </aside>
  );
}

function TaskRow({
  task: t,
  nowMs,
  approvals,
  onStop,
  onOpenRun,
  onAnswer,
}: {
  task: Task;
  nowMs: number;
  approvals: ApprovalRequest[];
  onStop: () => void;
  onOpenRun: (runId: string) => void;
  onAnswer: (approvalId: string, decision: Decision) => void;
}) {
  const onLinkClick = useLinkClick();
  const elapsed = taskElapsedMs(t, nowMs);
  const preview = resultPreview(t);
  return (
    <li className={`task-row task-${t.state}`} data-testid="task" data-task-id={t.id} data-state={t.state}>
      <div className="task-head">
        <span className="task-desc">{t.description}</span>
        <span className={`badge task-state state-${t.state}`} data-testid="task-state">
          {t.state}
        </span>
      </div>
      <div className="task-meta" data-testid="task-meta">
        {elapsed !== null ? formatDuration(elapsed) : 'waiting for a slot'} · in {formatCount(t.usage.input)} · out{' '}
        {formatCount(t.usage.output)}
        {formatCost(t.cost_usd)}
      </div>
      {preview && (
        <div className={`task-result${t.error ? ' task-error' : ''}`} data-testid="task-result">
          {preview}
        </div>
      )}
      {t.branch && <div className="task-branch">changes on {t.branch}</div>}
      {approvals.map((a) => (
        <div key={a.id} className="task-approval" role="group" aria-label={`Task approval: ${a.tool}`} data-testid="task-approval">
          <span>
            waits to run <code>{a.tool}</code>: {a.reason}
          </span>
          <button type="button" className="btn btn-quiet" onClick={() => onAnswer(a.id, 'allow')}>
            Allow
          </button>
          <button type="button" className="btn btn-quiet btn-danger" onClick={() => onAnswer(a.id, 'deny')}>
            Deny
          </button>
        </div>
      ))}
      <div className="task-actions">
        {t.id.startsWith('w_') ? (
          // A workflow run: its steps and their transcripts are in the Workflows panel.
          <button type="button" className="link-btn" data-testid="task-open-run" onClick={() => onOpenRun(t.id)}>
            Steps and log
          </button>
        ) : (
          <a href={chatHref(t.id)} onClick={onLinkClick} data-testid="task-open">
            Transcript and traces
          </a>
        )}
        {!taskEnded(t) && (
          <button type="button" className="btn btn-quiet btn-danger" data-testid="task-stop" onClick={onStop}>
            Stop
          </button>
        )}
      </div>
    </li>
  );
}
