import { describe, expect, it } from 'vitest';
import {
  CACHE_LINE_HEIGHT,
  breakCauseText,
  breakText,
  breakTitle,
  breakTokensText,
  cacheCostText,
  cacheCostTitle,
  cacheLinesHeight,
  cacheStripLayout,
  cacheSummary,
  hitRate,
  segmentLabel,
} from './promptCache';
import type { CacheBreak, PromptCache } from './protocol/promptCache';
import { samplePromptCache } from './test-fixtures';

const pc = samplePromptCache;
const brk = pc.break as CacheBreak;
/** A break with only what a test sets. */
const broke = (over: Partial<CacheBreak>): CacheBreak => ({
  ...brk,
  cause: over.causes?.[0] ?? brk.cause,
  tools_reordered: false,
  ...over,
});

describe('cache strip layout', () => {
  const layout = cacheStripLayout(pc);
  const total = 103 + 133 + 450 + 500 + 15;

  it('gives each segment a width in proportion to its estimated tokens, in order, filling the bar', () => {
    expect(layout.tokensEst).toBe(total);
    expect(layout.parts.map((p) => p.kind)).toEqual(['tool', 'tool', 'system', 'history', 'new']);
    expect(layout.parts[2]!.width).toBeCloseTo(450 / total, 12);
    expect(layout.parts[3]!.left).toBeCloseTo((103 + 133 + 450) / total, 12);
    const last = layout.parts[4]!;
    expect(last.left + last.width).toBeCloseTo(1, 12);
  });

  it('highlights the cached share of each segment', () => {
    expect(layout.parts.map((p) => p.cached)).toEqual([1, 1, 364 / 450, 0, 0]);
    expect(layout.cachedEst).toBe(103 + 133 + 364);
  });

  it('marks where the cached prefix stopped: inside the stop segment, after its cached share', () => {
    expect(layout.stopAt).toBeCloseTo((103 + 133 + 364) / total, 12);
    expect(cacheStripLayout({ ...pc, stop: pc.segments.length }).stopAt).toBeNull();
    expect(cacheStripLayout({ ...pc, stop: 0, segments: pc.segments.map((s) => ({ ...s, cached_tokens_est: 0 })) }).stopAt).toBe(0);
  });

  it('groups the tools under one bracket that names how many there are', () => {
    expect(layout.groups).toHaveLength(1);
    const [tools] = layout.groups;
    expect(tools!.kind).toBe('tool');
    expect(tools!.count).toBe(2);
    expect(tools!.left).toBe(0);
    expect(tools!.width).toBeCloseTo((103 + 133) / total, 12);
    expect(tools!.label).toBe('2 tools: ≈236 tok, all cached (est.)');
  });

  it('names every segment with its estimate for its title', () => {
    expect(layout.parts.map((p) => p.label)).toEqual([
      'tool read_file: ≈103 tok, all cached (est.)',
      'tool run_command: ≈133 tok, all cached (est.)',
      'system prompt: ≈450 tok, ≈364 cached (est.)',
      'history, 4 messages: ≈500 tok, not cached (est.)',
      'new messages, 2 messages: ≈15 tok, not cached (est.)',
    ]);
    expect(segmentLabel({ ...pc.segments[3]!, messages: 1, tokens_est: 1234 })).toBe('history, 1 message: ≈1,234 tok, not cached (est.)');
  });

  it('shares the bar equally when no segment has tokens, and draws nothing for no segments', () => {
    const empty = cacheStripLayout({ ...pc, segments: pc.segments.map((s) => ({ ...s, tokens_est: 0, cached_tokens_est: 0 })) });
    expect(empty.parts.map((p) => p.width)).toEqual([0.2, 0.2, 0.2, 0.2, 0.2]);
    expect(empty.parts.every((p) => p.cached === 0)).toBe(true);
    const none = cacheStripLayout({ ...pc, segments: [], stop: 0 });
    expect(none.parts).toEqual([]);
    expect(none.stopAt).toBeNull();
  });
});

