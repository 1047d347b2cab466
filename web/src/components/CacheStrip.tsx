import { memo, useMemo } from 'react';
import { formatCount } from '../format';
import {
  CACHE_LINE_HEIGHT,
  breakText,
  breakTitle,
  breakTokensText,
  cacheCostText,
  cacheCostTitle,
  cacheStripLayout,
  cacheSummary,
  callHitRate,
  kindLabel,
} from '../promptCache';
import type { PromptCache } from '../protocol/promptCache';

const pct = (x: number) => `${(x * 100).toFixed(4)}%`;

const SUMMARY_TITLE =
  "The provider's own counts: prompt tokens it read from its cache / all prompt tokens. " +
  'The bar shows the prompt in the order the provider reads it (tools, system prompt, history, new messages), ' +
  'each part as wide as its estimated tokens, the cached share filled.';

/**
 * A model call's prompt cache under its row: the strip (one bar of the prompt's segments, the
 * cached share of each filled, a marker where the cached prefix stopped), the hit rate and cost,
 * and a badge naming why the cache broke, when it did. The layout is ../promptCache's.
 */
export const CacheStrip = memo(function CacheStrip({ pc, callId }: { pc: PromptCache; callId: string }) {
  const layout = useMemo(() => cacheStripLayout(pc), [pc]);
  const cost = cacheCostText(pc);
  const b = pc.break;
  return (
    <div className="cache-lines" data-testid="cache-lines" data-trace-id={callId}>
      <div className="cache-line" style={{ height: CACHE_LINE_HEIGHT.strip }}>
        <span
          className="cache-strip"
          role="group"
          aria-label={`Prompt, ≈${formatCount(layout.tokensEst)} tok (est.), ≈${formatCount(layout.cachedEst)} cached`}
          data-testid="cache-strip"
          data-stop={pc.stop}
          data-stop-at={layout.stopAt ?? undefined}
        >
          {layout.groups.map((g) => (
            <span
              key={`g${g.kind}${g.left}`}
              className={`cache-group seg-${g.kind}`}
              style={{ left: pct(g.left), width: pct(g.width) }}
              title={g.label}
              data-testid="cache-group"
            />
          ))}
          {layout.parts.map((p) => (
            <span
              key={p.index}
              className={`cache-seg seg-${p.kind}${p.cached >= 1 ? ' all-cached' : ''}`}
              style={{ left: pct(p.left), width: pct(p.width) }}
              role="img"
              aria-label={p.label}
              title={p.label}
              data-testid="cache-seg"
              data-kind={p.kind}
              data-cached={p.cached}
            >
              <span className="cache-seg-cached" style={{ width: pct(p.cached) }} />
            </span>
          ))}
          {layout.stopAt !== null && (
            <span
              className="cache-stop"
              style={{ left: pct(layout.stopAt) }}
              title={`The cached prefix stopped here, in the ${kindLabel(pc.segments[pc.stop]?.kind ?? '')}`}
              data-testid="cache-stop"
            />
          )}
        </span>
        <span className="cache-summary" data-testid="cache-summary" data-hit-rate={callHitRate(pc)} title={SUMMARY_TITLE}>
          {cacheSummary(pc)}
        </span>
        {pc.cache_write_tokens > 0 && (
          <span className="cache-write" title="Prompt tokens written to the cache by this call">
            wrote {formatCount(pc.cache_write_tokens)}
          </span>
        )}
        {cost && (
          <span className="cache-cost" data-testid="cache-cost" title={cacheCostTitle(pc)}>
            {cost}
          </span>
        )}
      </div>
      {b && (
        <div className="cache-break-line" style={{ height: CACHE_LINE_HEIGHT.break }}>
          <span className="cache-break" role="note" data-testid="cache-break" data-cause={b.cause} title={breakTitle(b)}>
            <span className="cache-break-icon" aria-hidden="true">
              !
            </span>
            {breakText(b)}
          </span>
          <span className="cache-break-tokens" data-testid="cache-break-tokens">
            {breakTokensText(b)}
          </span>
        </div>
      )}
    </div>
  );
});
