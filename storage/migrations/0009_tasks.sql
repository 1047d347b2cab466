-- Background subagents ("tasks"). A row is written before its subagent
-- starts: which agent spawned it (a chat, or a task when nesting is on) with
-- which turn and tool call, what it was asked, its state, its result, what
-- it used and cost, and which node runs it. A replayed spawn (the parent's
-- turn resumed after a crash) finds its row by (parent, turn, call) instead
-- of writing a second.
CREATE TABLE tasks (
  id               text PRIMARY KEY,               -- "t_" + 16 hex digits
  chat_id          text NOT NULL REFERENCES chats (id),  -- the chat it works for
  parent_actor     text NOT NULL,                  -- the chat, or the task that spawned it
  parent_turn      integer NOT NULL,
  call_id          text NOT NULL,
  depth            integer NOT NULL DEFAULT 1 CHECK (depth >= 1),
  description      text NOT NULL,
  prompt           text NOT NULL,
  tools            jsonb,                          -- a subset of the chat's tools; null: all
  model            text,                           -- null: the chat's model
  worktree         boolean NOT NULL DEFAULT false,
  worktree_path    text,
  branch           text,
  state            text NOT NULL DEFAULT 'queued'
                   CHECK (state IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
  result           text,
  error            text,
  input_tokens     bigint NOT NULL DEFAULT 0,
  cached_tokens    bigint NOT NULL DEFAULT 0,
  output_tokens    bigint NOT NULL DEFAULT 0,
  reasoning_tokens bigint NOT NULL DEFAULT 0,
  cost_usd         double precision NOT NULL DEFAULT 0,
  owner_node       text,                           -- the node that started it
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  ended_at         timestamptz,
  UNIQUE (parent_actor, parent_turn, call_id)
);

-- A chat's tasks, oldest first.
CREATE INDEX tasks_by_chat ON tasks (chat_id, created_at, id);
-- The children of a task (a stop cascades).
CREATE INDEX tasks_by_parent ON tasks (parent_actor);
-- Tasks not ended: the limits count them, and queued ones start in order.
CREATE INDEX tasks_live ON tasks (created_at, id) WHERE state IN ('queued', 'running');
