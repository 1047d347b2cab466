-- Image attachments (docs/api.md, "Attachments"). An image's bytes are stored
-- once, by the SHA-256 of the upload, with the copy a model gets when the
-- original is too large or in a format not every endpoint reads (null: the
-- original is sent) and a thumbnail. Every node of a cluster serves them and
-- sends them to models from here.
CREATE TABLE attachment_blobs (
  sha256           text PRIMARY KEY,
  media_type       text NOT NULL,
  bytes            bigint NOT NULL,
  width            integer NOT NULL,
  height           integer NOT NULL,
  data             bytea NOT NULL,
  model_media_type text,
  model_data       bytea,
  model_width      integer,
  model_height     integer,
  thumb_media_type text NOT NULL,
  thumb_data       bytea NOT NULL,
  -- Set by every upload of these bytes: the sweep leaves a blob alone for a
  -- while after it, so an upload never loses its blob to a sweep between
  -- its two inserts.
  touched_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachment_blobs_touched ON attachment_blobs (touched_at);

-- An upload to a chat. A fork copies its chat's rows under the same ids, so
-- an id may name rows of several chats: whoever may read one of them may
-- read the image. An upload of the same bytes to the same chat gives the
-- same attachment. Rows no message refers to expire (node option
-- attachment-ttl); an archived chat's rows go with it.
CREATE TABLE attachments (
  id            text NOT NULL,
  chat_id       text NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  owner         text NOT NULL,
  sha256        text NOT NULL REFERENCES attachment_blobs (sha256),
  name          text NOT NULL DEFAULT '',
  created_at    timestamptz NOT NULL DEFAULT now(),
  referenced_at timestamptz, -- when a message first referred to it (null: never)
  PRIMARY KEY (id, chat_id),
  UNIQUE (chat_id, sha256)
);
CREATE INDEX attachments_sha256 ON attachments (sha256);
CREATE INDEX attachments_unreferenced ON attachments (created_at) WHERE referenced_at IS NULL;

-- A user message's attachments, in the order given:
-- [{id, sha256, media_type, bytes, width, height, name}].
ALTER TABLE inbox ADD COLUMN attachments jsonb NOT NULL DEFAULT '[]';
ALTER TABLE messages ADD COLUMN attachments jsonb NOT NULL DEFAULT '[]';
