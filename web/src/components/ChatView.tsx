import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { errorInfo, type ErrorInfo } from '../http';
import type { Chat, TimelineTurn } from '../protocol/rest';
import type { UsageSummary } from '../protocol/usage';
import { CHAT_STATUSES } from '../protocol/states';
import { archiveChat } from '../chat-api';
import { buildTranscript, turnStatus } from '../chatState';
import { headerUsageView } from '../chatUsage';
import { formatCount, formatUsage } from '../format';
import { navigate } from '../router';
import type { ChatSession } from '../useChatSession';
import { liveTasks, taskTotals } from '../tasks';
import type { Tasks } from '../useTasks';
import type { Timeline } from '../useTimeline';
import { useAttachmentDrafts } from '../useAttachmentDrafts';
import type { Traces } from '../useTraces';
import type { Workflows } from '../useWorkflows';
import { Composer } from './Composer';
import { ChatPermissions } from './PermissionControls';
import { SidePanelToggle } from './SidePanel';
import { TasksPanel } from './TasksPanel';
import { TimelinePanel } from './TimelinePanel';
import { TracePanel } from './TracePanel';
import { TranscriptEntry } from './TranscriptEntry';
import { WorkflowsPanel } from './WorkflowsPanel';

/** How long a turn the timeline jumped to stays highlighted. */
const JUMP_HIGHLIGHT_MS = 1600;

const STATUS_LABEL: Record<string, string> = {
  running: 'running',
  idle: 'idle',
  completed: 'completed',
  cancelled: 'cancelled',
  error: 'error',
};

