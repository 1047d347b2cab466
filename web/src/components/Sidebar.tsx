import { useState, type FormEvent } from 'react';
import { errorInfo, type ErrorInfo } from '../http';
import type { Chat, Health } from '../protocol/rest';
import { createChat } from '../chat-api';
import { baseName } from '../format';
import type { PermissionMode } from '../protocol/states';
import { chatHref, useLinkClick } from '../router';
import type { NodeSocketState } from '../useNodeSocket';
import { NewChatPermission } from './PermissionControls';

const LAST_WORKSPACE_KEY = 'boocode.lastWorkspace';

function readLastWorkspace(): string {
  try {
    return window.localStorage.getItem(LAST_WORKSPACE_KEY) ?? '';
  } catch {
    return '';
  }
}

export function NewChatForm({ onCreated }: { onCreated: (chat: Chat) => void }) {
  const [workspace, setWorkspace] = useState(readLastWorkspace);
  const [title, setTitle] = useState('');
  const [mode, setMode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);

  const onSubmit = async (ev: FormEvent) => {
    ev.preventDefault();
    const ws = workspace.trim();
    if (ws === '') {
      setError({ code: 'invalid_argument', message: "Enter the absolute path of the workspace folder." });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const chat = await createChat({
        workspace: ws,
        title: title.trim() || undefined,
        permission_mode: mode === '' ? undefined : (mode as PermissionMode),
      });
      try {
        window.localStorage.setItem(LAST_WORKSPACE_KEY, ws);
      } catch {
        // Private mode: nothing to remember.
      }
      setTitle('');
      onCreated(chat);
    } catch (err) {
      setError(errorInfo(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="new-chat" onSubmit={onSubmit} aria-label="New chat" noValidate>
      <label className="field">
        <span className="field-label">Workspace</span>
        <input
          data-testid="new-chat-workspace"
          className="input mono"
          value={workspace}
          onChange={(e) => setWorkspace(e.target.value)}
          placeholder="/path/to/project"
          spellCheck={false}
          autoComplete="off"
          aria-invalid={error ? true : undefined}
        />
      </label>
      <label className="field">
        <span className="field-label">
          Title <span className="optional">optional</span>
        </span>
        <input
          data-testid="new-chat-title"
          className="input"
          value={title}
          maxLength={200}
          onChange={(e) => setTitle(e.target.value)}
          placeholder="Defaults to the folder name"
        />
      </label>
      <NewChatPermission value={mode} onChange={setMode} />
      {error && (
        <div className="form-error" role="alert" data-testid="new-chat-error" data-code={error.code}>
          {error.message}
        </div>
      )}
      <button type="submit" className="btn btn-primary btn-block" data-testid="new-chat-submit" disabled={busy}>
        {busy ? 'Creating…' : 'New chat'}
      </button>
    </form>
  );
}

export function ChatList({
  chats,
  error,
  activeId,
  activeRunning,
  activePending,
  onRetry,
}: {
  chats: Chat[] | null;
  error: ErrorInfo | null;
  activeId: string | null;
  activeRunning: boolean;
  /** The open chat's approvals waiting, as its frames say; null to take the list's count. */
  activePending: number | null;
  onRetry: () => void;
}) {
  const onClick = useLinkClick();
  return (
    <nav className="chat-list" aria-label="Chats">
      <div className="section-label">Chats</div>
      {error && (
        <div className="form-error" role="alert" data-testid="chat-list-error">
          {error.message}{' '}
          <button type="button" className="link-btn" onClick={onRetry}>
            Retry
          </button>
        </div>
      )}
      {chats === null && !error && <div className="hint small">Loading…</div>}
      {chats?.length === 0 && <div className="hint small">No chats yet.</div>}
      <ul>
        {chats?.map((c) => {
          const active = c.id === activeId;
          const running = active ? activeRunning : c.status === 'running';
          const pending = active && activePending !== null ? activePending : (c.pending_approvals ?? 0);
          return (
            <li key={c.id}>
              <a
                href={chatHref(c.id)}
                onClick={onClick}
                className={`chat-item${active ? ' active' : ''}`}
                data-testid="chat-list-item"
                data-chat-id={c.id}
                aria-current={active ? 'page' : undefined}
                title={c.workspace}
              >
                <span className="chat-item-title">
                  {running && <span className="live-dot" aria-label="running" />}
                  <span className="chat-item-text">{c.title || baseName(c.workspace)}</span>
                  {pending > 0 && <PendingBadge count={pending} />}
                </span>
                <span className="chat-item-workspace mono">{c.workspace}</span>
              </a>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

/** How many tool calls of a chat wait for a decision. */
function PendingBadge({ count }: { count: number }) {
  const label = `${count} ${count === 1 ? 'approval' : 'approvals'} waiting`;
  return (
    <span className="badge pending approvals-badge" role="img" aria-label={label} title={label} data-testid="chat-pending-approvals">
      {count}
    </span>
  );
}

export type HealthState =
  | { kind: 'loading' }
  | { kind: 'ok'; health: Health }
  | { kind: 'error'; message: string };

/** The node's health and the WebSocket status, small, at the bottom of the sidebar. */
export function NodeInfo({
  health,
  ws,
  onRetry,
}: {
  health: HealthState;
  ws: NodeSocketState;
  onRetry: () => void;
}) {
  const status = health.kind === 'ok' ? health.health.status : health.kind === 'loading' ? 'loading' : 'error';
  const statusClass =
    health.kind === 'ok' && health.health.status === 'ok' ? 'good' : health.kind === 'loading' ? 'pending' : 'bad';
  const wsClass = ws.status === 'connected' ? 'good' : ws.status === 'connecting' ? 'pending' : 'bad';
  return (
    <section className="node-info" aria-labelledby="node-title">
      <h2 id="node-title" className="section-label">
        Node
      </h2>
      {health.kind === 'error' && (
        <div className="health-error" role="alert" data-testid="health-error">
          <span>Health check failed: {health.message}</span>
          <button type="button" className="link-btn" onClick={onRetry}>
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
        <dt>WebSocket</dt>
        <dd>
          <span className={`badge ${wsClass}`} data-testid="ws-status">
            {ws.status}
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
      </dl>
      {ws.status !== 'connected' && ws.detail && (
        <div className="detail" data-testid="ws-detail">
          {ws.detail}
        </div>
      )}
    </section>
  );
}
