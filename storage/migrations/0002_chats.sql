-- Chats and their messages. A chat is one conversation on a workspace folder,
-- run by one session actor; messages are appended, never rewritten.
CREATE TABLE chats (
  id             text PRIMARY KEY,
  workspace      text NOT NULL,
  title          text NOT NULL,
  build_command  jsonb,                          -- argv array, or null for none
  created_at     timestamptz NOT NULL DEFAULT now(),
  archived_at    timestamptz,                    -- null while the chat is live
  last_seq       bigint NOT NULL DEFAULT 0,      -- last WebSocket frame seq sent
  turns          integer NOT NULL DEFAULT 0      -- turns started so far
);

-- GET /api/chats: live chats, newest first.
CREATE INDEX chats_live_newest ON chats (created_at DESC, id DESC) WHERE archived_at IS NULL;

CREATE TABLE messages (
  id            bigserial PRIMARY KEY,
  chat_id       text NOT NULL REFERENCES chats (id),
  role          text NOT NULL CHECK (role IN ('user', 'assistant', 'tool')),
  content       text NOT NULL DEFAULT '',
  reasoning     text NOT NULL DEFAULT '',
  tool_calls    jsonb NOT NULL DEFAULT '[]',     -- assistant: [{id, name, arguments}]
  tool_call_id  text NOT NULL DEFAULT '',        -- tool: the call it answers
  tool_name     text NOT NULL DEFAULT '',
  outcome       text NOT NULL DEFAULT '',        -- tool: ok, error, timeout, cancelled
  exit_code     integer,
  duration_ms   bigint,
  turn          integer,                         -- null: a user message no turn has taken yet
  client_id     text,                            -- user: the client's id, for dedupe
  usage         jsonb,                           -- assistant: model::to_json(token_usage)
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- A client_id is stored at most once per chat (a resent message is a duplicate).
CREATE UNIQUE INDEX messages_client_id ON messages (chat_id, client_id) WHERE client_id IS NOT NULL;

-- A chat's messages in id order.
CREATE INDEX messages_chat_id ON messages (chat_id, id);

-- A chat's pending user messages (the inbox): those no turn has taken yet.
CREATE INDEX messages_pending ON messages (chat_id, id) WHERE turn IS NULL;
