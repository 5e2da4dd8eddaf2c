"""From a decoded body to a durable row: the part of ingest shared by the views and replay.

``accept`` binds the body for its stream and stores it; it returns the answer's JSON fields or
raises ``Rejected`` (keep as a dead letter), ``Unavailable`` / ``StoreUnavailable`` (retry later).
"""
import json

from webhooks.binding import bind
from webhooks.errors import Rejected, Unavailable
from webhooks.presence import bind_presence
from webhooks.store import StoreRejected


def decode_body(body):
    """The request body as JSON. Strict UTF-8 first: json.loads(bytes) would let invalid bytes
    through as lone surrogates, which no database can store."""
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise Rejected("invalid_json", str(exc)[:300]) from None


def accept(store, settings, stream, decoded):
    if stream == "presence":
        return _presence(store, decoded)
    message = bind(decoded, stream, settings)
    if settings.outbox_limit and store.pending_count(settings.outbox_limit) >= settings.outbox_limit:
        raise Unavailable("outbox_full", "the outbox is over its limit; Odoo is behind")
    try:
        inserted = store.insert_message(message)
    except StoreRejected as exc:
        raise Rejected("unstorable", str(exc)[:300]) from None
    return {"status": "accepted" if inserted else "duplicate", "message_key": message.message_key,
            "msg_id": message.msg_id}


def _presence(store, decoded):
    event = bind_presence(decoded)
    if event.superseded:
        return {"status": "accepted", "applied": False, "detail": "superseded by a newer connection"}
    try:
        applied = store.apply_presence(event)
    except StoreRejected as exc:
        raise Rejected("unstorable", str(exc)[:300]) from None
    return {"status": "accepted", "applied": applied}
