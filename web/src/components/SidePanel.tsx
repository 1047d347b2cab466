// The pieces the chat's side panels (traces, timeline) share: the toggle in the chat header,
// the panel's header, its error line, and a clock that ticks while something runs.
import { useEffect, useState, type ReactNode } from 'react';
import type { ErrorInfo } from '../http';

/** The local clock in ms, advancing every `tickMs` while `ticking`. */
export function useNow(ticking: boolean, tickMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), tickMs);
    return () => clearInterval(timer);
  }, [ticking, tickMs]);
  return now;
}

/** A side panel's open state, as useTraces and useTimeline give it. */
interface PanelState {
  open: boolean;
  setOpen: (open: boolean) => void;
}

/**
 * The chat header's button that shows or hides the side panel `panel`, closing `others` as it
 * opens (one side panel at a time). Its test id is `${name}-toggle`; it controls `${name}-panel`.
 */
export function SidePanelToggle({
  name,
  label,
  panel,
  others,
  title,
  children,
}: {
  name: string;
  label: string;
  panel: PanelState;
  others: PanelState[];
  /** The tooltip: [when open, when closed]. */
  title: readonly [string, string];
  /** The shapes of its 16×16 icon. */
  children: ReactNode;
}) {
  const toggle = () => {
    if (!panel.open) for (const other of others) other.setOpen(false);
    panel.setOpen(!panel.open);
  };
  return (
    <button
      type="button"
      className={`btn btn-quiet trace-toggle${panel.open ? ' active' : ''}`}
      data-testid={`${name}-toggle`}
      aria-pressed={panel.open}
      aria-controls={`${name}-panel`}
      title={panel.open ? title[0] : title[1]}
      onClick={toggle}
    >
      <svg viewBox="0 0 16 16" width="13" height="13" aria-hidden="true">
        {children}
      </svg>
      {label}
    </button>
  );
}

/** A side panel's header: its title, what `children` add (a count), a loading mark, and ×. */
export function SidePanelHead({
  title,
  loading,
  loadingTestId,
  closeLabel,
  onClose,
  children,
}: {
  title: string;
  loading: boolean;
  loadingTestId: string;
  closeLabel: string;
  onClose: () => void;
  children?: ReactNode;
}) {
  return (
    <header className="trace-head">
      <h3 className="trace-title">{title}</h3>
      {children}
      {loading && (
        <span className="trace-loading" data-testid={loadingTestId}>
          <span className="spinner" aria-hidden="true" /> loading
        </span>
      )}
      <button type="button" className="trace-close" aria-label={closeLabel} onClick={onClose}>
        ×
      </button>
    </header>
  );
}

/** A side panel's error line: "`what`: the error's message", and a button (Retry). */
export function SidePanelError({
  testId,
  what,
  error,
  action = 'Retry',
  onAction,
}: {
  testId: string;
  what: string;
  error: ErrorInfo;
  action?: string;
  onAction: () => void;
}) {
  return (
    <div className="trace-error" role="alert" data-testid={testId} data-code={error.code}>
      <span>
        {what}: {error.message}
      </span>
      <button type="button" className="link-btn" onClick={onAction}>
        {action}
      </button>
    </div>
  );
}
