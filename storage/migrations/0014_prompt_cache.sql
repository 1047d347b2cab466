-- Prompt-cache telemetry (docs/api.md, "Prompt cache"). A model call's trace
-- keeps its cache shape and break (`prompt_cache`) and the hashes of the
-- conversation's messages it sent (8 hex digits each), so an agent's next
-- call can be compared with it after a restart, and a fork's first call
-- with the last call of the chat it was forked from.
ALTER TABLE tool_traces ADD COLUMN prompt_cache jsonb, ADD COLUMN message_hashes text;

-- An agent's last model call.
CREATE INDEX tool_traces_actor_model ON tool_traces (actor_id, seq) WHERE kind = 'model';

-- The chat a fork was made from.
ALTER TABLE chats ADD COLUMN forked_from text;
