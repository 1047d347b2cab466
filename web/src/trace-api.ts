// REST call for a chat's traces (docs/api.md, "GET /api/chats/:id/traces"). Throws an
// ApiError with the node's own code and message, or a ProtocolError for a bad 2xx body.

import { requestJson, type FetchOptions } from './http';
import { parseTracePage, type TraceOutcome, type TracePage } from './protocol/traces';

export interface TraceQuery {
  /** 1..500; the node's default is 50. */
  limit?: number;
  /** next_cursor of the previous page, sent back as it came; absent for the first page. */
  cursor?: string | null;
  /** Only this tool (`model` for model calls, `build` for the auto-fix build). */
  tool?: string;
  outcome?: TraceOutcome;
}

/** The request path for a page of the chat's traces. */
export function tracesPath(chatId: string, query: TraceQuery = {}): string {
  const params = new URLSearchParams();
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  if (query.cursor !== undefined && query.cursor !== null) params.set('cursor', query.cursor);
  if (query.tool !== undefined) params.set('tool', query.tool);
  if (query.outcome !== undefined) params.set('outcome', query.outcome);
  const qs = params.toString();
  return `/api/chats/${encodeURIComponent(chatId)}/traces${qs ? `?${qs}` : ''}`;
}

/** GET /api/chats/:id/traces -> one page, oldest first. */
export async function fetchTraces(chatId: string, query: TraceQuery = {}, opts: FetchOptions = {}): Promise<TracePage> {
  return parseTracePage(await requestJson('GET', tracesPath(chatId, query), opts));
}
