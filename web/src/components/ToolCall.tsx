import { memo } from 'react';
import type { ToolCallView } from '../chatState';
import { formatDuration, prettyArguments, summarizeArguments } from '../format';
import { AttachmentImages } from './AttachmentImages';

const OUTCOME_LABEL: Record<string, string> = {
  ok: 'ok',
  error: 'error',
  timeout: 'timed out',
  cancelled: 'cancelled',
  denied: 'denied',
  interrupted: 'interrupted',
  running: 'running',
  awaiting: 'awaiting approval',
  unknown: 'no result',
};

/**
 * One tool call, collapsed to a line (name, arguments, outcome, duration); opens for details. The
 * image a call opened (`view_image`) shows under that line, open or not.
 */
export const ToolCall = memo(function ToolCall({ call }: { call: ToolCallView }) {
  const outcome =
    call.state === 'done'
      ? (call.outcome ?? 'unknown')
      : call.state === 'running'
        ? call.awaiting
          ? 'awaiting'
          : 'running'
        : 'unknown';
  const summary = summarizeArguments(call.name, call.arguments);
  const showExit = call.exit_code !== undefined && call.exit_code !== null && (call.exit_code !== 0 || call.name === 'run_command');
  const details = (
    <details
      className={`tool tool-${outcome}`}
      data-testid="tool-call"
      data-tool-name={call.name}
      data-outcome={outcome}
      data-call-id={call.call_id}
    >
      <summary>
        <span className="tool-chevron" aria-hidden="true" />
        <span className="tool-name">{call.name}</span>
        <span className="tool-args" title={summary}>
          {summary}
        </span>
        <span className="tool-meta">
          {showExit && (
            <span className="tool-exit" data-testid="tool-exit-code">
              exit {call.exit_code}
            </span>
          )}
          {call.duration_ms !== undefined && (
            <span className="tool-duration" data-testid="tool-duration">
              {formatDuration(call.duration_ms)}
            </span>
          )}
          <span className={`tool-outcome outcome-${outcome}`} data-testid="tool-outcome">
            {outcome === 'running' && <span className="spinner" aria-hidden="true" />}
            {OUTCOME_LABEL[outcome] ?? outcome}
          </span>
        </span>
      </summary>
      <div className="tool-body">
        <div className="tool-section">
          <div className="tool-label">Arguments</div>
          <pre className="tool-pre" data-testid="tool-arguments">
            {prettyArguments(call.arguments) || '(none)'}
          </pre>
        </div>
        <div className="tool-section">
          <div className="tool-label">Result</div>
          {call.output !== undefined ? (
            <pre className="tool-pre" data-testid="tool-output">
              {call.output === '' ? '(no output)' : call.output}
            </pre>
          ) : (
            <div className="tool-none">{call.state === 'running' ? 'Running…' : 'No result was recorded.'}</div>
          )}
        </div>
      </div>
    </details>
  );
  if (!call.attachments || call.attachments.length === 0) return details;
  return (
    <div className="tool-with-images" data-testid="tool-images" data-call-id={call.call_id}>
      {details}
      <AttachmentImages attachments={call.attachments} className="tool-images" />
    </div>
  );
});
