-- Every traced call: tool calls, auto-fix builds and model calls (kind), written in
-- batches by the trace writer after the call ended. `seq` orders rows as they were
-- written and is the keyset of GET /api/chats/:id/traces; `id` is the trace id the
-- live frames carry, made by the node before the row exists.
CREATE TABLE tool_traces (
  seq               bigserial PRIMARY KEY,
  id                text NOT NULL UNIQUE,
  chat_id           text NOT NULL REFERENCES chats (id),
  turn_number       integer NOT NULL,
  kind              text NOT NULL CHECK (kind IN ('tool', 'model')),
  tool_name         text NOT NULL,                 -- the tool, 'build', or 'model'
  call_id           text NOT NULL DEFAULT '',      -- the model's id for a tool call
  actor_kind        text NOT NULL,                 -- session, workflow_step, subagent
  actor_id          text NOT NULL,
  parent_id         text,                          -- the trace that started the actor
  input             jsonb NOT NULL,
  output            text NOT NULL DEFAULT '',      -- at most 16 KiB, cut with a marker
  started_at        timestamptz NOT NULL,
  finished_at       timestamptz NOT NULL,
  latency_ms        double precision NOT NULL,
  outcome           text NOT NULL
                    CHECK (outcome IN ('ok', 'error', 'timeout', 'cancelled', 'interrupted', 'denied')),
  error             text,
  exit_code         integer,
  tokens_used       bigint NOT NULL DEFAULT 0,     -- model: prompt + completion; tool: estimated output tokens
  cache_tokens      bigint NOT NULL DEFAULT 0,     -- model: prompt tokens served from the cache
  reasoning_tokens  bigint NOT NULL DEFAULT 0,     -- model: completion tokens spent reasoning
  -- Model calls only:
  model             text,
  ttft_ms           double precision,              -- time to the first streamed token
  usage             jsonb,                         -- model::to_json(token_usage)
  finish_reason     text,
  attempts          integer
);

-- A chat's traces in write order (the API's pages), optionally by tool or outcome.
CREATE INDEX tool_traces_chat ON tool_traces (chat_id, seq);
CREATE INDEX tool_traces_chat_tool ON tool_traces (chat_id, tool_name, seq);
CREATE INDEX tool_traces_chat_outcome ON tool_traces (chat_id, outcome, seq);
