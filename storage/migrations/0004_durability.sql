-- The durability contract (docs/durability.md): leases fence every write of a
-- chat's owner; user messages wait in the inbox until a turn's checkpoint moves
-- them into messages; a running turn journals each finished step; the
-- checkpoint at the turn's end appends the turn's messages, upserts the
-- session's snapshot, marks the inbox and drops the turn's journal, in one
-- transaction.

-- Who owns an actor (a chat's session: actor_id = chat id) and since when. Every
-- owner write checks its epoch here; taking the actor over bumps it.
CREATE TABLE actor_leases (
  actor_id     text PRIMARY KEY,
  node_id      text NOT NULL,
  epoch        bigint NOT NULL,
  acquired_at  timestamptz NOT NULL DEFAULT now()
);

-- Acknowledged user messages. Ids come from the messages' sequence: a message
-- keeps its id when its turn's checkpoint copies it into messages.
CREATE TABLE inbox (
  id            bigint PRIMARY KEY DEFAULT nextval('messages_id_seq'),
  chat_id       text NOT NULL REFERENCES chats (id),
  content       text NOT NULL,
  client_id     text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  taken_turn    integer,        -- the turn that took it (null: waiting)
  consumed_at   timestamptz     -- set by that turn's checkpoint
);

CREATE UNIQUE INDEX inbox_client_id ON inbox (chat_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX inbox_unconsumed ON inbox (chat_id, id) WHERE consumed_at IS NULL;

-- The finished steps of a turn in progress. step names the step ("r2": the
-- second model reply, "t2.0": its first tool call, "b2": the build after it);
-- kind is message (payload: a messages row as JSON, id allocated),
-- intent (payload: the tool call, written before it starts) or build
-- (payload: the build's result). A turn's rows go at its checkpoint.
CREATE TABLE turn_journal (
  pos          bigserial PRIMARY KEY,
  chat_id      text NOT NULL REFERENCES chats (id),
  turn         integer NOT NULL,
  step         text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('start', 'message', 'intent', 'build')),
  payload      jsonb NOT NULL,
  epoch        bigint NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (chat_id, turn, step, kind)
);

-- One row per chat: its session's state and unconsumed mailbox at the last
-- turn boundary.
CREATE TABLE agent_snapshots (
  chat_id      text PRIMARY KEY REFERENCES chats (id),
  turn         integer NOT NULL,
  state        jsonb NOT NULL,
  mailbox      jsonb NOT NULL,
  node_id      text NOT NULL,
  epoch        bigint NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per finished turn, written by its checkpoint: the chat's timeline.
CREATE TABLE chat_turns (
  chat_id      text NOT NULL REFERENCES chats (id),
  turn         integer NOT NULL,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz NOT NULL,
  outcome      text NOT NULL,                  -- completed, cancelled, error
  error        text NOT NULL DEFAULT '',
  usage        jsonb NOT NULL,
  model_calls  integer NOT NULL,
  tool_calls   integer NOT NULL,
  PRIMARY KEY (chat_id, turn)
);

-- Turns that finished before this migration get their timeline rows (how they
-- ended was not stored: they read as completed).
INSERT INTO chat_turns (chat_id, turn, started_at, finished_at, outcome, usage, model_calls,
                        tool_calls)
  SELECT chat_id, turn, min(created_at), max(created_at), 'completed',
         jsonb_build_object(
           'prompt', coalesce(sum((usage->>'prompt')::bigint), 0),
           'cache_hit', coalesce(sum((usage->>'cache_hit')::bigint), 0),
           'cache_miss', coalesce(sum((usage->>'cache_miss')::bigint), 0),
           'cache_write', coalesce(sum((usage->>'cache_write')::bigint), 0),
           'completion', coalesce(sum((usage->>'completion')::bigint), 0),
           'reasoning', coalesce(sum((usage->>'reasoning')::bigint), 0)),
         count(*) FILTER (WHERE role = 'assistant'), count(*) FILTER (WHERE role = 'tool')
  FROM messages WHERE turn IS NOT NULL GROUP BY chat_id, turn;

-- Messages waiting before this migration move to the inbox.
INSERT INTO inbox (id, chat_id, content, client_id, created_at)
  SELECT id, chat_id, content, client_id, created_at FROM messages WHERE turn IS NULL;
DELETE FROM messages WHERE turn IS NULL;
DROP INDEX messages_pending;

-- History in turn order (a message sent during a turn belongs to the next one).
DROP INDEX messages_chat_id;
CREATE INDEX messages_chat_turn ON messages (chat_id, turn, id);
