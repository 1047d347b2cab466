// What a chat's tool calls may do without asking: the permission mode chosen for a new chat,
// and in the open chat's header the stored mode, network access and allow rules, changed with
// PATCH /api/chats/:id.
import { useState } from 'react';
import { updateChat, type ChatPatch } from '../chat-api';
import { errorInfo, type ErrorInfo } from '../http';
import { describeRule } from '../protocol/permissions';
import type { Chat } from '../protocol/rest';
import { PERMISSION_MODES } from '../protocol/states';

/** Each mode in words, for its option. */
export const PERMISSION_LABEL: Record<string, string> = {
  ask: 'ask: commands and file changes wait for you',
  'auto-edit': 'auto-edit: file changes run, commands wait',
  allow: 'allow: everything runs',
};

/** The options of a mode selector: the known modes, and a newer node's current one by name. */
function modeOptions(current: string | undefined): string[] {
  const modes: string[] = [...PERMISSION_MODES];
  if (current !== undefined && !modes.includes(current)) modes.push(current);
  return modes;
}

/** The new chat form's mode: empty leaves it to the node's default. */
export function NewChatPermission({ value, onChange }: { value: string; onChange: (mode: string) => void }) {
  return (
    <label className="field">
      <span className="field-label">
        Permissions <span className="optional">optional</span>
      </span>
      <select
        data-testid="new-chat-permission-mode"
        className="input"
        value={value}
        onChange={(e) => onChange(e.target.value)}
      >
        <option value="">the node&apos;s default</option>
        {PERMISSION_MODES.map((m) => (
          <option key={m} value={m}>
            {PERMISSION_LABEL[m]}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * The open chat's permission mode and network access, as the node stores them; a change is
 * PATCHed and the answered record shown. Nothing for a node without permissions.
 */
export function ChatPermissions({ chat, onUpdated }: { chat: Chat; onUpdated: (chat: Chat) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  if (chat.permission_mode === undefined) return null;
  const rules = chat.allow_rules ?? [];

  const patch = async (change: ChatPatch) => {
    setBusy(true);
    setError(null);
    try {
      const updated = await updateChat(chat.id, change);
      // The answer is the stored record; the live status is the page's.
      onUpdated({ ...updated, status: chat.status });
    } catch (err) {
      setError(errorInfo(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="chat-permissions" data-testid="chat-permissions">
      <select
        className="input permission-select"
        data-testid="permission-mode"
        aria-label="Permission mode"
        title={PERMISSION_LABEL[chat.permission_mode] ?? chat.permission_mode}
        value={chat.permission_mode}
        disabled={busy || chat.archived}
        onChange={(e) => void patch({ permission_mode: e.target.value })}
      >
        {modeOptions(chat.permission_mode).map((m) => (
          <option key={m} value={m}>
            {m}
          </option>
        ))}
      </select>
      <label className="network-toggle" title="Sandboxed commands may use the network">
        <input
          type="checkbox"
          data-testid="network-toggle"
          checked={chat.network ?? false}
          disabled={busy || chat.archived}
          onChange={(e) => void patch({ network: e.target.checked })}
        />
        Network
      </label>
      {rules.length > 0 && (
        <span
          className="badge muted-badge"
          data-testid="allow-rules"
          title={`Run without asking: ${rules.map(describeRule).join(', ')}`}
        >
          {rules.length} {rules.length === 1 ? 'rule' : 'rules'}
        </span>
      )}
      {error && (
        <span className="permission-error" role="alert" data-testid="permission-error" data-code={error.code}>
          {error.message}
        </span>
      )}
    </div>
  );
}
