import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import {
  ROW_HEIGHT,
  axisMs,
  callBar,
  callLatencyMs,
  callTokens,
  formatLatency,
  formatTokens,
  groupTurns,
  outcomeTone,
  prettyInput,
  traceRows,
  turnAxis,
  type TimeAxis,
  type TokenBreakdown,
  type TraceCall,
  type TraceRow,
  type TraceTurn,
} from '../traces';
import { formatPercent } from '../format';
import type { Traces } from '../useTraces';
import { prefixOffsets, visibleRange } from '../virtualList';
import { CacheStrip } from './CacheStrip';
import { SidePanelError, SidePanelHead, useNow } from './SidePanel';

/** Rows rendered beyond each edge of the viewport. */
const OVERSCAN = 8;
/** Ask for the next page when the last rendered row is this close to the end. */
const LOAD_AHEAD_ROWS = 20;
/** How often running calls' bars and latencies advance. */
const TICK_MS = 100;

const OUTCOME_LABEL: Record<string, string> = {
  ok: 'ok',
  error: 'error',
  timeout: 'timed out',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
  denied: 'denied',
  running: 'running',
};

/** The chat's tool and model calls, turn by turn, on a time axis per turn. */
export function TracePanel({ traces }: { traces: Traces }) {
  const { store } = traces;
  const turns = useMemo(() => groupTurns(store.entries), [store.entries]);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  useEffect(() => setExpanded(new Set()), [store.chatId]);
  const rows = useMemo(() => traceRows(turns, expanded), [turns, expanded]);
  const running = turns.some((t) => t.running);
  const nowUs = useNow(running, TICK_MS) * 1000;
  const toggle = useCallback((id: string) => {
    setExpanded((prev) => {
      const next = new Set(prev);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  }, []);

  const count = store.entries.size;
  const hasMore = store.nextCursor !== null;
  const loading = store.load === 'loading';
  return (
    <aside className="trace-panel" id="trace-panel" data-testid="trace-panel" aria-label="Traces">
      <SidePanelHead
        title="Traces"
        loading={loading}
        loadingTestId="trace-loading"
        closeLabel="Close traces"
        onClose={() => traces.setOpen(false)}
      >
        <span className="trace-count" data-testid="trace-count" data-count={count}>
          {count === 1 ? '1 call' : `${count.toLocaleString('en-US')} calls`}
          {hasMore ? ' so far' : ''}
        </span>
      </SidePanelHead>
      {store.error && <SidePanelError testId="trace-error" what="Could not load traces" error={store.error} onAction={traces.retry} />}
      {count === 0 ? (
        store.load !== 'error' && (
          <div className="trace-empty" data-testid="trace-empty">
            {store.load === 'loaded'
              ? 'No tool or model calls in this chat yet. They show here as they run.'
              : 'Loading traces…'}
          </div>
        )
      ) : (
        <TraceList
          key={store.chatId}
          rows={rows}
          nowUs={nowUs}
          onToggle={toggle}
          hasMore={hasMore}
          canLoadMore={hasMore && store.load === 'loaded'}
          onNearEnd={traces.loadMore}
        />
      )}
    </aside>
  );
}

function TraceList({
  rows,
  nowUs,
  onToggle,
  hasMore,
  canLoadMore,
  onNearEnd,
}: {
  rows: TraceRow[];
  nowUs: number;
  onToggle: (id: string) => void;
  hasMore: boolean;
  canLoadMore: boolean;
  onNearEnd: () => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const atBottom = useRef(false);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    setViewport(el.clientHeight);
    const observer = new ResizeObserver(() => setViewport(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const offsets = useMemo(() => prefixOffsets(rows.map((r) => r.height)), [rows]);
  const total = offsets[offsets.length - 1] ?? 0;
  const range = visibleRange(offsets, scrollTop, viewport, OVERSCAN);

  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    setScrollTop(el.scrollTop);
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 4;
  }, []);

  // At the live end of the list, new calls stay in view while the user is at the bottom
  // (not while pages remain: that would load them all without the user asking).
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && atBottom.current && !hasMore && el.scrollHeight > el.clientHeight) {
      el.scrollTop = el.scrollHeight;
      setScrollTop(el.scrollTop);
    }
  }, [total, hasMore]);

  useEffect(() => {
    if (canLoadMore && range.end >= rows.length - LOAD_AHEAD_ROWS) onNearEnd();
  }, [canLoadMore, range.end, rows.length, onNearEnd]);

  // Each turn's axis, computed once per render for the turns in view.
  const axes = new Map<TraceTurn, TimeAxis>();
  const axisOf = (turn: TraceTurn) => {
    let axis = axes.get(turn);
    if (!axis) {
      axis = turnAxis(turn, nowUs);
      axes.set(turn, axis);
    }
    return axis;
  };

  const visible: ReactNode[] = [];
  for (let i = range.start; i < range.end; i++) {
    const row = rows[i];
    if (!row) continue;
    const top = offsets[i] ?? 0;
    // Finished turns do not depend on the clock: give their rows a constant so memo holds.
    const now = row.turn.running ? nowUs : 0;
    const axis = axisOf(row.turn);
    visible.push(
      row.kind === 'turn' ? (
        <TurnRow key={row.key} turn={row.turn} top={top} height={row.height} spanMs={axisMs(axis)} />
      ) : (
        <CallRow
          key={row.key}
          call={row.call}
          axis={axis}
          nowUs={now}
          expanded={row.expanded}
          top={top}
          height={row.height}
          onToggle={onToggle}
        />
      ),
    );
  }

  return (
    <div className="trace-scroller" ref={scroller} onScroll={onScroll} data-testid="trace-scroller" role="list">
      <div className="trace-canvas" style={{ height: total }}>
        {visible}
      </div>
    </div>
  );
}

