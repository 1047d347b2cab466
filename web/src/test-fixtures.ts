// Sample records shared by unit tests (not a test file itself: vitest runs *.test.ts only).
import type { TimelineTurn, Usage } from './protocol/rest';

/** A turn's tokens, as the examples in docs/api.md give them. */
export const sampleUsage: Usage = { prompt: 1834, cache_hit: 1536, cache_miss: 298, cache_write: 0, completion: 142, reasoning: 0 };

/** A finished turn of GET /api/chats/:id/timeline: turn 1, 1.2 s, three tool calls. */
export const finishedTurn: TimelineTurn = {
  turn: 1,
  started_at: '2026-11-24T10:00:00.123Z',
  finished_at: '2026-11-24T10:00:01.357Z',
  duration_ms: 1234,
  outcome: 'completed',
  usage: sampleUsage,
  model_calls: 2,
  tool_calls: 3,
  first_message_id: 17,
  preview: 'Add a test for the parser',
};
