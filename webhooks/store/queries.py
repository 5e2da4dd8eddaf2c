"""SQL of the ingest path, written once with ``%s`` placeholders (the dialect derives SQLite's ``?``)."""
import time
from datetime import datetime, timezone

# SQLite's message write (PostgreSQL writes every batch with batch.STATEMENTS).
INSERT_MESSAGE = """
INSERT INTO message (message_key, device_ts, device_id, kind, device_type, farm_id, msg_id, topic,
                     received_at, stored_at, payload, schema_id, odoo_model, next_attempt_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT DO NOTHING
RETURNING id
"""

INSERT_DEAD_LETTER = """
INSERT INTO dead_letter (stream, reason, detail, body, body_truncated, msg_id, device_id, topic, received_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
RETURNING id
"""

# EMQX reorders connected/disconnected: apply an event only if it is newer than the row's.
UPSERT_PRESENCE = """
INSERT INTO device_presence (clientid, device_id, username, connected, event_at, peerhost, reason, node,
                             updated_at, state, attempts, next_attempt_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'pending', 0, %s)
ON CONFLICT (clientid) DO UPDATE SET
    device_id = excluded.device_id, username = excluded.username, connected = excluded.connected,
    event_at = excluded.event_at, peerhost = excluded.peerhost, reason = excluded.reason,
    node = excluded.node, updated_at = excluded.updated_at, state = 'pending', attempts = 0,
    next_attempt_at = excluded.next_attempt_at, last_error = NULL
WHERE device_presence.event_at < excluded.event_at
RETURNING clientid
"""


DEAD_LETTERS = """
SELECT id, stream, reason, detail, body, body_truncated, msg_id, device_id, topic, received_at, state,
       replay_count
FROM dead_letter
WHERE state = %s {filters}
ORDER BY id
LIMIT %s
"""

MARK_REPLAYED = """
UPDATE dead_letter SET state = 'replayed', replay_count = replay_count + 1, replayed_at = %s WHERE id = %s
"""

MARK_RETRIED = """
UPDATE dead_letter SET reason = %s, detail = %s, replay_count = replay_count + 1, replayed_at = %s WHERE id = %s
"""


def utcnow():
    return datetime.fromtimestamp(time.time(), timezone.utc)
