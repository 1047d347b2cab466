import { memo, useState } from 'react';
import type { ApprovalAnswerState } from '../approvalState';
import { approvalPreview, type ApprovalPreview } from '../approvalPreview';
import type { ApprovalRequest } from '../protocol/permissions';
import type { Decision } from '../protocol/states';

/** At most this many characters of note (the node's limit). */
const MAX_NOTE = 4000;

const SENDING_LABEL: Record<Decision, string> = {
  allow: 'Allowing…',
  deny: 'Denying…',
  allow_always: 'Allowing always…',
};

/**
 * A tool call that waits for a user's decision: what it would do, and Allow, Deny (with an
 * optional note the model reads) and Always allow (adds an allow rule to the chat). The card
 * goes when the approval resolves, whoever answered it; until then its buttons stay disabled
 * once this page answered, unless the node refused the answer.
 */
export const ApprovalCard = memo(function ApprovalCard({
  approval,
  answer,
  onAnswer,
}: {
  approval: ApprovalRequest;
  answer: ApprovalAnswerState | undefined;
  onAnswer: (id: string, decision: Decision, note?: string) => void;
}) {
  const [note, setNote] = useState('');
  const preview = approvalPreview(approval.tool, approval.arguments);
  const busy = answer?.state === 'sending' || answer?.final === true;
  const decide = (decision: Decision) => onAnswer(approval.id, decision, decision === 'deny' ? note : undefined);
  return (
    <div
      className="approval"
      role="group"
      aria-label={`Approval: ${approval.tool}`}
      data-testid="approval-card"
      data-approval-id={approval.id}
      data-call-id={approval.call_id}
      data-state={answer?.state ?? 'waiting'}
    >
      <div className="approval-head">
        <span className="approval-title">Approve this call?</span>
        <span className="tool-name" data-testid="approval-tool">
          {approval.tool}
        </span>
      </div>
      <div className="approval-reason" data-testid="approval-reason">
        {approval.reason}
      </div>
      <Preview preview={preview} />
      <div className="approval-actions">
        <input
          className="input approval-note"
          data-testid="approval-note"
          value={note}
          maxLength={MAX_NOTE}
          onChange={(e) => setNote(e.target.value)}
          placeholder="Note for the model (sent with Deny)"
          aria-label="Note"
          disabled={busy}
        />
        <button type="button" className="btn btn-primary" onClick={() => decide('allow')} disabled={busy}>
          Allow
        </button>
        <button type="button" className="btn btn-secondary" onClick={() => decide('deny')} disabled={busy}>
          Deny
        </button>
        <button
          type="button"
          className="btn btn-quiet"
          onClick={() => decide('allow_always')}
          disabled={busy}
          title="Allow, and let calls like this run without asking in this chat"
        >
          Always allow
        </button>
      </div>
      {answer?.state === 'sending' && (
        <div className="approval-note-line" data-testid="approval-sending">
          {SENDING_LABEL[answer.decision]}
        </div>
      )}
      {answer?.state === 'failed' && answer.error && (
        <div className="approval-error" role="alert" data-testid="approval-error" data-code={answer.error.code}>
          {answer.error.message}
        </div>
      )}
    </div>
  );
});

function Preview({ preview }: { preview: ApprovalPreview }) {
  switch (preview.kind) {
    case 'command':
      return (
        <div className="approval-preview">
          <pre className="tool-pre approval-command" data-testid="approval-command">
            <code>$ {preview.command}</code>
          </pre>
          {preview.timeout_s !== null && <div className="approval-note-line">timeout {preview.timeout_s} s</div>}
        </div>
      );
    case 'diff':
      return (
        <div className="approval-preview">
          <div className="approval-path mono" data-testid="approval-path">
            {preview.path}
          </div>
          <pre className="tool-pre approval-diff" data-testid="approval-diff">
            {preview.lines.length === 0 && <span className="diff-empty">(empty)</span>}
            {preview.lines.map((line, i) => (
              <span key={i} className={line.sign === '+' ? 'diff-add' : 'diff-del'}>
                {line.sign} {line.text}
                {'\n'}
              </span>
            ))}
            {preview.hidden > 0 && <span className="diff-more">… {preview.hidden} more lines</span>}
          </pre>
        </div>
      );
    case 'raw':
      return (
        <pre className="tool-pre approval-preview" data-testid="approval-arguments">
          {preview.text || '(no arguments)'}
        </pre>
      );
  }
}
