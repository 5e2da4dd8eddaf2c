"""Operator views of the outbox: counts, listing, and putting failed rows back in the queue.

These back ``sdiot outbox stats|list|retry`` and the forwarder's outbox gauges. Both tables count:
readings (``message``) and coalesced presence (``device_presence``).
"""
from datetime import datetime

from webhooks.forwarder.rows import utcnow

STATES = ("pending", "delivered", "failed")
_ROWS_COLUMNS = {
    "message": "id, message_key, msg_id, device_id, kind, odoo_model, state, attempts, "
               "next_attempt_at, received_at, leased_by, odoo_id, last_error, delivered_at",
    "device_presence": "clientid, device_id, connected, event_at, state, attempts, "
                       "next_attempt_at, leased_by, last_error, delivered_at",
}


def _ph(conn):
    """The driver's placeholder: psycopg wants %s, sqlite3 wants ?."""
    return "?" if conn.__class__.__module__ == "sqlite3" else "%s"


def _dialect(conn):
    return "sqlite" if _ph(conn) == "?" else "postgresql"


def stats(conn, delivered=True):
    """Counts by table and state, and the age of the oldest pending reading (seconds or None).

    ``delivered=False`` skips counting delivered rows (a scan of the whole retention window); the
    pending and failed counts use the schema's partial indexes, cheap enough for a 10 s gauge.
    """
    out = {"pending": 0, "failed": 0, "delivered": 0, "tables": {}}
    for table in ("message", "device_presence"):
        counts = {state: 0 for state in STATES}
        for state in STATES if delivered else ("pending", "failed"):
            counts[state] = conn.execute(f"SELECT count(*) FROM {table} WHERE state = '{state}'").fetchone()[0]
        out["tables"][table] = counts
        for state in STATES:
            out[state] += counts[state]
    oldest = conn.execute("SELECT min(received_at) FROM message WHERE state = 'pending'").fetchone()[0]
    if isinstance(oldest, str):
        oldest = datetime.fromisoformat(oldest)
    out["oldest_pending_age_seconds"] = (
        max(0.0, (utcnow() - oldest).total_seconds()) if oldest is not None else None)
    return out


def list_rows(conn, table="message", state=None, limit=50):
    """Newest first; ``state`` one of STATES or None for all."""
    ph = _ph(conn)
    where, params = "", []
    if state:
        where, params = f"WHERE state = {ph}", [state]
    order = "id DESC" if table == "message" else "event_at DESC"
    sql = f"SELECT {_ROWS_COLUMNS[table]} FROM {table} {where} ORDER BY {order} LIMIT {ph}"
    cur = conn.execute(sql, params + [int(limit)])
    names = [d[0] for d in cur.description]
    return [_plain(dict(zip(names, r)), conn) for r in cur.fetchall()]


def _plain(row, conn):
    if _dialect(conn) == "sqlite":
        return row
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


def retry(conn, ids=None, all_failed=False):
    """Failed → pending, due now, attempts reset; returns how many rows moved.

    ``ids`` are ``message.id`` values; ``all_failed`` also requeues failed presence rows.
    """
    if not ids and not all_failed:
        return 0
    ph = _ph(conn)
    now = "now()" if _dialect(conn) == "postgresql" else "strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')"
    reset = (f"SET state = 'pending', attempts = 0, next_attempt_at = {now}, lease_until = NULL, "
             "leased_by = NULL")
    moved = 0
    if all_failed:
        for table in ("message", "device_presence"):
            moved += conn.execute(f"UPDATE {table} {reset} WHERE state = 'failed'").rowcount
        return moved
    marks = ", ".join([ph] * len(ids))
    return conn.execute(f"UPDATE message {reset} WHERE state = 'failed' AND id IN ({marks})",
                        [int(i) for i in ids]).rowcount
