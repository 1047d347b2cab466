// The chat header's prompt-cache figures (pure, unit-tested): what GET /api/chats/:id/usage's
// `total` line shows there, and which frames make the page ask for it again.

import { formatCount, formatPercent, formatUsd } from './format';
import type { ServerFrame } from './protocol/frames';
import { taskEnded } from './protocol/tasks';
import type { UsageLine } from './protocol/usage';
import { formatTokens } from './traces';

/** After a frame that changes the figures, wait this long for more before asking: a turn's end
 * and its subagents' ends often come together. */
export const USAGE_REFRESH_DEBOUNCE_MS = 400;

export interface HeaderUsageView {
  /** "71% cached" */
  hitRate: string;
  /** "18k tok saved" */
  saved: string;
  /** "$0.0037"; null when the model's prices are not known (the node says 0). */
  cost: string | null;
  /** Everything, for the tooltip. */
  title: string;
  rate: number;
}

/** The header's figures for the chat's `total` line; null before its first model call. */
export function headerUsageView(line: UsageLine | null): HeaderUsageView | null {
  if (!line || line.model_calls === 0) return null;
  const u = line.usage;
  const rate = u.prompt > 0 ? Math.min(1, u.cache_hit / u.prompt) : line.hit_rate;
  const calls = line.model_calls === 1 ? '1 model call' : `${formatCount(line.model_calls)} model calls`;
  const title = [
    `This chat and the subagents and workflow steps it started: ${calls}.`,
    `Prompt ${formatCount(u.prompt)} tok, ${formatCount(u.cache_hit)} of them from the prompt cache (${formatPercent(rate)}).`,
    line.cost_usd > 0
      ? `Cost ${formatUsd(line.cost_usd)}; the cache saved ${formatUsd(line.saved_usd)}.`
      : 'Cost not known: no prices for this model.',
    line.cache_breaks === 0
      ? 'The cache never broke.'
      : `The cache broke ${line.cache_breaks === 1 ? 'once' : `${formatCount(line.cache_breaks)} times`} (see Traces).`,
  ].join('\n');
  return {
    hitRate: `${formatPercent(rate)} cached`,
    saved: `${formatTokens(u.cache_hit)} tok saved`,
    cost: line.cost_usd > 0 ? formatUsd(line.cost_usd) : null,
    title,
    rate,
  };
}

/**
 * Whether `frame` changes the open chat's usage: its turn ended, one of its subagents or workflow
 * runs ended, or a full snapshot (after a reconnect or restart) may follow missed ones. Never a
 * token's delta.
 */
export function usageChanged(frame: ServerFrame, chatId: string | null): boolean {
  if (!chatId || !('chat_id' in frame) || frame.chat_id !== chatId) return false;
  switch (frame.type) {
    case 'turn_end':
      return true;
    case 'snapshot':
      return !frame.resumed;
    case 'task_update':
      return taskEnded(frame.task);
    default:
      return false;
  }
}
