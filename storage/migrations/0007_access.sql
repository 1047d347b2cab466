-- Access control. Every chat belongs to the user who created it ('local' on
-- a node without users, and for chats made before users existed); a user
-- lists and reaches only their own, an admin every chat.
ALTER TABLE chats ADD COLUMN owner text NOT NULL DEFAULT 'local';
CREATE INDEX chats_by_owner ON chats (owner, created_at DESC);

-- Secrets the nodes of a cluster share, made once by the first node that
-- needs one: 'session_key' signs browser sessions, so a cookie a node issued
-- is good on every node.
CREATE TABLE cluster_secrets (
  name text PRIMARY KEY,
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
