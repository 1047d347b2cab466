-- The workflow step cache (docs/workflows.md, "The step cache"): an agent()
-- step's result by the SHA-256 of everything that shapes its work and its
-- occurrence among identical calls of its run, with what it read (checked
-- before a hit is taken) and the files it wrote (put back by a hit). Any
-- run, chat or node of the cluster can hit an entry; entries expire and are
-- evicted least recently used first (node options step-cache-ttl and
-- step-cache-max-bytes).
CREATE TABLE step_cache (
  key              text PRIMARY KEY,
  workspace        text NOT NULL,
  -- The run's workflow and the step's structural path: a miss says which
  -- field of the spec changed since that place's last entry.
  workflow         text NOT NULL,
  path             text NOT NULL,
  spec             jsonb NOT NULL,
  result           text NOT NULL,
  input_tokens     bigint NOT NULL DEFAULT 0,
  cached_tokens    bigint NOT NULL DEFAULT 0,
  output_tokens    bigint NOT NULL DEFAULT 0,
  reasoning_tokens bigint NOT NULL DEFAULT 0,
  step_id          text NOT NULL, -- the step that ran (its traces)
  record           jsonb NOT NULL, -- runtime/step_cache/record.hpp
  bytes            bigint NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  used_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX step_cache_place ON step_cache (workspace, workflow, path, used_at DESC);
CREATE INDEX step_cache_used ON step_cache (used_at);

-- A step's cache state: {status: hit|miss|off, reason, key, digest, write,
-- saved, source}; null for a subagent.
ALTER TABLE tasks ADD COLUMN cache jsonb;

-- A run's use of the cache: on (read and write), read, write or off.
ALTER TABLE workflow_runs ADD COLUMN cache_mode text NOT NULL DEFAULT 'on'
  CHECK (cache_mode IN ('on', 'read', 'write', 'off'));

-- A step taken from the cache leaves a trace of kind cache (the step it took,
-- the tokens it saved) instead of its model and tool calls.
ALTER TABLE tool_traces DROP CONSTRAINT tool_traces_kind_check;
ALTER TABLE tool_traces ADD CONSTRAINT tool_traces_kind_check
  CHECK (kind IN ('tool', 'model', 'cache'));
