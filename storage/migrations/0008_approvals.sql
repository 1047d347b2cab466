-- Permission modes and approvals. A chat says which tool calls wait for a
-- user's decision (permission_mode: ask, auto-edit, allow), which calls its
-- "Always allow" rules let through (allow_rules: [{"argv_prefix": [...]} or
-- {"path_glob": "..."}]), whether its commands may use the network, and
-- the variables they get.
-- Chats made before keep running as they did (allow).
ALTER TABLE chats ADD COLUMN permission_mode text NOT NULL DEFAULT 'allow'
  CHECK (permission_mode IN ('ask', 'auto-edit', 'allow'));
ALTER TABLE chats ADD COLUMN allow_rules jsonb NOT NULL DEFAULT '[]';
ALTER TABLE chats ADD COLUMN network boolean NOT NULL DEFAULT false;
-- The chat's own variables, {"NAME": "value"}, added to its commands' fixed environment.
ALTER TABLE chats ADD COLUMN env jsonb NOT NULL DEFAULT '{}';

-- A tool call waiting for a decision is journaled in its turn (kind
-- 'approval', payload {id, call_id, tool, arguments, reason}); its answer
-- comes through the inbox (kind 'approval_answer', content {id, decision,
-- note, user}, taken by the waiting turn), at most one per approval.
ALTER TABLE turn_journal DROP CONSTRAINT turn_journal_kind_check;
ALTER TABLE turn_journal ADD CONSTRAINT turn_journal_kind_check
  CHECK (kind IN ('start', 'message', 'intent', 'build', 'approval'));
CREATE UNIQUE INDEX inbox_one_answer ON inbox (actor_id, ((content::jsonb) ->> 'id'))
  WHERE kind = 'approval_answer';