export function ChatView({
  session,
  traces,
  timeline,
  tasks,
  workflows,
  usage,
  connected,
  onArchived,
  onForked,
}: {
  session: ChatSession;
  traces: Traces;
  timeline: Timeline;
  tasks: Tasks;
  workflows: Workflows;
  /** GET /api/chats/:id/usage of this chat; null until it answers. */
  usage: UsageSummary | null;
  connected: boolean;
  onArchived: (id: string) => void;
  /** A turn was restored into a new chat (POST .../fork). */
  onForked: (chat: Chat) => void;
}) {
  const { state } = session;
  const items = useMemo(() => buildTranscript(state), [state]);
  const status = turnStatus(state);
  const chat = state.chat;
  const archived = chat?.archived ?? false;
  // A task's conversation (a subagent's, a workflow step's or run's: its id is the task's):
  // read-only, without Tasks and Workflows panes of its own.
  const isTask = !state.chatId.startsWith('c_');
  const liveCount = liveTasks(tasks.state?.tasks ?? null).length;
  const runs = (tasks.state?.tasks ?? []).filter((t) => t.id.startsWith('w_'));
  const liveRuns = liveTasks(runs).length;
  const taskUsage = taskTotals(tasks.state?.tasks ?? null);
  const cache = headerUsageView(usage?.chat_id === state.chatId ? usage.total : null);
  const composerDisabled = !chat || archived || isTask;
  const drafts = useAttachmentDrafts(composerDisabled ? null : state.chatId);

  // Files dropped anywhere on the chat column join the message's images.
  const [dropping, setDropping] = useState(false);
  const onDragOver = (ev: DragEvent) => {
    if (!ev.dataTransfer.types.includes('Files')) return;
    ev.preventDefault(); // else the browser opens the file in place of the page
    ev.dataTransfer.dropEffect = composerDisabled ? 'none' : 'copy';
    if (!composerDisabled) setDropping(true);
  };
  const onDragLeave = (ev: DragEvent) => {
    if (!(ev.relatedTarget instanceof Node && ev.currentTarget.contains(ev.relatedTarget))) setDropping(false);
  };
  const onDrop = (ev: DragEvent) => {
    if (!ev.dataTransfer.types.includes('Files')) return;
    ev.preventDefault();
    setDropping(false);
    if (!composerDisabled) drafts.add([...ev.dataTransfer.files]);
  };

  useEffect(() => {
    document.title = chat ? `${chat.title} · BooCode` : 'BooCode';
    return () => {
      document.title = 'BooCode';
    };
  }, [chat]);

  // Keep the newest content in view while the user is at the bottom.
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  }, []);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [items]);
  useLayoutEffect(() => {
    stick.current = true;
  }, [state.chatId]);

  // The timeline's turn: scroll its first message (or anything of the turn) into view.
  const jumpTo = useCallback((turn: TimelineTurn) => {
    const root = scroller.current;
    if (!root) return;
    const el =
      (turn.first_message_id !== null ? root.querySelector(`[data-message-id="${turn.first_message_id}"]`) : null) ??
      root.querySelector(`[data-turn="${turn.turn}"]`);
    if (!(el instanceof HTMLElement)) return;
    stick.current = false;
    el.scrollIntoView({ block: 'start' });
    el.classList.add('jump-target');
    setTimeout(() => el.classList.remove('jump-target'), JUMP_HIGHLIGHT_MS);
  }, []);

  const [archiving, setArchiving] = useState<'idle' | 'confirm' | 'busy'>('idle');
  const [archiveError, setArchiveError] = useState<ErrorInfo | null>(null);
  useEffect(() => {
    setArchiving('idle');
    setArchiveError(null);
  }, [state.chatId]);
  const onArchive = async () => {
    if (archiving === 'idle') {
      setArchiving('confirm');
      return;
    }
    setArchiving('busy');
    try {
      const updated = await archiveChat(state.chatId);
      session.dispatch({ type: 'chat_updated', chat: updated });
      onArchived(updated.id);
      navigate('/');
    } catch (err) {
      setArchiveError(errorInfo(err));
      setArchiving('idle');
    }
  };

  return (
    <section className="chat" aria-label="Chat">
      <header className="chat-header">
        <div className="chat-heading">
          <h2 className="chat-title" data-testid="chat-title">
            {chat?.title ?? (state.load === 'error' ? 'Chat unavailable' : 'Loading…')}
          </h2>
          {chat && (
            <div className="chat-workspace mono" data-testid="chat-workspace" title={chat.workspace}>
              {chat.workspace}
            </div>
          )}
        </div>
        <div className="chat-actions">
          {chat && <ChatPermissions chat={chat} onUpdated={(updated) => session.dispatch({ type: 'chat_updated', chat: updated })} />}
          {archived && <span className="badge muted-badge">archived</span>}
          {chat && !(CHAT_STATUSES as readonly string[]).includes(chat.status) && (
            // A status of a newer node: shown by its name.
            <span className="badge muted-badge" data-testid="chat-status" title="The chat's status, as the node names it">
              {chat.status}
            </span>
          )}
          {state.usage && state.usage.prompt + state.usage.completion > 0 && (
            <span className="chat-usage" data-testid="chat-usage" title="This chat's tokens: prompt in · served from the prompt cache · completion out">
              {formatUsage(state.usage)}
              {taskUsage.input + taskUsage.output > 0 && (
                <span data-testid="chat-tasks-usage" title="Of which its background subagents used">
                  {' '}
                  (+ subagents: in {formatCount(taskUsage.input)} · cached {formatCount(taskUsage.cached)} · out{' '}
                  {formatCount(taskUsage.output)})
                </span>
              )}
            </span>
          )}
          {cache && (
            <span
              className="chat-cache"
              data-testid="chat-cache"
              data-hit-rate={cache.rate}
              title={cache.title}
              aria-label={`Prompt cache: ${cache.hitRate}, ${cache.saved}${cache.cost ? `, cost ${cache.cost}` : ''}`}
            >
              <span className="chat-cache-rate" data-testid="chat-cache-rate">
                {cache.hitRate}
              </span>
              <span data-testid="chat-cache-saved">{cache.saved}</span>
              {cache.cost && (
                <span className="chat-cost" data-testid="chat-cost">
                  {cache.cost}
                </span>
              )}
            </span>
          )}
          <span className={`turn-status status-${status}`} data-testid="turn-status" data-status={status}>
            {status === 'running' && <span className="spinner" aria-hidden="true" />}
            {STATUS_LABEL[status] ?? status}
          </span>
          <SidePanelToggle
            name="timeline"
            label="Timeline"
            panel={timeline}
            others={[traces, tasks, workflows]}
            title={['Hide the timeline', "Show the chat's turns: when, how long, tokens, tools; restore one"]}
          >
            <path d="M3.25 1h1.5v14h-1.5zM8 3h7v2H8zM8 7h6v2H8zM8 11h7v2H8z" fill="currentColor" />
            <circle cx="4" cy="4" r="2" fill="currentColor" />
            <circle cx="4" cy="8" r="2" fill="currentColor" />
            <circle cx="4" cy="12" r="2" fill="currentColor" />
          </SidePanelToggle>
          <SidePanelToggle
            name="trace"
            label="Traces"
            panel={traces}
            others={[timeline, tasks, workflows]}
            title={['Hide the tool and model calls', 'Show every tool and model call, with timings and tokens']}
          >
            <path d="M2 3h7v2H2zM5 7h9v2H5zM3 11h6v2H3z" fill="currentColor" />
          </SidePanelToggle>
          {!isTask && (
            <SidePanelToggle
              name="tasks"
              label={liveCount > 0 ? `Tasks (${liveCount})` : 'Tasks'}
              panel={tasks}
              others={[timeline, traces, workflows]}
              title={['Hide the background tasks', "Show the chat's background subagents: state, time, tokens, results"]}
            >
              <path d="M1 2h6v5H1zM9 2h6v5H9zM1 9h6v5H1zM9 9h6v5H9z" fill="currentColor" />
            </SidePanelToggle>
          )}
          {!isTask && (
            <SidePanelToggle
              name="workflows"
              label={liveRuns > 0 ? `Workflows (${liveRuns})` : 'Workflows'}
              panel={workflows}
              others={[timeline, traces, tasks]}
              title={['Hide the workflows', "Run the workspace's workflows and watch their steps"]}
            >
              <path d="M2 2h5v4H2zM9 10h5v4H9zM4.25 6h1.5v5H9v1.5H4.25z" fill="currentColor" />
            </SidePanelToggle>
          )}
          {chat && !archived && (
            <button
              type="button"
              className={`btn btn-quiet ${archiving === 'confirm' ? 'btn-danger' : ''}`}
              data-testid="archive-chat"
              onClick={onArchive}
              onBlur={() => archiving === 'confirm' && setArchiving('idle')}
              disabled={archiving === 'busy'}
            >
              {archiving === 'confirm' ? 'Archive?' : 'Archive'}
            </button>
          )}
        </div>
      </header>

      <div className="chat-split">
        <div
          className={`chat-column${dropping ? ' dropping' : ''}`}
          onDragOver={onDragOver}
          onDragLeave={onDragLeave}
          onDrop={onDrop}
          data-testid="chat-drop-zone"
        >
          {dropping && (
            <div className="drop-overlay" aria-hidden="true">
              Drop images to attach them
            </div>
          )}
          {state.loadError && (
            <div className="error-banner" role="alert" data-testid="error-banner" data-code={state.loadError.code}>
              <span>
                {state.load === 'error' ? 'Could not load this chat: ' : 'Could not refresh this chat: '}
                {state.loadError.message}
              </span>
              <button type="button" className="btn btn-quiet" onClick={session.reload}>
                Retry
              </button>
            </div>
          )}
          {state.sessionFailed && <SessionFailed failure={state.sessionFailed} restart={session.restart} />}
          {archiveError && (
            <div className="error-banner" role="alert" data-testid="error-banner" data-code={archiveError.code}>
              <span>Could not archive: {archiveError.message}</span>
            </div>
          )}

          <div className="transcript" ref={scroller} onScroll={onScroll} data-testid="transcript">
            <div className="transcript-inner">
              {state.load === 'loading' && state.messages.length === 0 && <div className="hint">Loading messages…</div>}
              {state.load === 'loaded' && items.length === 0 && (
                <div className="empty-chat">
                  <div className="empty-title">Ask for something in this workspace</div>
                  <div className="hint">The model can read, write and search files and run commands in it.</div>
                </div>
              )}
              {state.load !== 'error' &&
                items.map((item) => (
                  <TranscriptEntry
                    key={item.key}
                    item={item}
                    retry={session.retry}
                    dispatch={session.dispatch}
                    answerApproval={session.answerApproval}
                  />
                ))}
            </div>
          </div>

          <Composer
            session={session}
            drafts={drafts}
            running={state.running}
            connected={connected}
            disabled={composerDisabled}
            disabledReason={
              isTask ? "A background task's conversation: it takes no messages." : archived ? 'This chat is archived.' : undefined
            }
            narrow={traces.open || timeline.open || tasks.open || workflows.open}
            workflows={isTask ? null : workflows.catalog}
            onWorkflow={workflows.start}
          />
        </div>
        {traces.open && <TracePanel traces={traces} />}
        {tasks.open && !isTask && (
          <TasksPanel
            tasks={tasks}
            onOpenRun={(runId) => {
              tasks.setOpen(false);
              workflows.select(runId);
              workflows.setOpen(true);
            }}
          />
        )}
        {workflows.open && !isTask && <WorkflowsPanel workflows={workflows} runs={runs} />}
        {timeline.open && <TimelinePanel timeline={timeline} onJump={jumpTo} onForked={onForked} />}
      </div>
    </section>
  );
}