function Tokens({ tokens, testId }: { tokens: TokenBreakdown; testId: string }) {
  return (
    <span
      className="trace-tokens"
      data-testid={testId}
      data-input={tokens.input}
      data-cached={tokens.cached}
      data-output={tokens.output}
      data-reasoning={tokens.reasoning}
      title={`input ${tokens.input} · cached ${tokens.cached} · output ${tokens.output} · reasoning ${tokens.reasoning} tokens`}
    >
      <span>
        in <b>{formatTokens(tokens.input)}</b>
      </span>{' '}
      <span>
        cached <b>{formatTokens(tokens.cached)}</b>
      </span>{' '}
      <span>
        out <b>{formatTokens(tokens.output)}</b>
      </span>{' '}
      <span>
        reasoning <b>{formatTokens(tokens.reasoning)}</b>
      </span>
    </span>
  );
}

const TurnRow = memo(function TurnRow({
  turn,
  top,
  height,
  spanMs,
}: {
  turn: TraceTurn;
  top: number;
  height: number;
  spanMs: number;
}) {
  const n = turn.calls.length;
  return (
    <div
      className="trace-turn"
      role="listitem"
      data-testid="trace-turn"
      data-turn={turn.turn}
      data-span-ms={spanMs}
      style={{ top, height }}
    >
      <div className="trace-turn-line">
        <span className="trace-turn-title">Turn {turn.turn}</span>
        <span className="trace-turn-calls">
          {n === 1 ? '1 call' : `${n} calls`}
          {turn.failed > 0 && <span className="trace-turn-failed"> · {turn.failed} not ok</span>}
        </span>
        {turn.hitRate !== null && (
          <span
            className="trace-turn-cache"
            data-testid="trace-turn-cache"
            data-hit-rate={turn.hitRate}
            title="Of this turn's prompt tokens, the share the provider read from its cache (its own counts, over the model calls that reported usage)"
          >
            {formatPercent(turn.hitRate)} cached
            {turn.cacheBreaks > 0 && (
              <span className="trace-turn-breaks" data-testid="trace-turn-breaks">
                {' '}
                · {turn.cacheBreaks === 1 ? '1 cache break' : `${turn.cacheBreaks} cache breaks`}
              </span>
            )}
          </span>
        )}
        {turn.running && <span className="spinner trace-turn-spinner" aria-label="running" />}
        <span className="trace-turn-latency" data-testid="trace-turn-latency" title="From the first call's start to the last call's end">
          {formatLatency(spanMs)}
        </span>
      </div>
      <div className="trace-turn-tokens">
        <Tokens tokens={turn.tokens} testId="trace-turn-tokens" />
        {turn.toolTokens > 0 && (
          <span className="trace-tool-tokens" title="Estimated tokens the tool outputs added to the conversation">
            tool output ~{formatTokens(turn.toolTokens)}
          </span>
        )}
      </div>
    </div>
  );
});

/** What each kind of traced call is, for its icon's title. */
const KIND_TITLES: Record<string, string> = {
  model: 'model call',
  tool: 'tool call',
  cache: 'a workflow step taken from the step cache (no model call)',
};

function KindIcon({ kind }: { kind: TraceCall['kind'] }) {
  return (
    <span className={`trace-kind kind-${kind}`} title={KIND_TITLES[kind] ?? kind} aria-label={kind}>
      <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
        {kind === 'model' ? (
          <path d="M8 1 9.7 6.3 15 8 9.7 9.7 8 15 6.3 9.7 1 8 6.3 6.3Z" fill="currentColor" />
        ) : kind === 'cache' ? (
          // A stack of stored results.
          <path d="M2 3h12v3H2zM2 7.5h12v3H2zM2 12h12v2H2z" fill="currentColor" />
        ) : (
          <path
            d="M11.2 1.2a3.8 3.8 0 0 0-4.3 5L1.6 11.5a1.6 1.6 0 0 0 2.3 2.3l5.3-5.3a3.8 3.8 0 0 0 5-4.3l-2.2 2.2-2.2-.6-.6-2.2z"
            fill="currentColor"
          />
        )}
      </svg>
    </span>
  );
}

/** What a "journal" row is: BooCode waiting for its own commits (docs/traces.md). */
const JOURNAL_TITLE = "journal: BooCode's own time, waiting for its commits (not the tool's)";

