// REST call for what a chat's model calls used and cost (docs/api.md,
// "GET /api/chats/:id/usage"). Throws an ApiError with the node's own code and message, or a
// ProtocolError for a bad 2xx body.

import { requestJson, type FetchOptions } from './http';
import { parseUsageSummary, type UsageSummary } from './protocol/usage';

export function usagePath(chatId: string): string {
  return `/api/chats/${encodeURIComponent(chatId)}/usage`;
}

/** GET /api/chats/:id/usage. */
export async function fetchUsageSummary(chatId: string, opts: FetchOptions = {}): Promise<UsageSummary> {
  return parseUsageSummary(await requestJson('GET', usagePath(chatId), opts));
}
