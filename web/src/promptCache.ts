// A model call's prompt cache as the trace viewer draws it (pure, unit-tested): the strip's
// layout (one bar, a part per segment in proportion to its estimated tokens, the cached share of
// each, tools grouped, where the cached prefix stopped), its one-line summary, and a cache break
// in words.
//
// Segment token counts are the node's estimates: every text that shows them says "≈" or "est.".
// prompt_tokens and cached_tokens are the provider's own counts and are shown as they are.

import { formatCount, formatIdle, formatPercent, formatUsd } from './format';
import type { CacheBreak, CacheSegment, PromptCache } from './protocol/promptCache';

/** The strip's line, and the break's line under it, in a call row (px; rows have fixed heights). */
export const CACHE_LINE_HEIGHT = { strip: 26, break: 22 } as const;

/** The extra height the cache lines add to a model call's row. */
export function cacheLinesHeight(pc: PromptCache | null): number {
  if (!pc) return 0;
  return CACHE_LINE_HEIGHT.strip + (pc.break ? CACHE_LINE_HEIGHT.break : 0);
}

/** cached / prompt, or null without a prompt. */
export function hitRate(cached: number, prompt: number): number | null {
  return prompt > 0 ? Math.min(1, cached / prompt) : null;
}

const KIND_LABEL: Record<string, string> = {
  tool: 'tool',
  system: 'system prompt',
  history: 'history',
  new: 'new messages',
};

export function kindLabel(kind: string): string {
  return KIND_LABEL[kind] ?? kind.replace(/_/g, ' ');
}

function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

function cachedText(cached: number, tokens: number): string {
  if (cached <= 0) return 'not cached';
  if (cached >= tokens) return 'all cached';
  return `≈${formatCount(cached)} cached`;
}

/** What a segment is, for its title: "tool read_file: ≈103 tok, all cached (est.)". */
export function segmentLabel(seg: CacheSegment): string {
  let what = kindLabel(seg.kind);
  if (seg.kind === 'tool' && seg.name) what = `tool ${seg.name}`;
  else if (seg.messages !== null) what += `, ${plural(seg.messages, 'message', 'messages')}`;
  return `${what}: ≈${formatCount(seg.tokens_est)} tok, ${cachedText(seg.cached_tokens_est, seg.tokens_est)} (est.)`;
}

/** One segment on the strip; left and width are fractions of the bar. */
export interface StripPart {
  index: number;
  kind: string;
  left: number;
  width: number;
  /** The cached share of the segment itself, 0..1. */
  cached: number;
  label: string;
}

/** Consecutive segments of one kind (the tools), drawn as one bracket under their parts. */
export interface StripGroup {
  kind: string;
  left: number;
  width: number;
  count: number;
  label: string;
}

export interface CacheStripLayout {
  parts: StripPart[];
  /** Runs of more than one segment of a kind, and every run of tools. */
  groups: StripGroup[];
  /** Where the cached prefix stopped, as a fraction of the bar; null when all of it was cached. */
  stopAt: number | null;
  tokensEst: number;
  cachedEst: number;
}

/** The strip of a prompt: parts in proportion to tokens_est (equal parts when all are 0). */
export function cacheStripLayout(pc: PromptCache): CacheStripLayout {
  const segs = pc.segments;
  const tokensEst = segs.reduce((sum, s) => sum + s.tokens_est, 0);
  const cachedEst = segs.reduce((sum, s) => sum + Math.min(s.cached_tokens_est, s.tokens_est), 0);
  const parts: StripPart[] = [];
  let left = 0;
  segs.forEach((s, index) => {
    const width = tokensEst > 0 ? s.tokens_est / tokensEst : 1 / segs.length;
    const cached = s.tokens_est > 0 ? Math.min(1, s.cached_tokens_est / s.tokens_est) : 0;
    parts.push({ index, kind: s.kind, left, width, cached, label: segmentLabel(s) });
    left += width;
  });

  const groups: StripGroup[] = [];
  for (let i = 0; i < parts.length; ) {
    let j = i + 1;
    while (j < parts.length && parts[j]?.kind === parts[i]?.kind) j++;
    const first = parts[i] as StripPart;
    const last = parts[j - 1] as StripPart;
    const count = j - i;
    if (count > 1 || first.kind === 'tool') {
      const run = segs.slice(i, j);
      const tok = run.reduce((sum, s) => sum + s.tokens_est, 0);
      const cached = run.reduce((sum, s) => sum + Math.min(s.cached_tokens_est, s.tokens_est), 0);
      const name = first.kind === 'tool' ? (count === 1 ? '1 tool' : `${count} tools`) : `${kindLabel(first.kind)} (${count})`;
      groups.push({
        kind: first.kind,
        left: first.left,
        width: last.left + last.width - first.left,
        count,
        label: `${name}: ≈${formatCount(tok)} tok, ${cachedText(cached, tok)} (est.)`,
      });
    }
    i = j;
  }

  let stopAt: number | null = null;
  const stopped = parts[pc.stop];
  if (stopped) stopAt = Math.min(1, stopped.left + stopped.width * stopped.cached);
  return { parts, groups, stopAt, tokensEst, cachedEst };
}

