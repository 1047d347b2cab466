-- A cluster (docs/cluster.md): nodes sharing this database. Each node registers
-- with the address the others reach it on (CAF) and heartbeats; a node whose
-- heartbeat lapses is declared 'dead' by a survivor, which (with the others)
-- claims its leases.
ALTER TABLE nodes
  ADD COLUMN cluster          text NOT NULL DEFAULT 'default',
  ADD COLUMN cluster_address  text NOT NULL DEFAULT '',
  ADD COLUMN admin_address    text NOT NULL DEFAULT '';
ALTER TABLE nodes DROP CONSTRAINT nodes_state_check;
ALTER TABLE nodes ADD CONSTRAINT nodes_state_check
  CHECK (state IN ('up', 'draining', 'stopped', 'dead'));

-- What kind of actor a lease is for (today: a chat's 'session'). A lease whose
-- node_id names no live node ('' after its node released it) is free to claim.
ALTER TABLE actor_leases ADD COLUMN kind text NOT NULL DEFAULT 'session';
CREATE INDEX actor_leases_node ON actor_leases (node_id);

-- Every chat has a lease row from now on (placed when it is created); older
-- chats without one get a free one, so a starting node takes them over (and
-- resumes those with work) like any other.
INSERT INTO actor_leases (actor_id, node_id, epoch)
  SELECT id, '', 0 FROM chats WHERE NOT EXISTS
    (SELECT 1 FROM actor_leases WHERE actor_leases.actor_id = chats.id);
