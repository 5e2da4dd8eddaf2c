"""Writing a batch of accepted messages and rejected bodies (dead letters) in one transaction.

PostgreSQL: one statement for the whole batch. Each list travels as one JSON text (json.dumps is C;
adapting many Python lists is not) and is unpacked server-side by ``json_to_recordset``; the text
does not depend on the batch size, so it stays prepared. Dead-letter ids are drawn in the array's
order (WITH ORDINALITY) so each rejected request gets its own id back, whatever order the rows come
out in. A batch with no dead letters (the usual case) or no messages runs only its half: the other
costs PostgreSQL time per commit. SQLite: one INSERT per item inside one transaction.
"""
import json
from dataclasses import dataclass

from webhooks.store import queries


@dataclass(frozen=True)
class DeadLetter:
    """A rejected body on its way to the ``dead_letter`` table."""
    stream: str
    reason: str
    detail: str
    body: str
    truncated: bool
    msg_id: str = None
    device_id: str = None
    topic: str = None


_NEW_MESSAGES = """
new_message AS (
    INSERT INTO message (message_key, device_ts, device_id, kind, device_type, farm_id, msg_id, topic,
                         received_at, stored_at, payload, schema_id, odoo_model, next_attempt_at)
    SELECT message_key, device_ts, device_id, kind, device_type, farm_id, msg_id, topic, received_at,
           %(now)s, payload::jsonb, schema_id, odoo_model, %(now)s
    FROM json_to_recordset(%(messages)s::json)
         AS incoming(message_key text, device_ts timestamptz, device_id text, kind text, device_type text,
                     farm_id text, msg_id text, topic text, received_at timestamptz, payload text,
                     schema_id text, odoo_model text)
    ON CONFLICT DO NOTHING
    RETURNING message_key
)"""
_NEW_DEAD_LETTERS = """
rejected AS MATERIALIZED (
    SELECT nextval(pg_get_serial_sequence('dead_letter', 'id')) AS id, numbered.*
    FROM ROWS FROM (json_to_recordset(%(dead)s::json)
                    AS (stream text, reason text, detail text, body text, truncated boolean, msg_id text,
                        device_id text, topic text))
         WITH ORDINALITY AS numbered(stream, reason, detail, body, truncated, msg_id, device_id, topic, position)
), new_dead_letter AS (
    INSERT INTO dead_letter (id, stream, reason, detail, body, body_truncated, msg_id, device_id, topic,
                             received_at)
    SELECT id, stream, reason, detail, body, truncated, msg_id, device_id, topic, %(now)s FROM rejected
)"""
# Each answer row: (message_key of a new message, or NULL; position of a dead letter; its id)
_MESSAGE_ANSWERS = "SELECT message_key, NULL::bigint, NULL::bigint FROM new_message"
_DEAD_LETTER_ANSWERS = "SELECT NULL::text, position, id FROM rejected"
# (any messages, any dead letters) -> the statement
STATEMENTS = {
    (True, False): f"WITH {_NEW_MESSAGES}\n{_MESSAGE_ANSWERS}",
    (False, True): f"WITH {_NEW_DEAD_LETTERS}\n{_DEAD_LETTER_ANSWERS}",
    (True, True): f"WITH {_NEW_MESSAGES},{_NEW_DEAD_LETTERS}\n{_MESSAGE_ANSWERS}\nUNION ALL\n{_DEAD_LETTER_ANSWERS}",
}


def write(session, items):
    """PostgreSQL: the whole batch in one autocommit statement."""
    messages = [m for m in items if not isinstance(m, DeadLetter)]
    letters = [d for d in items if isinstance(d, DeadLetter)]
    params = {"now": queries.utcnow()}
    if messages:
        params["messages"] = json.dumps([_message_record(m) for m in messages], ensure_ascii=False)
    if letters:
        params["dead"] = json.dumps([_dead_letter_record(d) for d in letters], ensure_ascii=False)
    inserted, dead_ids = set(), {}
    for key, position, dead_id in session.all(STATEMENTS[bool(messages), bool(letters)], params):
        if key is not None:
            inserted.add(key)
        else:
            dead_ids[position] = dead_id
    results, position = [], 0
    for item in items:
        if isinstance(item, DeadLetter):
            position += 1
            results.append(dead_ids[position])
        else:  # two copies of one key in a batch: the first is new, the second a duplicate
            results.append(item.message_key in inserted)
            inserted.discard(item.message_key)
    return results


def write_each(session, items):
    """SQLite: one INSERT per item, inside the caller's transaction."""
    now = queries.utcnow()
    results = []
    for item in items:
        if isinstance(item, DeadLetter):
            results.append(session.one(queries.INSERT_DEAD_LETTER, (
                item.stream, item.reason, item.detail, item.body, item.truncated, item.msg_id, item.device_id,
                item.topic, now))[0])
        else:
            results.append(session.one(queries.INSERT_MESSAGE, (
                item.message_key, item.device_ts, item.device_id, item.kind, item.device_type, item.farm_id,
                item.msg_id, item.topic, item.received_at, now, item.payload_text, item.schema_id, item.odoo_model,
                now)) is not None)
    return results


def _message_record(m):
    return {"message_key": m.message_key, "device_ts": m.device_ts.isoformat(), "device_id": m.device_id,
            "kind": m.kind, "device_type": m.device_type, "farm_id": m.farm_id, "msg_id": m.msg_id, "topic": m.topic,
            "received_at": m.received_at.isoformat(), "payload": m.payload_text, "schema_id": m.schema_id,
            "odoo_model": m.odoo_model}


def _dead_letter_record(d):
    return {"stream": d.stream, "reason": d.reason, "detail": d.detail, "body": d.body, "truncated": d.truncated,
            "msg_id": d.msg_id, "device_id": d.device_id, "topic": d.topic}