/** The provider's share of the prompt it served from the cache (its own counts). */
export function callHitRate(pc: PromptCache): number {
  return hitRate(pc.cached_tokens, pc.prompt_tokens) ?? pc.hit_rate;
}

/** "92% cached · 8,192 / 8,900 tok" (the provider's counts). */
export function cacheSummary(pc: PromptCache): string {
  return `${formatPercent(callHitRate(pc))} cached · ${formatCount(pc.cached_tokens)} / ${formatCount(pc.prompt_tokens)} tok`;
}

/** The call's cost after the summary: "$0.0005"; empty when the model is not priced. */
export function cacheCostText(pc: PromptCache): string {
  return pc.cost_usd > 0 ? formatUsd(pc.cost_usd) : '';
}

/** The cost's tooltip: what the call cost, and what reading from the cache saved. */
export function cacheCostTitle(pc: PromptCache): string {
  const saved = pc.saved_usd > 0 ? `; reading ${formatCount(pc.cached_tokens)} tok from the cache saved ${formatUsd(pc.saved_usd)}` : '';
  return `This call cost ${formatUsd(pc.cost_usd)} at the model's prices${saved}.`;
}

/** At most `max` names, then "+N more". */
function names(list: string[], max = 3): string {
  if (list.length <= max) return list.join(', ');
  return `${list.slice(0, max).join(', ')} +${list.length - max} more`;
}

/** One cause in words: "tools reordered", "model changed from gpt-4o", "expired after 6m 12s idle". */
export function breakCauseText(b: CacheBreak, cause: string): string {
  switch (cause) {
    case 'model_changed':
      return b.previous_model ? `model changed from ${b.previous_model}` : 'model changed';
    case 'system_changed':
      return 'system prompt changed';
    case 'tools_changed': {
      const parts: string[] = [];
      if (b.tools_added.length > 0) parts.push(`added: ${names(b.tools_added)}`);
      if (b.tools_removed.length > 0) parts.push(`removed: ${names(b.tools_removed)}`);
      if (b.tools_changed.length > 0) parts.push(`changed: ${names(b.tools_changed)}`);
      if (parts.length === 0) return b.tools_reordered ? 'tools reordered' : 'tools changed';
      if (b.tools_reordered) parts.push('reordered');
      return `tools ${parts.join(' / ')}`;
    }
    case 'history_rewritten': {
      // from_message is 0-based; people count messages from 1.
      const from = b.from_message === null ? '' : ` from message ${b.from_message + 1}`;
      const fork = b.forked_from ? ` (fork of ${b.forked_from})` : '';
      return `history rewritten${from}${fork}`;
    }
    case 'expired':
      return `expired after ${formatIdle(b.idle_s)} idle`;
    case 'evicted':
      return `evicted after ${formatIdle(b.idle_s)} idle`;
    default:
      return cause.replace(/_/g, ' '); // a newer node's cause, by name
  }
}

/** "Cache broke: tools reordered" (every cause that held, the named one first). */
export function breakText(b: CacheBreak): string {
  const causes = [b.cause, ...b.causes.filter((c) => c !== b.cause)];
  return `Cache broke: ${causes.map((c) => breakCauseText(b, c)).join('; ')}`;
}

/** "cached 1,152 → 600 tok". */
export function breakTokensText(b: CacheBreak): string {
  return `cached ${formatCount(b.previous_cached_tokens)} → ${formatCount(b.cached_tokens)} tok`;
}

/** The break's tooltip: what each cause means, and which call it is compared with. */
export function breakTitle(b: CacheBreak): string {
  const lines = [`${breakText(b)}.`, `Cached tokens fell from ${formatCount(b.previous_cached_tokens)} on the previous call to ${formatCount(b.cached_tokens)}.`];
  if (b.causes.includes('evicted')) lines.push('Nothing in the prompt changed and the cache had not expired: the provider dropped it early.');
  if (b.causes.includes('expired')) lines.push("Nothing in the prompt changed: the cache outlived the provider's time to live.");
  if (b.previous_call) lines.push(`Previous call: ${b.previous_call}${b.previous_model ? ` (${b.previous_model})` : ''}, ${formatIdle(b.idle_s)} before.`);
  return lines.join('\n');
}
