-- A subagent keeps its conversation the way a chat does (messages, inbox,
-- journal, snapshots, timeline, traces: all keyed by actor id), so each task
-- has a chats row of kind 'subagent' under the task's id, pointing at the
-- chat it works for. Chat lists show only kind 'chat'.
ALTER TABLE chats ADD COLUMN kind text NOT NULL DEFAULT 'chat'
  CHECK (kind IN ('chat', 'subagent'));
ALTER TABLE chats ADD COLUMN parent_chat text REFERENCES chats (id);

DROP INDEX chats_live_newest;
CREATE INDEX chats_live_newest ON chats (created_at DESC, id DESC)
  WHERE archived_at IS NULL AND kind = 'chat';

-- A notification's inbox entry names its task in client_id ('task:' || id),
-- which the unique index on (actor_id, client_id) keeps to one per task.
