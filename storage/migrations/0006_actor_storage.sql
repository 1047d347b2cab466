-- Storage keyed by actor, not by chat: the inbox, the turn journal and the
-- snapshots serve every kind of actor (a chat's session today; subagents and
-- workflow steps next), each named by its actor_id as its lease is
-- (actor_leases). An actor that is no chat has no chats row, so these tables
-- no longer point at chats. An inbox entry says what it is: a user's message,
-- a notification (a subagent's result) or an approval's answer.
ALTER TABLE inbox DROP CONSTRAINT inbox_chat_id_fkey;
ALTER TABLE inbox RENAME COLUMN chat_id TO actor_id;
ALTER TABLE inbox ADD COLUMN kind text NOT NULL DEFAULT 'user_message'
  CHECK (kind IN ('user_message', 'notification', 'approval_answer'));

ALTER TABLE turn_journal DROP CONSTRAINT turn_journal_chat_id_fkey;
ALTER TABLE turn_journal RENAME COLUMN chat_id TO actor_id;

ALTER TABLE agent_snapshots DROP CONSTRAINT agent_snapshots_chat_id_fkey;
ALTER TABLE agent_snapshots RENAME COLUMN chat_id TO actor_id;
