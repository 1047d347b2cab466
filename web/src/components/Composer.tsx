// The chat's message box: Enter sends, Shift+Enter breaks the line, Cancel stops the running
// turn. Text that starts with `/name` starts the workspace's workflow of that name instead
// (`/name args…`, src/workflows.ts); while the name is typed, the matching workflows show with
// their descriptions (↑/↓ choose, Tab or Enter takes one, Esc hides them).
//
// Images: pasted into the text, dropped on the chat column (ChatView) or picked with the attach
// button, each uploads at once and shows as a chip (preview, uploading…, the node's refusal, ×).
// A message may be images alone; it goes once every upload is done and none failed.
import { useEffect, useLayoutEffect, useRef, useState, type ClipboardEvent, type FormEvent, type KeyboardEvent } from 'react';
import { IMAGE_ACCEPT, readyToSend, type Draft } from '../attachments';
import type { ErrorInfo } from '../http';
import type { WorkflowInfo } from '../protocol/workflows';
import type { AttachmentDrafts } from '../useAttachmentDrafts';
import type { ChatSession } from '../useChatSession';
import { commandArgs, matchWorkflows, readCommand, slashPrefix } from '../workflows';

/** At most this many workflows are offered at once. */
const MAX_OFFERED = 8;

export function Composer({
  session,
  drafts,
  running,
  connected,
  disabled,
  disabledReason,
  narrow,
  workflows,
  onWorkflow,
}: {
  session: ChatSession;
  /** The images to send with the message (ChatView's: a drop on the chat column adds to them). */
  drafts: AttachmentDrafts;
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
  const picker = useRef<HTMLInputElement>(null);
  const chatId = session.state.chatId;
  const uploading = drafts.items.some((d) => d.state === 'uploading');
  const empty = text.trim() === '' && drafts.items.length === 0;
  /** This composer's error, else what the last images added could not take. */
  const shown = error ?? drafts.notice;

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
    if (disabled || starting) return;
    const ready = readyToSend(text, drafts.items);
    if (!ready.ok) {
      if (ready.error) setError(ready.error);
      return;
    }
    const command = readCommand(text);
    if (command.kind === 'workflow') {
      if (ready.attachments.length > 0) {
        setError({
          code: 'invalid_command',
          message: 'A workflow takes no images: remove them, or start with // to send a message that starts with /.',
        });
        return;
      }
      void startWorkflow(command.name, command.argsText, command.noCache);
      return;
    }
    const err = session.send(command.text.trim() === '' ? '' : command.text, ready.attachments);
    setError(err);
    if (!err) {
      setText('');
      drafts.clear();
    }
  };
  const addFiles = (files: readonly File[]) => {
    if (disabled || files.length === 0) return;
    setError(null);
    drafts.add(files);
  };
  const removeDraft = (key: string) => {
    drafts.remove(key);
    // What the error said about the images may no longer hold.
    setError((e) => (e?.code === 'attachment_failed' ? null : e));
    input.current?.focus();
  };
  const onPaste = (ev: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = [...ev.clipboardData.files];
    if (files.length === 0) return; // text: pasted as usual
    ev.preventDefault();
    addFiles(files);
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
    <form className="composer" onSubmit={onSubmit} aria-busy={uploading || undefined}>
      {shown && (
        <div className="composer-error" role="alert" data-testid="composer-error" data-code={shown.code}>
          {shown.message}
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
        {drafts.items.length > 0 && (
          <ul className="attachment-chips" aria-label="Images to send" data-testid="attachment-chips">
            {drafts.items.map((d) => (
              <AttachmentChip key={d.key} draft={d} onRemove={() => removeDraft(d.key)} />
            ))}
          </ul>
        )}
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
          onPaste={onPaste}
          placeholder={disabledReason ?? 'Message the agent, or /workflow args (Shift+Enter: new line)'}
          disabled={disabled}
          aria-label="Message"
        />
        <div className="composer-actions">
          {!disabled && (
            <>
              <input
                ref={picker}
                type="file"
                accept={IMAGE_ACCEPT}
                multiple
                hidden
                data-testid="composer-file-input"
                onChange={(e) => {
                  addFiles([...(e.target.files ?? [])]);
                  e.target.value = ''; // the same file again is a new pick
                }}
              />
              <button
                type="button"
                className="btn btn-quiet composer-attach"
                data-testid="composer-attach"
                aria-label="Attach images"
                title="Attach images (PNG, JPEG, WebP, GIF): or paste them, or drop them on the chat"
                onClick={() => picker.current?.click()}
              >
                <svg viewBox="0 0 16 16" width="15" height="15" aria-hidden="true">
                  <path
                    d="M2.5 2h11A1.5 1.5 0 0 1 15 3.5v9a1.5 1.5 0 0 1-1.5 1.5h-11A1.5 1.5 0 0 1 1 12.5v-9A1.5 1.5 0 0 1 2.5 2zm0 1.5v7.4l3-3 2.5 2.5 1.75-1.75L13.5 12.4V3.5zM11 4.5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3z"
                    fill="currentColor"
                    fillRule="evenodd"
                  />
                </svg>
              </button>
            </>
          )}
          {running && (
            <button type="button" className="btn btn-secondary" data-testid="cancel-turn" onClick={onCancel} disabled={cancelling}>
              {cancelling ? 'Cancelling…' : 'Cancel'}
            </button>
          )}
          <button
            type="submit"
            className="btn btn-primary"
            data-testid="composer-send"
            disabled={disabled || starting || uploading || empty}
            title={uploading ? 'Waiting for the images to upload' : undefined}
          >
            {starting ? 'Starting…' : uploading ? 'Uploading…' : 'Send'}
          </button>
        </div>
      </div>
      {!connected && !disabled && (
        <div className="composer-hint">Offline: messages are sent over HTTP; live updates resume when the connection is back.</div>
      )}
    </form>
  );
}

/** An image waiting to be sent: its preview, its upload's state, and × to take it out. */
function AttachmentChip({ draft, onRemove }: { draft: Draft; onRemove: () => void }) {
  // A file that is no image (the node refuses it) has no preview either.
  const [broken, setBroken] = useState(false);
  return (
    <li
      className={`attachment-chip attachment-${draft.state}`}
      data-testid="attachment-chip"
      data-state={draft.state}
      data-attachment-id={draft.attachment?.id}
      title={draft.name}
    >
      {broken ? (
        <span className="attachment-chip-preview attachment-chip-nopreview" aria-hidden="true" />
      ) : (
        <img className="attachment-chip-preview" src={draft.previewUrl} alt="" onError={() => setBroken(true)} />
      )}
      <span className="attachment-chip-text">
        <span className="attachment-chip-name">{draft.name || 'image'}</span>
        {draft.state === 'uploading' && (
          <span className="attachment-chip-status" data-testid="attachment-uploading">
            <span className="spinner" aria-hidden="true" /> uploading…
          </span>
        )}
        {draft.state === 'failed' && (
          <span className="attachment-chip-error" role="alert" data-testid="attachment-error" data-code={draft.error?.code}>
            {draft.error?.message ?? 'not uploaded'}
          </span>
        )}
      </span>
      <button
        type="button"
        className="attachment-remove"
        data-testid="attachment-remove"
        aria-label={`Remove ${draft.name || 'image'}`}
        title="Remove"
        onClick={onRemove}
      >
        ×
      </button>
    </li>
  );
}
