import { useCallback, useEffect, useRef, useState } from 'react';
import { errorInfo, fetchHealth, type ErrorInfo } from './http';
import type { ServerFrame } from './protocol/frames';
import type { Chat, Me } from './protocol/rest';
import { listChats } from './chat-api';
import { ChatView } from './components/ChatView';
import { ConnectionStatus } from './components/ConnectionStatus';
import { ChatList, NewChatForm, NodeInfo, type HealthState } from './components/Sidebar';
import { chatHref, navigate, parseRoute, useLinkClick, usePathname } from './router';
import { useChatSession } from './useChatSession';
import { useChatUsage } from './useChatUsage';
import { useNodeSocket } from './useNodeSocket';
import { useTasks } from './useTasks';
import { useTimeline } from './useTimeline';
import { useTraces } from './useTraces';
import { useWorkflows } from './useWorkflows';

function useHealth(): [HealthState, () => void] {
  const [state, setState] = useState<HealthState>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const ctrl = new AbortController();
    setState({ kind: 'loading' });
    fetchHealth({ signal: ctrl.signal }).then(
      (health) => setState({ kind: 'ok', health }),
      (err: unknown) => {
        if (ctrl.signal.aborted) return;
        setState({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => ctrl.abort();
  }, [attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return [state, retry];
}

function useChatList(reloadKey: number): {
  chats: Chat[] | null;
  error: ErrorInfo | null;
  reload: () => void;
  setChats: (f: (chats: Chat[] | null) => Chat[] | null) => void;
} {
  const [chats, setChats] = useState<Chat[] | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const ctrl = new AbortController();
    listChats({ signal: ctrl.signal }).then(
      (items) => {
        setChats(items);
        setError(null);
      },
      (err: unknown) => {
        if (!ctrl.signal.aborted) setError(errorInfo(err));
      },
    );
    return () => ctrl.abort();
  }, [attempt, reloadKey]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { chats, error, reload, setChats };
}

export function App({ me, onLogout }: { me?: Me; onLogout?: () => void } = {}) {
  const [health, retryHealth] = useHealth();
  const route = parseRoute(usePathname());
  const chatId = route.name === 'chat' ? route.id : null;

  const frameSink = useRef<(frame: ServerFrame) => void>(() => {});
  const [protocolIssue, setProtocolIssue] = useState<string | null>(null);
  const ws = useNodeSocket({
    onFrame: (frame) => frameSink.current(frame),
    onBadFrame: (err) => setProtocolIssue(err.message),
  });
  const session = useChatSession(chatId, ws);
  const traces = useTraces(chatId);
  const timeline = useTimeline(chatId);
  const usage = useChatUsage(chatId);
  const tasks = useTasks(chatId, ws.connection);
  const openChat = session.state.chatId === chatId ? session.state.chat : null;
  const workflows = useWorkflows(chatId, openChat?.workspace ?? null, ws);
  frameSink.current = (frame) => {
    session.onFrame(frame);
    traces.onFrame(frame);
    timeline.onFrame(frame);
    usage.onFrame(frame);
    tasks.onFrame(frame);
    workflows.onFrame(frame);
  };

  // The list is refreshed on every (re)connect, and when the open chat's turn ends.
  const running = session.state.running;
  const [listKey, setListKey] = useState(0);
  const prevRunning = useRef(running);
  useEffect(() => {
    if (prevRunning.current && !running) setListKey((k) => k + 1);
    prevRunning.current = running;
  }, [running]);
  const list = useChatList(ws.connection * 1000 + listKey);

  const onCreated = useCallback(
    (chat: Chat) => {
      list.setChats((chats) => [chat, ...(chats ?? []).filter((c) => c.id !== chat.id)]);
      navigate(chatHref(chat.id));
    },
    [list.setChats],
  );
  const onArchived = useCallback(
    (id: string) => list.setChats((chats) => chats?.filter((c) => c.id !== id) ?? null),
    [list.setChats],
  );
  const onLinkClick = useLinkClick();

  return (
    <div className="app">
      <aside className="sidebar">
        <header className="brand">
          <a href="/" onClick={onLinkClick} className="brand-name">
            <span className="brand-logo" aria-hidden="true">
              B
            </span>
            <h1>BooCode</h1>
          </a>
          <span className="subtitle">AI coding agents, supervised</span>
        </header>
        <NewChatForm onCreated={onCreated} />
        <ChatList
          chats={list.chats}
          error={list.error}
          activeId={chatId}
          activeRunning={running}
          activePending={session.state.chatId === chatId && session.state.epoch !== null ? session.state.approvals.length : null}
          onRetry={list.reload}
        />
        <NodeInfo health={health} ws={ws} onRetry={retryHealth} />
        {me && onLogout && (
          <div className="user-info" data-testid="user-info">
            <span>
              {me.user} ({me.role})
            </span>
            <button type="button" className="link-btn" onClick={onLogout}>
              Log out
            </button>
          </div>
        )}
      </aside>

      <main className="main">
        <ConnectionStatus ws={ws} />
        {protocolIssue && (
          <div className="error-banner protocol" role="alert" data-testid="protocol-error">
            <span>The node sent a frame this page does not understand: {protocolIssue}</span>
            <button type="button" className="link-btn" onClick={() => setProtocolIssue(null)}>
              Dismiss
            </button>
          </div>
        )}
        {chatId && session.state.chatId === chatId ? (
          <ChatView
            session={session}
            traces={traces}
            timeline={timeline}
            tasks={tasks}
            workflows={workflows}
            usage={usage.summary}
            connected={ws.status === 'connected'}
            onArchived={onArchived}
            onForked={onCreated}
          />
        ) : chatId ? null : (
          <Home hasChats={(list.chats?.length ?? 0) > 0} />
        )}
      </main>
    </div>
  );
}

function Home({ hasChats }: { hasChats: boolean }) {
  return (
    <section className="home" data-testid="home">
      <div className="home-card">
        <h2>Start a chat on a workspace</h2>
        <p>
          Enter the absolute path of a folder on the node&apos;s machine and press <strong>New chat</strong>. The model
          works in that folder through tools: it reads, writes and searches files and runs commands, and you see every
          step as it happens.
        </p>
        {hasChats && <p className="hint">Or pick a chat on the left.</p>}
      </div>
    </section>
  );
}
