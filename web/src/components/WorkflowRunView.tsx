// One workflow run in the Workflows panel: its state, time, tokens and cost, Cancel while it
// runs, its answer or error, and its tree: the phases the script entered, each with its steps
// (state, duration, tokens, cost, a cached marker, a link to the step's transcript and traces,
// Cancel while it runs) and its log lines.
import { formatCost, formatCount, formatDuration } from '../format';
import { taskEnded } from '../protocol/tasks';
import type { WorkflowRun, WorkflowStep } from '../protocol/workflows';
import { chatHref, useLinkClick } from '../router';
import { resultPreview, taskElapsedMs } from '../tasks';
import { phaseGroups, resultText } from '../workflows';
import { useNow } from './SidePanel';

/** How often a running step's time advances. */
const TICK_MS = 1000;

export function WorkflowRunView({
  run,
  onCancelRun,
  onCancelStep,
  onOpenRun,
}: {
  run: WorkflowRun;
  onCancelRun: () => void;
  onCancelStep: (stepId: string) => void;
  /** Shows a nested run (a step of kind `workflow`) in the panel. */
  onOpenRun: (runId: string) => void;
}) {
  const running = !taskEnded(run);
  const nowMs = useNow(running, TICK_MS);
  const elapsed = taskElapsedMs(run, nowMs);
  const answer = resultText(run.result);
  return (
    <div className={`workflow-run task-${run.state}`} data-testid="workflow-run" data-run-id={run.id} data-state={run.state}>
      <div className="task-head">
        <span className="task-desc">{run.name}</span>
        <span className={`badge task-state state-${run.state}`} data-testid="workflow-run-state">
          {run.state}
        </span>
      </div>
      <div className="task-meta" data-testid="workflow-run-meta">
        {elapsed !== null ? formatDuration(elapsed) : 'waiting for a slot'} · {run.steps.length} steps · in{' '}
        {formatCount(run.usage.input)} · out {formatCount(run.usage.output)}
        {formatCost(run.cost_usd)}
        {run.budget !== null && ` · budget ${formatCount(run.budget)}`}
        {run.cache_hits > 0 && ` · ${run.cache_hits} cached (${formatCount(run.saved_tokens)} tokens saved)`}
        {run.cache !== 'on' && ` · cache ${run.cache}`}
      </div>
      {running && (
        <div className="task-actions">
          <span />
          <button type="button" className="btn btn-quiet btn-danger" data-testid="workflow-run-cancel" onClick={onCancelRun}>
            Cancel run
          </button>
        </div>
      )}
      {run.error && (
        <div className="task-result task-error" data-testid="workflow-run-error">
          {run.error}
        </div>
      )}
      {answer && (
        <pre className="workflow-answer" data-testid="workflow-run-result">
          {answer}
        </pre>
      )}
      {phaseGroups(run).map((g) => (
        <section key={g.title ?? ''} className="workflow-phase" data-testid="workflow-phase" data-title={g.title ?? ''}>
          <h4 className="workflow-phase-title">{g.title ?? 'Start'}</h4>
          <ul className="workflow-steps">
            {g.steps.map((s) => (
              <StepRow key={s.id} step={s} nowMs={nowMs} onCancel={() => onCancelStep(s.id)} onOpenRun={() => onOpenRun(s.id)} />
            ))}
          </ul>
          {g.logs.map((l) => (
            <div key={l.path} className={`workflow-log log-${l.level}`} data-testid="workflow-log" data-level={l.level}>
              {l.level === 'warning' ? `Warning: ${l.text}` : l.text}
            </div>
          ))}
        </section>
      ))}
    </div>
  );
}

function StepRow({
  step: s,
  nowMs,
  onCancel,
  onOpenRun,
}: {
  step: WorkflowStep;
  nowMs: number;
  onCancel: () => void;
  onOpenRun: () => void;
}) {
  const onLinkClick = useLinkClick();
  const elapsed = taskElapsedMs(s, nowMs);
  const note = resultPreview(s);
  return (
    <li
      className={`workflow-step task-${s.state}`}
      data-testid="workflow-step"
      data-step-id={s.id}
      data-state={s.state}
      data-cached={s.cached}
      title={s.path}
    >
      <div className="task-head">
        <span className="workflow-step-label">
          {s.kind === 'workflow' ? 'workflow ' : ''}
          {s.label || s.path}
        </span>
        {s.cached && (
          <span className="badge muted-badge" data-testid="workflow-step-cached" title="Its result came from the step cache: no model call">
            cached{s.cache && s.cache.saved_tokens > 0 ? ` · ${formatCount(s.cache.saved_tokens)} tokens saved` : ''}
          </span>
        )}
        <span className={`badge task-state state-${s.state}`}>{s.state}</span>
      </div>
      <div className="task-meta">
        {elapsed !== null ? formatDuration(elapsed) : 'queued'} · in {formatCount(s.usage.input)} · out {formatCount(s.usage.output)}
        {formatCost(s.cost_usd)}
      </div>
      {s.cache && s.cache.status !== 'hit' && s.cache.reason && (
        <div className="task-meta" data-testid="workflow-step-cache-miss">
          {s.cache.status === 'off' ? '' : 'not cached: '}
          {s.cache.reason}
        </div>
      )}
      {note && <div className={`task-result${s.error ? ' task-error' : ''}`}>{note}</div>}
      <div className="task-actions">
        {s.kind === 'workflow' ? (
          // A nested run: its own tree, in this panel.
          <button type="button" className="link-btn" data-testid="workflow-step-open-run" onClick={onOpenRun}>
            Its steps and log
          </button>
        ) : (
          <a href={chatHref(s.id)} onClick={onLinkClick} data-testid="workflow-step-open">
            Transcript and traces
          </a>
        )}
        {!taskEnded(s) && (
          <button type="button" className="btn btn-quiet btn-danger" data-testid="workflow-step-cancel" onClick={onCancel}>
            Cancel step
          </button>
        )}
      </div>
    </li>
  );
}
