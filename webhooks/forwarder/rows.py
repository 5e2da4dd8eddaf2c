"""Outbox rows as plain dicts, the same on both stores.

PostgreSQL hands back aware datetimes and jsonb as dicts; SQLite hands back ISO-8601 text and a
JSON string. The mapping in ``odoo_connector.mapping`` wants the former, so SQLite rows are
decoded here. Each row also gets ``_key``: the values that identify it in the UPDATEs that mark it
(on PostgreSQL the primary key with ``device_ts``, so the partition is pruned; the presence key
carries the claimed ``event_at`` exactly as stored, so a newer event is never marked delivered).
"""
import json
from datetime import datetime, timezone

TIME_COLUMNS = ("device_ts", "received_at", "stored_at", "next_attempt_at", "lease_until",
                "delivered_at", "event_at", "updated_at")


def iso(dt):
    """SQLite's timestamp text: ISO-8601 UTC with microseconds, which sorts as time does."""
    return dt.astimezone(timezone.utc).isoformat(timespec="microseconds")


def utcnow():
    return datetime.now(timezone.utc)


def decode(raw, table, dialect):
    row = dict(raw)
    if dialect == "sqlite":
        stored_event_at = row.get("event_at")
        for col in TIME_COLUMNS:
            if isinstance(row.get(col), str):
                row[col] = datetime.fromisoformat(row[col])
        if isinstance(row.get("payload"), str):
            row["payload"] = json.loads(row["payload"])
        if "connected" in row:
            row["connected"] = bool(row["connected"])
        row["_key"] = (row["message_key"],) if table == "message" else (row["clientid"], stored_event_at)
    else:
        row["_key"] = ((row["message_key"], row["device_ts"]) if table == "message"
                       else (row["clientid"], row["event_at"]))
    row["_table"] = table
    return row


def trace_id(row):
    """The id that follows a message from EMQX to Odoo (presence events have none: the client)."""
    return row.get("msg_id") or f"presence:{row.get('clientid')}"