describe('cache summary', () => {
  it("shows the provider's counts and share", () => {
    expect(cacheSummary(pc)).toBe('50% cached · 600 / 1,200 tok');
    expect(cacheSummary({ ...pc, prompt_tokens: 8900, cached_tokens: 8192 })).toBe('92% cached · 8,192 / 8,900 tok');
    expect(cacheSummary({ ...pc, prompt_tokens: 0, cached_tokens: 0, hit_rate: 0 })).toBe('0% cached · 0 / 0 tok');
  });

  it('shows the cost, and what the cache saved in its title; nothing when the model is not priced', () => {
    expect(cacheCostText(pc)).toBe('$0.0005');
    expect(cacheCostText({ ...pc, cost_usd: 0 })).toBe('');
    expect(cacheCostTitle(pc)).toBe("This call cost $0.0005 at the model's prices.");
    expect(cacheCostTitle({ ...pc, cost_usd: 0.42, saved_usd: 0.0311 })).toBe(
      "This call cost $0.42 at the model's prices; reading 600 tok from the cache saved $0.03.",
    );
  });

  it('rates a turn by cached over prompt, none without a prompt', () => {
    expect(hitRate(600, 1200)).toBe(0.5);
    expect(hitRate(0, 0)).toBeNull();
  });

  it('needs a line for the strip, and one more for a break', () => {
    expect(cacheLinesHeight(null)).toBe(0);
    expect(cacheLinesHeight({ ...pc, break: null })).toBe(CACHE_LINE_HEIGHT.strip);
    expect(cacheLinesHeight(pc)).toBe(CACHE_LINE_HEIGHT.strip + CACHE_LINE_HEIGHT.break);
  });
});

describe('cache breaks in words', () => {
  it('names reordered tools, and added / removed / changed ones', () => {
    expect(breakText(brk)).toBe('Cache broke: tools reordered');
    expect(breakText(broke({ causes: ['tools_changed'], tools_added: ['x'], tools_removed: ['y'], tools_changed: ['z'] }))).toBe(
      'Cache broke: tools added: x / removed: y / changed: z',
    );
    expect(breakCauseText(broke({ tools_added: ['a', 'b', 'c', 'd', 'e'], tools_reordered: true }), 'tools_changed')).toBe(
      'tools added: a, b, c +2 more / reordered',
    );
    expect(breakCauseText(broke({}), 'tools_changed')).toBe('tools changed');
  });

  it('names a rewritten history from the first message that differs (counted from 1), and the fork', () => {
    expect(breakCauseText(broke({ from_message: 11, forked_from: 'c_0011aabb' }), 'history_rewritten')).toBe(
      'history rewritten from message 12 (fork of c_0011aabb)',
    );
    expect(breakCauseText(broke({ from_message: null }), 'history_rewritten')).toBe('history rewritten');
  });

  it('names the model and system prompt changes, and idle times', () => {
    expect(breakCauseText(brk, 'model_changed')).toBe('model changed from deepseek-chat');
    expect(breakCauseText(broke({ previous_model: null }), 'model_changed')).toBe('model changed');
    expect(breakCauseText(brk, 'system_changed')).toBe('system prompt changed');
    expect(breakCauseText(broke({ idle_s: 372.2 }), 'expired')).toBe('expired after 6m 12s idle');
    expect(breakCauseText(broke({ idle_s: 40 }), 'evicted')).toBe('evicted after 40s idle');
    expect(breakCauseText(brk, 'quota_reset')).toBe('quota reset'); // a newer node's cause
  });

  it('lists every cause, the named one first', () => {
    const b = broke({ cause: 'model_changed', causes: ['system_changed', 'model_changed'] });
    expect(breakText(b)).toBe('Cache broke: model changed from deepseek-chat; system prompt changed');
  });

  it('shows the cached tokens before and after, and explains itself in its title', () => {
    expect(breakTokensText(brk)).toBe('cached 1,152 → 600 tok');
    const title = breakTitle(broke({ cause: 'evicted', causes: ['evicted'], idle_s: 40 }));
    expect(title).toContain('Cache broke: evicted after 40s idle.');
    expect(title).toContain('the provider dropped it early');
    expect(title).toContain('Previous call: k2x9q0ab.1c (deepseek-chat), 40s before.');
  });
});

describe('prompt cache with a newer segment kind', () => {
  it('labels it by name and does not group it', () => {
    const withImage: PromptCache = {
      ...pc,
      segments: [...pc.segments, { kind: 'image', name: null, messages: null, bytes: 10, tokens_est: 5, hash: 'ab', cached_tokens_est: 0 }],
    };
    const layout = cacheStripLayout(withImage);
    expect(layout.parts.at(-1)!.label).toBe('image: ≈5 tok, not cached (est.)');
    expect(layout.groups.map((g) => g.kind)).toEqual(['tool']);
  });
});
