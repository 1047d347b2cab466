-- The nodes of a cluster: each registers at start and heartbeats while alive.
CREATE TABLE nodes (
  id            text PRIMARY KEY,
  http_address  text NOT NULL,
  version       text NOT NULL,
  pid           integer NOT NULL,
  started_at    timestamptz NOT NULL DEFAULT now(),
  heartbeat_at  timestamptz NOT NULL DEFAULT now(),
  state         text NOT NULL DEFAULT 'up' CHECK (state IN ('up', 'draining', 'stopped'))
);
