// The chat's message box: Enter sends, Shift+Enter breaks the line, Cancel stops the running
// turn. Text that starts with `/name` starts the workspace's workflow of that name instead
// (`/name args…`, src/workflows.ts); while the name is typed, the matching workflows show with
// their descriptions (↑/↓ choose, Tab or Enter takes one, Esc hides them).
import { useEffect, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { ErrorInfo } from '../http';
import type { WorkflowInfo } from '../protocol/workflows';
import type { ChatSession } from '../useChatSession';
import { commandArgs, matchWorkflows, readCommand, slashPrefix } from '../workflows';

/** At most this many workflows are offered at once. */
const MAX_OFFERED = 8;

export function Composer({
  session,
  running,
  connected,
  disabled,
  disabledReason,
  narrow,
  workflows,
  onWorkflow,
}: {
  session: ChatSession;
  running: boolean;
  connected: boolean;
  disabled: boolean;
  disabledReason: string | undefined;
  /** The trace panel takes part of the width: the text (or placeholder) may wrap differently. */
  narrow: boolean;
  /** The workspace's workflows (null while they load). */
  workflows: WorkflowInfo[] | null;
  /** Starts a workflow for the chat. */
  onWorkflow: (name: string, args: unknown, cache?: 'off') => Promise<ErrorInfo | null>;
}) {
  const [text, setText] = useState('');
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const [starting, setStarting] = useState(false);
  const [highlight, setHighlight] = useState(0);
  const [hidden, setHidden] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  const chatId = session.state.chatId;

  const prefix = slashPrefix(text);
  const offered = prefix !== null && !hidden ? matchWorkflows(workflows ?? [], prefix).slice(0, MAX_OFFERED) : [];
  useEffect(() => {
    setHighlight(0);
    setHidden(false);
  }, [prefix]);

  useEffect(() => {
    if (!running) setCancelling(false);
  }, [running]);
  useEffect(() => {
    setText('');
    setError(null);
    input.current?.focus();
  }, [chatId]);
  // Grow with the text, up to the CSS max-height.
  useLayoutEffect(() => {
    const el = input.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${el.scrollHeight + 2}px`;
  }, [text, narrow, running]);

  const startWorkflow = async (name: string, argsText: string, noCache: boolean) => {
    const info = workflows?.find((w) => w.name === name);
    const fail = (message: string) => setError({ code: 'invalid_command', message });
    if (!workflows) return fail('The workflows are still loading: try again in a moment.');
    if (!info) return fail(`No workflow named /${name} in this workspace (type // to send a message that starts with /).`);
    if (info.problem) return fail(`/${name} cannot run: ${info.problem}`);
    const args = commandArgs(argsText, info);
    if (!args.ok) return fail(args.error);
    setStarting(true);
    const err = await onWorkflow(name, args.args, noCache ? 'off' : undefined);
    setStarting(false);
    setError(err);
    if (!err) setText('');
  };

  const submit = () => {
    if (disabled || starting || text.trim() === '') return;
    const command = readCommand(text);
    if (command.kind === 'workflow') {
      void startWorkflow(command.name, command.argsText, command.noCache);
      return;
    }
    const err = session.send(command.text);
    setError(err);
    if (!err) setText('');
  };
  const onSubmit = (ev: FormEvent) => {
    ev.preventDefault();
    submit();
  };
  const take = (w: WorkflowInfo) => {
    setText(`/${w.name} `);
    input.current?.focus();
  };
  const onKeyDown = (ev: KeyboardEvent<HTMLTextAreaElement>) => {
    if (offered.length > 0) {
      const move = ev.key === 'ArrowDown' ? 1 : ev.key === 'ArrowUp' ? -1 : 0;
      if (move !== 0) {
        ev.preventDefault();
        setHighlight((h) => (h + move + offered.length) % offered.length);
        return;
      }
      if ((ev.key === 'Tab' || ev.key === 'Enter') && !ev.shiftKey && !ev.nativeEvent.isComposing) {
        ev.preventDefault();
        take(offered[Math.min(highlight, offered.length - 1)]!);
        return;
      }
      if (ev.key === 'Escape') {
        ev.preventDefault();
        setHidden(true);
        return;
      }
    }
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.nativeEvent.isComposing) {
      ev.preventDefault();
      submit();
    }
  };
  const onCancel = () => {
    if (session.cancel()) {
      setCancelling(true);
      setError(null);
    } else {
      setError({ code: 'not_connected', message: 'Not connected to the node: cannot cancel right now.' });
    }
  };

  return (
    <form className="composer" onSubmit={onSubmit}>
      {error && (
        <div className="composer-error" role="alert" data-testid="composer-error">
          {error.message}
        </div>
      )}
      {offered.length > 0 && (
        <ul className="slash-menu" role="listbox" aria-label="Workflows" data-testid="slash-menu">
          {offered.map((w, i) => (
            <li
              key={w.name}
              role="option"
              aria-selected={i === highlight}
              className={i === highlight ? 'active' : undefined}
              data-testid="slash-option"
              data-name={w.name}
              onMouseDown={(e) => {
                e.preventDefault(); // keep the focus in the text
                take(w);
              }}
            >
              <span className="mono">/{w.name}</span>
              <span className="slash-desc">{w.description}</span>
            </li>
          ))}
        </ul>
      )}
      <div className="composer-box">
        <textarea
          ref={input}
          data-testid="composer-input"
          rows={1}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            if (error?.code === 'invalid_command') setError(null); // the command is being fixed
          }}
          onKeyDown={onKeyDown}
          placeholder={disabledReason ?? 'Message the agent, or /workflow args (Shift+Enter: new line)'}
          disabled={disabled}
          aria-label="Message"
        />
        <div className="composer-actions">
          {running && (
            <button type="button" className="btn btn-secondary" data-testid="cancel-turn" onClick={onCancel} disabled={cancelling}>
              {cancelling ? 'Cancelling…' : 'Cancel'}
            </button>
          )}
          <button type="submit" className="btn btn-primary" data-testid="composer-send" disabled={disabled || starting || text.trim() === ''}>
            {starting ? 'Starting…' : 'Send'}
          </button>
        </div>
      </div>
      {!connected && !disabled && (
        <div className="composer-hint">Offline: messages are sent over HTTP; live updates resume when the connection is back.</div>
      )}
    </form>
  );
}
