-- SQLite twin of sql/ingest/0001_ingest_store.sql (the embedded default): same tables, columns
-- and keys; no partitions (one file, one writer) and timestamps as ISO-8601 UTC text, which sorts.

-- migrate:up
CREATE TABLE message (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    message_key     TEXT    NOT NULL UNIQUE,
    device_ts       TEXT    NOT NULL,
    device_id       TEXT    NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('data', 'status', 'alerts')),
    device_type     TEXT    NOT NULL,
    farm_id         TEXT    NOT NULL,
    msg_id          TEXT    NOT NULL,
    topic           TEXT    NOT NULL,
    received_at     TEXT    NOT NULL,
    stored_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
    payload         TEXT    NOT NULL,
    schema_id       TEXT    NOT NULL,
    odoo_model      TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
    lease_until     TEXT,
    leased_by       TEXT,
    odoo_id         INTEGER,
    last_error      TEXT,
    delivered_at    TEXT
);
CREATE INDEX message_pending ON message (next_attempt_at) WHERE state = 'pending';
CREATE INDEX message_failed ON message (device_id) WHERE state = 'failed';
CREATE INDEX message_device_ts ON message (device_ts);

CREATE TABLE dead_letter (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    stream         TEXT    NOT NULL,
    reason         TEXT    NOT NULL,
    detail         TEXT    NOT NULL,
    body           TEXT    NOT NULL,
    body_truncated INTEGER NOT NULL DEFAULT 0,
    msg_id         TEXT,
    device_id      TEXT,
    topic          TEXT,
    received_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
    state          TEXT    NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'replayed', 'discarded')),
    replay_count   INTEGER NOT NULL DEFAULT 0,
    replayed_at    TEXT
);
CREATE INDEX dead_letter_new ON dead_letter (received_at) WHERE state = 'new';
CREATE INDEX dead_letter_reason ON dead_letter (reason, received_at);

CREATE TABLE device_presence (
    clientid        TEXT    PRIMARY KEY,
    device_id       TEXT,
    username        TEXT,
    connected       INTEGER NOT NULL,
    event_at        TEXT    NOT NULL,
    peerhost        TEXT,
    reason          TEXT,
    node            TEXT,
    updated_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
    lease_until     TEXT,
    leased_by       TEXT,
    last_error      TEXT,
    delivered_at    TEXT
);
CREATE INDEX device_presence_pending ON device_presence (next_attempt_at) WHERE state = 'pending';

-- migrate:down
DROP TABLE device_presence;
DROP TABLE dead_letter;
DROP TABLE message;
