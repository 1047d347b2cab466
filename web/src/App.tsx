import { useCallback, useEffect, useState } from 'react';
import { fetchHealth, type Health } from './api';
import { useNodeSocket } from './useNodeSocket';

type HealthState =
  | { kind: 'loading' }
  | { kind: 'ok'; health: Health }
  | { kind: 'error'; message: string };

function useHealth(): [HealthState, () => void] {
  const [state, setState] = useState<HealthState>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const ctrl = new AbortController();
    setState({ kind: 'loading' });
    fetchHealth({ signal: ctrl.signal }).then(
      (health) => setState({ kind: 'ok', health }),
      (err: unknown) => {
        if (ctrl.signal.aborted) return;
        setState({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => ctrl.abort();
  }, [attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return [state, retry];
}

export function App() {
  const [health, retryHealth] = useHealth();
  const ws = useNodeSocket();

  const status =
    health.kind === 'ok' ? health.health.status : health.kind === 'loading' ? 'loading' : 'error';
  const statusClass =
    health.kind === 'ok' && health.health.status === 'ok' ? 'good' : health.kind === 'loading' ? 'pending' : 'bad';
  const wsClass = ws.status === 'connected' ? 'good' : ws.status === 'connecting' ? 'pending' : 'bad';

  return (
    <main className="page">
      <header className="header">
        <h1>BooCode</h1>
        <span className="subtitle">AI coding agents, supervised</span>
      </header>

      <section className="card" aria-labelledby="node-title">
        <h2 id="node-title">Node</h2>

        {health.kind === 'error' && (
          <div className="error" role="alert" data-testid="health-error">
            <span>Health check failed: {health.message}</span>
            <button type="button" onClick={retryHealth}>
              Retry
            </button>
          </div>
        )}

        <dl className="facts">
          <dt>Health</dt>
          <dd>
            <span className={`badge ${statusClass}`} data-testid="health-status">
              {status}
            </span>
          </dd>

          <dt>Node ID</dt>
          <dd className="mono" data-testid="node-id">
            {health.kind === 'ok' ? health.health.node_id : '—'}
          </dd>

          <dt>Version</dt>
          <dd className="mono" data-testid="node-version">
            {health.kind === 'ok' ? health.health.version : '—'}
          </dd>

          <dt>WebSocket</dt>
          <dd>
            <span className={`badge ${wsClass}`} data-testid="ws-status">
              {ws.status}
            </span>
            {ws.status !== 'connected' && ws.detail && (
              <span className="detail" data-testid="ws-detail">
                {ws.detail}
              </span>
            )}
          </dd>
        </dl>
      </section>
    </main>
  );
}