function SessionFailed({
  failure,
  restart,
}: {
  failure: NonNullable<ChatSession['state']['sessionFailed']>;
  restart: ChatSession['restart'];
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const onRestart = async () => {
    setBusy(true);
    setError(null);
    const err = await restart();
    setBusy(false);
    setError(err);
  };
  return (
    <div className="error-banner session-failed" role="alert" data-testid="session-failed" data-reason={failure.reason}>
      <span>
        {failure.reason === 'stopped' ? (
          // boocode admin stop (docs/admin.md): it runs again after a restart.
          <>
            <strong>Stopped by an operator.</strong> New messages wait until it is restarted.
          </>
        ) : failure.reason === 'unavailable' ? (
          // No node of the cluster can serve it now (docs/cluster.md); it is tried again.
          <>
            <strong>This chat cannot be served right now</strong>
            {failure.error ? `: ${failure.error}` : '.'} New messages wait until a node can serve it.
          </>
        ) : (
          <>
            <strong>This chat&apos;s session stopped</strong>
            {failure.crashes !== null ? ` after crashing ${failure.crashes} times` : ' after crashing repeatedly'}
            {failure.error ? `: ${failure.error}` : '.'} New messages wait until it is restarted.
          </>
        )}
        {error && <span className="session-failed-error"> Restart failed: {error.message}</span>}
      </span>
      <button type="button" className="btn btn-secondary" data-testid="session-restart" onClick={onRestart} disabled={busy}>
        {busy ? 'Restarting…' : 'Restart'}
      </button>
    </div>
  );
}
