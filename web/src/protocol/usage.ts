// What a chat's model calls used and cost (docs/api.md, "GET /api/chats/:id/usage"): summed
// from their traces, by turn, by subagent and by workflow run. tests/contract/rest/
// usage_summary.json holds what the node writes.

import { ProtocolError, isObject, requireInt, requireNumber, requireString, type JsonObject } from './fields';
import { parseUsage, type Usage } from './rest';

/** Some model calls, summed. */
export interface UsageLine {
  model_calls: number;
  usage: Usage;
  /** usage.cache_hit / usage.prompt, 0..1 (0 without a prompt). */
  hit_rate: number;
  /** Calls whose prompt cache broke. */
  cache_breaks: number;
  /** 0 when the model's prices are not known. */
  cost_usd: number;
  /** What the cached tokens would have cost more at the input price. */
  saved_usd: number;
}

export interface UsageSummary {
  chat_id: string;
  /** The chat's calls and those of every subagent and workflow step it started. */
  total: UsageLine;
  /** The chat's own calls. */
  own: UsageLine;
  /** The chat's own calls, by turn (ascending). */
  turns: (UsageLine & { turn: number })[];
  /** By task id. */
  subagents: (UsageLine & { id: string })[];
  /** By run id: its steps' calls. */
  workflow_runs: (UsageLine & { id: string })[];
}

export function parseUsageLine(data: unknown, what: string): UsageLine {
  if (!isObject(data)) throw new ProtocolError(`${what}: must be a JSON object`);
  const hitRate = requireNumber(data, 'hit_rate', what);
  if (hitRate > 1) throw new ProtocolError(`${what}: field "hit_rate" must be between 0 and 1`);
  return {
    model_calls: requireInt(data, 'model_calls', what),
    usage: parseUsage(data, what),
    hit_rate: hitRate,
    cache_breaks: requireInt(data, 'cache_breaks', what),
    cost_usd: requireNumber(data, 'cost_usd', what),
    saved_usd: requireNumber(data, 'saved_usd', what),
  };
}

function lines<K extends string, V>(
  data: JsonObject,
  field: string,
  key: K,
  readKey: (item: JsonObject, what: string) => V,
): (UsageLine & Record<K, V>)[] {
  const list = data[field];
  if (!Array.isArray(list)) throw new ProtocolError(`usage: field "${field}" must be an array`);
  return list.map((item, i) => {
    const what = `usage.${field}[${i}]`;
    const line = parseUsageLine(item, what);
    return { ...line, [key]: readKey(item as JsonObject, what) } as UsageLine & Record<K, V>;
  });
}

/** Validates GET /api/chats/:id/usage. */
export function parseUsageSummary(data: unknown): UsageSummary {
  if (!isObject(data)) throw new ProtocolError('usage: body must be a JSON object');
  return {
    chat_id: requireString(data, 'chat_id', 'usage'),
    total: parseUsageLine(data.total, 'usage.total'),
    own: parseUsageLine(data.own, 'usage.own'),
    turns: lines(data, 'turns', 'turn', (item, what) => requireInt(item, 'turn', what, 1)),
    subagents: lines(data, 'subagents', 'id', (item, what) => requireString(item, 'id', what)),
    workflow_runs: lines(data, 'workflow_runs', 'id', (item, what) => requireString(item, 'id', what)),
  };
}
