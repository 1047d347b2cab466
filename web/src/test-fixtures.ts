// Sample records shared by unit tests (not a test file itself: vitest runs *.test.ts only).
import type { PromptCache } from './protocol/promptCache';
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

/**
 * A model call's prompt cache, as tests/contract/frames/model_trace_finish.json has it: two
 * tools and most of the system prompt cached, the history and new messages not; the cache broke
 * because the tools were reordered.
 */
export const samplePromptCache: PromptCache = {
  segments: [
    { kind: 'tool', name: 'read_file', messages: null, bytes: 412, tokens_est: 103, hash: '1f2e3d4c5b6a7988', cached_tokens_est: 103 },
    { kind: 'tool', name: 'run_command', messages: null, bytes: 530, tokens_est: 133, hash: '0a1b2c3d4e5f6071', cached_tokens_est: 133 },
    { kind: 'system', name: null, messages: null, bytes: 1800, tokens_est: 450, hash: '7766554433221100', cached_tokens_est: 364 },
    { kind: 'history', name: null, messages: 4, bytes: 2000, tokens_est: 500, hash: '0123456789abcdef', cached_tokens_est: 0 },
    { kind: 'new', name: null, messages: 2, bytes: 58, tokens_est: 15, hash: 'fedcba9876543210', cached_tokens_est: 0 },
  ],
  stop: 2,
  prompt_tokens: 1200,
  cached_tokens: 600,
  cache_write_tokens: 0,
  hit_rate: 0.5,
  cost_usd: 0.000513,
  saved_usd: 0,
  break: {
    cause: 'tools_changed',
    causes: ['tools_changed'],
    previous_cached_tokens: 1152,
    cached_tokens: 600,
    previous_call: 'k2x9q0ab.1c',
    previous_model: 'deepseek-chat',
    tools_added: [],
    tools_removed: [],
    tools_changed: [],
    tools_reordered: true,
    from_message: null,
    forked_from: null,
    idle_s: 42.5,
  },
};
