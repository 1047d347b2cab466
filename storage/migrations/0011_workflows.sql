-- Workflow runs (docs/workflows.md). A run is a task of the chat that
-- started it (id "w_…"; a run started over REST is its own chat), so its end
-- notifies that chat once, shows in its Tasks pane and stops with it. Each
-- agent() of the script is a task of the run (id "s_…", kind workflow_step)
-- whose call_id is the call's structural path ("parallel-0/item-2/agent-0"):
-- a replayed script finds a finished step there and takes its result. A
-- nested workflow() is a run whose parent is the run.

-- The kind of actor an id names; leases record it.
CREATE FUNCTION actor_kind_of(id text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE left(id, 2) WHEN 't_' THEN 'subagent' WHEN 'w_' THEN 'workflow'
                          WHEN 's_' THEN 'workflow_step' ELSE 'session' END
$$;

-- A run has a conversation row too (its workspace, owner and permissions,
-- which its steps inherit); max_running bounds its steps running at once.
ALTER TABLE chats DROP CONSTRAINT chats_kind_check;
ALTER TABLE chats ADD CONSTRAINT chats_kind_check
  CHECK (kind IN ('chat', 'subagent', 'workflow', 'workflow_step'));
ALTER TABLE chats ADD COLUMN max_running integer CHECK (max_running > 0);

-- A step's spec hash (SHA-256 of its prompt, options and model): a replay
-- that asks something else at the same path is told so.
ALTER TABLE tasks ADD COLUMN spec_hash text;
-- agent(prompt, { schema }): the step's answer must match it (it is asked
-- again on a mismatch).
ALTER TABLE tasks ADD COLUMN schema jsonb;
-- The phase the script was in when it asked for the step.
ALTER TABLE tasks ADD COLUMN phase text;
-- agent(prompt, { maxTurns }): the model calls the step's turn may make.
ALTER TABLE tasks ADD COLUMN max_turns integer CHECK (max_turns > 0);

CREATE TABLE workflow_runs (
  id         text PRIMARY KEY REFERENCES tasks (id),
  name       text NOT NULL,               -- meta.name
  source     text NOT NULL,               -- the script as started; a replay runs this text
  args       jsonb NOT NULL DEFAULT 'null',
  meta       jsonb NOT NULL,
  budget     bigint CHECK (budget > 0),   -- tokens (input + output) of all steps; null: none
  result     jsonb                        -- the script's return value, once completed
);

-- What a run's script read and wrote besides its steps, by structural path:
-- Date.now() and Math.random() values (a replay reads them back), log lines
-- and phases (written once however often the script is replayed), and the
-- run's warnings (a projected token use past its threshold, a replayed call
-- that asks something else than when it ran).
CREATE TABLE workflow_journal (
  run_id     text NOT NULL REFERENCES workflow_runs (id),
  path       text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('now', 'random', 'log', 'phase', 'warning')),
  value      jsonb NOT NULL,
  phase      text NOT NULL DEFAULT '',
  seq        bigserial,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, path)
);
