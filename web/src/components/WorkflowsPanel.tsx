// The Workflows panel: the workflows the chat's workspace can run (name, description, where it
// comes from; a script that does not check shows why), a form to start one with args, the
// chat's runs (newest first), and the selected run's live tree (WorkflowRunView).
import { useState, type FormEvent } from 'react';
import type { ErrorInfo } from '../http';
import { taskEnded, type Task } from '../protocol/tasks';
import type { WorkflowInfo } from '../protocol/workflows';
import type { Workflows } from '../useWorkflows';
import { argNames, commandArgs } from '../workflows';
import { SidePanelError, SidePanelHead } from './SidePanel';
import { WorkflowRunView } from './WorkflowRunView';

export function WorkflowsPanel({ workflows, runs }: { workflows: Workflows; runs: Task[] }) {
  const [actionError, setActionError] = useState<ErrorInfo | null>(null);
  const act = async (run: () => Promise<ErrorInfo | null>) => setActionError(await run());
  const newestFirst = [...runs].reverse();
  const { run } = workflows;

  return (
    <aside className="trace-panel tasks-panel" id="workflows-panel" data-testid="workflows-panel" aria-label="Workflows">
      <SidePanelHead
        title="Workflows"
        loading={workflows.catalog === null && workflows.catalogError === null}
        loadingTestId="workflows-loading"
        closeLabel="Close the workflows"
        onClose={() => workflows.setOpen(false)}
      />
      {workflows.catalogError && (
        <SidePanelError testId="workflows-error" what="Could not list the workflows" error={workflows.catalogError} onAction={workflows.reloadCatalog} />
      )}
      {actionError && (
        <SidePanelError testId="workflows-action-error" what="Could not do that" error={actionError} action="Dismiss" onAction={() => setActionError(null)} />
      )}
      <div className="tasks-list">
        {workflows.catalog && (
          <details className="workflow-catalog" open={runs.length === 0} data-testid="workflow-catalog">
            <summary>Run a workflow ({workflows.catalog.length})</summary>
            <ul className="workflow-items">
              {workflows.catalog.map((w) => (
                <CatalogItem key={w.name} info={w} onStart={(args) => workflows.start(w.name, args)} />
              ))}
            </ul>
          </details>
        )}
        {newestFirst.length > 0 && (
          <div className="workflow-runs" data-testid="workflow-runs">
            <h4 className="workflow-phase-title">Runs</h4>
            {newestFirst.map((r) => (
              <button
                type="button"
                key={r.id}
                className={`workflow-run-row${r.id === workflows.selected ? ' active' : ''}`}
                data-testid="workflow-run-row"
                data-run-id={r.id}
                data-state={r.state}
                aria-pressed={r.id === workflows.selected}
                onClick={() => workflows.select(r.id === workflows.selected ? null : r.id)}
              >
                <span>{r.description}</span>
                <span className={`badge task-state state-${r.state}`}>{taskEnded(r) ? r.state : 'running'}</span>
              </button>
            ))}
          </div>
        )}
        {workflows.runError && (
          <SidePanelError testId="workflow-run-load-error" what="Could not read the run" error={workflows.runError} onAction={() => workflows.select(null)} action="Close" />
        )}
        {run && (
          <WorkflowRunView
            run={run}
            onCancelRun={() => void act(() => workflows.cancelRun(run.id))}
            onCancelStep={(step) => void act(() => workflows.cancelStep(run.id, step))}
            onOpenRun={workflows.select}
          />
        )}
      </div>
    </aside>
  );
}

/** A workflow of the catalog; choosing it opens its args and Start. */
function CatalogItem({ info, onStart }: { info: WorkflowInfo; onStart: (args: unknown) => Promise<ErrorInfo | null> }) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const names = argNames(info);
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const args = commandArgs(text, info);
    if (!args.ok) {
      setError(args.error);
      return;
    }
    setError(null);
    setBusy(true);
    const failed = await onStart(args.args);
    setBusy(false);
    if (failed) {
      setError(failed.message); // e.g. args that do not match meta.args: fix them and start again
      return;
    }
    setOpen(false);
    setText('');
  };
  return (
    <li className="workflow-item" data-testid="workflow-item" data-name={info.name} data-origin={info.origin}>
      <button type="button" className="workflow-item-head" onClick={() => setOpen(!open)} disabled={info.problem !== null} aria-expanded={open}>
        <span className="workflow-name mono">/{info.name}</span>
        <span className="badge muted-badge">{info.origin}</span>
      </button>
      <div className="task-meta">{info.description}</div>
      {info.problem && (
        <div className="task-result task-error" data-testid="workflow-problem">
          {info.problem}
        </div>
      )}
      {open && (
        <form className="workflow-start" onSubmit={submit}>
          <label className="task-meta">
            Args{names.length > 0 ? `: ${names.join(', ')}` : ''} (text, key=value words or JSON)
            <textarea
              data-testid="workflow-args"
              rows={2}
              value={text}
              onChange={(e) => setText(e.target.value)}
              placeholder={names.length > 0 ? `${names[0]}=…` : 'optional'}
            />
          </label>
          {error && (
            <div className="task-result task-error" role="alert" data-testid="workflow-args-error">
              {error}
            </div>
          )}
          <button type="submit" className="btn btn-primary" data-testid="workflow-start" disabled={busy}>
            {busy ? 'Starting…' : 'Start'}
          </button>
        </form>
      )}
    </li>
  );
}
