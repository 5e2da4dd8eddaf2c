"""Operators' reads of the ingest DB: dead letters, the status page's numbers, table counts.

Rows come back as dicts decoded the same on both dialects (instants as aware datetimes, payloads as
dicts, flags as booleans); what a page or a command makes of them is the caller's business.
"""
from datetime import timedelta

from webhooks.store import queries

# The chart bounds device_ts too, so PostgreSQL reads only the last days' partitions (a reading
# backfilled from further back is left off the chart). Duplicates are answered, not stored, so the
# chart shows accepted and rejected messages only.
_ACCEPTED_PER_MINUTE = """SELECT {stored_minute} AS minute, kind, count(*) AS n FROM message
WHERE stored_at >= %s AND device_ts >= %s GROUP BY 1, 2"""
_REJECTED_PER_MINUTE = """SELECT {received_minute} AS minute, stream, count(*) AS n FROM dead_letter
WHERE received_at >= %s GROUP BY 1, 2"""
_LAST_PER_DEVICE = """SELECT device_id, device_type, farm_id, max(stored_at) AS last_seen, count(*) AS n
FROM message WHERE device_ts >= %s GROUP BY device_id, device_type, farm_id"""
_PRESENCE = "SELECT clientid, device_id, connected, event_at, reason FROM device_presence"
_LATEST = """SELECT id, device_id, device_type, farm_id, kind, device_ts, payload FROM message
ORDER BY id DESC LIMIT 12"""
_DEAD_BY_REASON = """SELECT reason, count(*) AS n, max(received_at) AS last FROM dead_letter
WHERE state = 'new' GROUP BY reason ORDER BY n DESC"""
_DEAD_LATEST = """SELECT id, stream, reason, detail, device_id, received_at FROM dead_letter
ORDER BY id DESC LIMIT 10"""
_OUTBOX = """SELECT state, count(*) AS n, min(stored_at) AS oldest FROM message
WHERE state IN ('pending', 'failed') GROUP BY state"""
_PRESENCE_OUTBOX = "SELECT count(*) AS n FROM device_presence WHERE state = 'pending'"


def dead_letters(db, reason=None, since=None, state="new", limit=1000, ids=None):
    filters, params = "", [state]
    if reason is not None:
        filters += " AND reason = %s"
        params.append(reason)
    if since is not None:
        filters += " AND received_at >= %s"
        params.append(since)
    if ids:
        filters += f" AND id IN ({', '.join(['%s'] * len(ids))})"
        params.extend(int(i) for i in ids)
    return db.rows(queries.DEAD_LETTERS.format(filters=filters), (*params, limit))


def discard_dead_letters(db, ids):
    marks = ", ".join(["%s"] * len(ids))
    return db.count(f"UPDATE dead_letter SET state = 'discarded', replayed_at = %s WHERE state = 'new' "
                    f"AND id IN ({marks})", (queries.utcnow(), *[int(i) for i in ids]))


def dashboard(db, now, minutes):
    """The raw numbers behind the status page, for the ``minutes`` up to ``now``."""
    cutoff = now.replace(second=0, microsecond=0) - timedelta(minutes=minutes - 1)
    minute = db.dialect.minute
    with db.session() as s:
        return {
            "cutoff": cutoff,
            "accepted_per_minute": s.rows(_ACCEPTED_PER_MINUTE.format(stored_minute=minute("stored_at")),
                                          (cutoff, cutoff - timedelta(days=1))),
            "rejected_per_minute": s.rows(_REJECTED_PER_MINUTE.format(received_minute=minute("received_at")),
                                          (cutoff,)),
            "last_per_device": s.rows(_LAST_PER_DEVICE, (now - timedelta(days=1),)),
            "presence": s.rows(_PRESENCE),
            "latest": s.rows(_LATEST),
            "dead_by_reason": s.rows(_DEAD_BY_REASON),
            "dead_latest": s.rows(_DEAD_LATEST),
            "outbox": s.rows(_OUTBOX),
            "presence_pending": s.one(_PRESENCE_OUTBOX)[0],
        }


def counts(db):
    with db.session() as s:
        return {table: s.one(f"SELECT count(*) FROM {table}")[0] for table in ("message", "dead_letter", "device_presence")}