const CallRow = memo(function CallRow({
  call,
  axis,
  nowUs,
  expanded,
  top,
  height,
  onToggle,
}: {
  call: TraceCall;
  axis: TimeAxis;
  nowUs: number;
  expanded: boolean;
  top: number;
  height: number;
  onToggle: (id: string) => void;
}) {
  const tone = outcomeTone(call);
  const state = call.state === 'running' ? 'running' : (call.outcome ?? 'ok');
  const bar = callBar(call, axis, nowUs);
  const latency = callLatencyMs(call, nowUs);
  const tokens = callTokens(call);
  const ownTime = call.kind === 'tool' && call.name === 'journal';
  const pct = (x: number) => `${(x * 100).toFixed(4)}%`;
  return (
    <div
      className={`trace-row tone-${tone}${expanded ? ' expanded' : ''}`}
      role="listitem"
      data-testid="trace-row"
      data-trace-id={call.id}
      data-kind={call.kind}
      data-state={call.state}
      data-outcome={state}
      style={{ top, height }}
    >
      <button
        type="button"
        className="trace-row-head"
        style={{ height: ROW_HEIGHT.call }}
        aria-expanded={expanded}
        data-testid="trace-row-toggle"
        onClick={() => onToggle(call.id)}
      >
        <span className="tool-chevron" aria-hidden="true" />
        <KindIcon kind={call.kind} />
        <span className="trace-name" data-testid="trace-name" title={ownTime ? JOURNAL_TITLE : call.name}>
          {call.name}
        </span>
        <span className="trace-track" aria-hidden="true">
          <span
            className={ownTime ? 'trace-bar trace-bar-journal' : 'trace-bar'}
            data-testid="trace-bar"
            data-trace-id={call.id}
            data-left={bar.left}
            data-width={bar.width}
            data-latency-ms={call.state === 'done' ? latency : undefined}
            data-axis-ms={axisMs(axis)}
            style={{ left: pct(bar.left), width: pct(bar.width) }}
          />
        </span>
        <span className="trace-latency" data-testid="trace-latency">
          {formatLatency(latency)}
        </span>
        <span className="trace-meta">
          <span className={`trace-outcome tone-${tone}`} data-testid="trace-outcome">
            {call.state === 'running' && <span className="spinner" aria-hidden="true" />}
            {OUTCOME_LABEL[state] ?? state}
          </span>
          {call.kind === 'model' && call.ttft_ms !== null && (
            <span className="trace-ttft" data-testid="trace-ttft" data-ttft-ms={call.ttft_ms}>
              TTFT <b>{formatLatency(call.ttft_ms)}</b>
            </span>
          )}
          {tokens && <Tokens tokens={tokens} testId="trace-tokens" />}
          {call.kind === 'tool' && call.exit_code !== null && (
            <span className="trace-exit" data-testid="trace-exit-code">
              exit {call.exit_code}
            </span>
          )}
          {call.kind === 'tool' && call.state === 'done' && call.tokens_used !== null && (
            <span className="trace-tool-tok" title="Estimated tokens this output added to the conversation">
              ~{formatTokens(call.tokens_used)} tok
            </span>
          )}
          {call.error && (
            <span className="trace-error-text" title={call.error}>
              {call.error}
            </span>
          )}
        </span>
      </button>
      {call.prompt_cache && <CacheStrip pc={call.prompt_cache} callId={call.id} />}
      {expanded && <CallDetail call={call} />}
    </div>
  );
});

function CallDetail({ call }: { call: TraceCall }) {
  const facts: [string, string][] = [];
  if (call.started_at) facts.push(['started', call.started_at.replace('T', ' ').replace('Z', '')]);
  if (call.call_id) facts.push(['call id', call.call_id]);
  if (call.finish_reason) facts.push(['finish', call.finish_reason]);
  if (call.attempts !== null && call.attempts !== 1) facts.push(['attempts', String(call.attempts)]);
  if (call.actor_kind !== 'session') facts.push(['actor', `${call.actor_kind} ${call.actor_id}`]);
  facts.push(['id', call.id]);
  const input = prettyInput(call.input);
  return (
    <div className="trace-detail" data-testid="trace-detail" style={{ height: ROW_HEIGHT.expanded - ROW_HEIGHT.call }}>
      <div className="trace-facts">
        {facts.map(([k, v]) => (
          <span key={k}>
            {k} <span className="mono">{v}</span>
          </span>
        ))}
      </div>
      {call.error && (
        <div className="trace-detail-error" title={call.error}>
          {call.error}
        </div>
      )}
      <div className="trace-io">
        <div className="tool-label">Input</div>
        <pre className="tool-pre trace-pre" data-testid="trace-input">
          {call.input === undefined ? '(not received: the call started before the page was listening)' : input}
        </pre>
        <div className="tool-label">
          Output
          {call.outputIsPreview && <span className="trace-preview-note"> · first 2 KiB (the stored trace keeps up to 16 KiB)</span>}
        </div>
        <pre className="tool-pre trace-pre" data-testid="trace-output">
          {call.output === null ? (call.state === 'running' ? 'Running…' : '(none)') : call.output === '' ? '(no output)' : call.output}
        </pre>
      </div>
    </div>
  );
}
