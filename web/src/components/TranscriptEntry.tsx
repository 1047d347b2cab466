// One entry of a chat's transcript (src/chatState.ts builds them): a user message with its images
// (or a task's notification), an assistant message with its tool calls, the live answer as it streams, a
// turn's end, an approval card or an error.
import { memo } from 'react';
import type { TranscriptItem, TurnInfo } from '../chatState';
import { formatUsage } from '../format';
import { Markdown } from '../Markdown';
import type { ChatSession } from '../useChatSession';
import { ApprovalCard } from './ApprovalCard';
import { AttachmentImages } from './AttachmentImages';
import { ToolCall } from './ToolCall';

export const TranscriptEntry = memo(function TranscriptEntry({
  item,
  retry,
  dispatch,
  answerApproval,
}: {
  item: TranscriptItem;
  retry: ChatSession['retry'];
  dispatch: ChatSession['dispatch'];
  answerApproval: ChatSession['answerApproval'];
}) {
  switch (item.kind) {
    case 'user': {
      const p = item.pending;
      return (
        <div
          className={`msg msg-user${item.task ? ' msg-notification' : ''}`}
          data-testid="message-user"
          data-task-id={item.task}
          data-pending={p?.state}
          data-message-id={item.messageId}
          data-turn={item.turn ?? undefined}
        >
          {item.task && <div className="msg-note">background task {item.task}, told to the model</div>}
          {item.attachments.length > 0 && <AttachmentImages attachments={item.attachments} />}
          {(item.text !== '' || item.attachments.length === 0) && <div className="bubble">{item.text}</div>}
          {p?.state === 'sending' && <div className="msg-note">Sending…</div>}
          {p?.state === 'failed' && (
            <div className="msg-note msg-failed" role="alert">
              Not sent: {p.error?.message ?? 'unknown error'}
              <button type="button" className="link-btn" onClick={() => retry(p.client_id)}>
                Retry
              </button>
              <button
                type="button"
                className="link-btn"
                onClick={() => dispatch({ type: 'discard_pending', client_id: p.client_id })}
              >
                Discard
              </button>
            </div>
          )}
        </div>
      );
    }
    case 'assistant': {
      const m = item.message;
      return (
        <article className="msg msg-assistant" data-testid="message-assistant" data-message-id={m.id} data-turn={m.turn ?? undefined}>
          {m.reasoning && <Reasoning text={m.reasoning} />}
          {m.content && <Markdown text={m.content} />}
          {item.toolCalls.length > 0 && (
            <div className="tools">
              {item.toolCalls.map((c) => (
                <ToolCall key={c.call_id} call={c} />
              ))}
            </div>
          )}
        </article>
      );
    }
    case 'tool':
      return (
        <div className="msg msg-assistant" data-turn={item.turn ?? undefined}>
          <div className="tools">
            <ToolCall call={item.call} />
          </div>
        </div>
      );
    case 'live':
      return (
        <article
          className="msg msg-assistant msg-live"
          data-testid="message-streaming"
          data-turn={item.turn ?? undefined}
          aria-live="polite"
        >
          {item.resumed && <ResumedNote />}
          {item.reasoning && <Reasoning text={item.reasoning} live />}
          {item.text && (
            <div data-testid="streaming-text">
              <Markdown text={item.text} />
            </div>
          )}
          {item.toolCalls.length > 0 && (
            <div className="tools">
              {item.toolCalls.map((c) => (
                <ToolCall key={c.call_id} call={c} />
              ))}
            </div>
          )}
          {!item.text && item.toolCalls.length === 0 && (
            <div className="thinking">
              <span className="dots" aria-hidden="true">
                <i />
                <i />
                <i />
              </span>
              {item.awaiting ? 'Waiting for your decision…' : item.reasoning ? 'Reasoning…' : 'Working…'}
            </div>
          )}
        </article>
      );
    case 'turn_end':
      return <TurnEnd info={item.info} />;
    case 'approval':
      return <ApprovalCard approval={item.approval} answer={item.answer} onAnswer={answerApproval} />;
    case 'error':
      return (
        <div className="error-banner inline" role="alert" data-testid="error-banner" data-code={item.error.code}>
          <span>
            <strong>{item.error.code}</strong> {item.error.message}
          </span>
          <button
            type="button"
            className="link-btn"
            aria-label="Dismiss"
            onClick={() => dispatch({ type: 'dismiss_error', key: item.error.key })}
          >
            Dismiss
          </button>
        </div>
      );
  }
});

function Reasoning({ text, live }: { text: string; live?: boolean }) {
  return (
    <details className="reasoning" data-testid="message-reasoning" open={live ? true : undefined}>
      <summary>{live ? 'Reasoning…' : 'Reasoning'}</summary>
      <div className="reasoning-text">{text}</div>
    </details>
  );
}

function ResumedNote() {
  return (
    <div className="turn-resumed" data-testid="turn-resumed" title="The node stopped while this turn ran; it continued when the node was back">
      resumed after restart
    </div>
  );
}

function TurnEnd({ info }: { info: TurnInfo }) {
  return (
    <div className="turn-end" data-testid="turn-end" data-turn={info.turn} data-outcome={info.state}>
      {info.partialText && (
        <div className="msg msg-assistant msg-partial">
          <Markdown text={info.partialText} />
        </div>
      )}
      <div className="turn-meta">
        {info.resumed && <ResumedNote />}
        {info.state !== 'completed' && (
          <span className={`turn-outcome outcome-${info.state}`}>
            {info.state === 'cancelled' ? 'Cancelled' : 'Failed'}
            {info.error ? `: ${info.error.message}` : ''}
          </span>
        )}
        {info.usage && (
          <span className="turn-usage" data-testid="turn-usage" title="Tokens: prompt in · served from the prompt cache · completion out">
            tokens {formatUsage(info.usage)}
          </span>
        )}
      </div>
    </div>
  );
}
