import { useState } from 'react';
import type { ErrorInfo } from '../http';
import type { Chat, TimelineTurn } from '../protocol/rest';
import { timelineRow } from '../timeline';
import type { Timeline } from '../useTimeline';
import { SidePanelError, SidePanelHead, useNow } from './SidePanel';

/** How often a running turn's duration advances. */
const TICK_MS = 1000;

/** The chat's turns, top to bottom: click one to see it in the chat, Restore to fork the chat there. */
export function TimelinePanel({
  timeline,
  onJump,
  onForked,
}: {
  timeline: Timeline;
  onJump: (turn: TimelineTurn) => void;
  onForked: (chat: Chat) => void;
}) {
  const { data } = timeline;
  const turns = data?.turns ?? null;
  const nowMs = useNow(turns?.some((t) => t.outcome === 'running') ?? false, TICK_MS);
  const [restoring, setRestoring] = useState<number | null>(null);
  const [restoreError, setRestoreError] = useState<ErrorInfo | null>(null);

  const restore = async (turn: number) => {
    setRestoring(turn);
    setRestoreError(null);
    const result = await timeline.fork(turn);
    setRestoring(null);
    if ('chat' in result) onForked(result.chat);
    else setRestoreError(result.error);
  };

  return (
    <aside className="trace-panel timeline-panel" id="timeline-panel" data-testid="timeline-panel" aria-label="Timeline">
      <SidePanelHead
        title="Timeline"
        loading={data?.loading ?? false}
        loadingTestId="timeline-loading"
        closeLabel="Close the timeline"
        onClose={() => timeline.setOpen(false)}
      >
        {turns && (
          <span className="trace-count" data-testid="timeline-count" data-count={turns.length}>
            {turns.length === 1 ? '1 turn' : `${turns.length} turns`}
          </span>
        )}
      </SidePanelHead>
      {data?.error && (
        <SidePanelError testId="timeline-error" what="Could not load the timeline" error={data.error} onAction={timeline.refresh} />
      )}
      {restoreError && (
        <SidePanelError
          testId="timeline-restore-error"
          what="Could not restore"
          error={restoreError}
          action="Dismiss"
          onAction={() => setRestoreError(null)}
        />
      )}
      {turns === null ? (
        !data?.error && <div className="trace-empty">Loading the timeline…</div>
      ) : turns.length === 0 ? (
        <div className="trace-empty" data-testid="timeline-empty">
          No turns yet. Each message you send starts one.
        </div>
      ) : (
        <ol className="timeline-list">
          {turns.map((t) => {
            const row = timelineRow(t, nowMs);
            return (
              <li
                key={t.turn}
                className={`timeline-turn timeline-${row.outcome}`}
                data-testid="timeline-turn"
                data-turn={t.turn}
                data-outcome={row.outcome}
              >
                <span className="timeline-dot" aria-hidden="true" />
                <button
                  type="button"
                  className="timeline-jump"
                  data-testid="timeline-jump"
                  title="Show this turn in the chat"
                  onClick={() => onJump(t)}
                >
                  <span className="timeline-head">
                    <span className="timeline-number" data-testid="timeline-number">
                      Turn {t.turn}
                    </span>
                    <span className={`timeline-outcome outcome-${row.outcome}`} data-testid="timeline-outcome">
                      {row.outcome === 'running' && <span className="spinner" aria-hidden="true" />}
                      {row.outcomeLabel}
                    </span>
                    <time className="timeline-start" dateTime={t.started_at} title={row.startTitle} data-testid="timeline-start">
                      {row.start}
                    </time>
                  </span>
                  {row.preview && (
                    <span className="timeline-preview" data-testid="timeline-preview">
                      {row.preview}
                    </span>
                  )}
                  {t.error && (
                    <span className="timeline-error" data-testid="timeline-turn-error" title={t.error}>
                      {t.error}
                    </span>
                  )}
                  <span className="timeline-facts">
                    <span data-testid="timeline-duration">{row.duration}</span>
                    <span
                      data-testid="timeline-tokens"
                      data-prompt={row.tokens.prompt}
                      data-cached={row.tokens.cached}
                      data-completion={row.tokens.completion}
                      title="Tokens: prompt in · served from the prompt cache · completion out"
                    >
                      {row.tokens.text}
                    </span>
                    <span data-testid="timeline-tools" data-count={t.tool_calls} title={row.modelCalls}>
                      {row.tools}
                    </span>
                  </span>
                </button>
                <button
                  type="button"
                  className="btn btn-quiet timeline-restore"
                  data-testid="timeline-restore"
                  title={
                    t.outcome === 'running'
                      ? 'A turn can be restored once it has finished'
                      : `Open a new chat holding turns 1–${t.turn} of this one`
                  }
                  disabled={restoring !== null || t.outcome === 'running'}
                  onClick={() => void restore(t.turn)}
                >
                  {restoring === t.turn ? 'Restoring…' : 'Restore'}
                </button>
              </li>
            );
          })}
        </ol>
      )}
    </aside>
  );
}
