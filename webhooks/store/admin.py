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
# Each device's newest data reading by device time (a late backfill never displaces a newer one).
# Ties on device_ts (two readings of one instant) come back together; dashboard() keeps the last stored.
_LATEST_PER_DEVICE = """SELECT m.id, m.device_id, m.device_type, m.farm_id, m.device_ts, m.payload FROM message m
JOIN (SELECT device_id, max(device_ts) AS newest FROM message WHERE kind = 'data' AND device_ts >= %s
      GROUP BY device_id) AS n ON m.device_id = n.device_id AND m.device_ts = n.newest
WHERE m.kind = 'data' AND m.device_ts >= %s ORDER BY m.device_type, m.device_id, m.id DESC LIMIT %s"""
# Alerts carry their severity in the payload (alerts.v1.json: info, warning, critical). The list is
# the most severe first, newest first within a severity, so a critical alert is never pushed off
# the page by a burst of info ones; the counts cover the whole window.
_SEVERITY_RANK = "CASE {severity} WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END"
_ALERTS = """SELECT id, device_id, device_type, farm_id, device_ts, payload FROM message
WHERE kind = 'alerts' AND device_ts >= %s ORDER BY {rank}, device_ts DESC, id DESC LIMIT %s"""
_ALERTS_BY_SEVERITY = """SELECT {severity} AS severity, count(*) AS n FROM message
WHERE kind = 'alerts' AND device_ts >= %s GROUP BY 1"""
_DEAD_BY_REASON = """SELECT reason, count(*) AS n, max(received_at) AS last FROM dead_letter
WHERE state = 'new' GROUP BY reason ORDER BY n DESC"""
_DEAD_LATEST = """SELECT id, stream, reason, detail, device_id, received_at FROM dead_letter
ORDER BY id DESC LIMIT 10"""


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


def dashboard(db, now, minutes, recent=timedelta(days=1), alerts=20, devices=1000):
    """The raw numbers behind the status page: the ``minutes`` up to ``now`` for the chart; the
    ``recent`` window of device time for devices, each one's latest reading (at most ``devices``)
    and alerts (the ``alerts`` most severe and newest, and counts by severity). The outbox's
    numbers are not here: the page reads ``Outbox.stats``, as ``sdiot demo`` does."""
    cutoff = now.replace(second=0, microsecond=0) - timedelta(minutes=minutes - 1)
    since = now - recent
    minute, severity = db.dialect.minute, db.dialect.json_text("payload", "severity")
    with db.session() as s:
        return {
            "cutoff": cutoff,
            "accepted_per_minute": s.rows(_ACCEPTED_PER_MINUTE.format(stored_minute=minute("stored_at")),
                                          (cutoff, cutoff - timedelta(days=1))),
            "rejected_per_minute": s.rows(_REJECTED_PER_MINUTE.format(received_minute=minute("received_at")),
                                          (cutoff,)),
            "last_per_device": s.rows(_LAST_PER_DEVICE, (since,)),
            "presence": s.rows(_PRESENCE),
            "latest": _one_per_device(s.rows(_LATEST_PER_DEVICE, (since, since, devices))),
            "alerts": s.rows(_ALERTS.format(rank=_SEVERITY_RANK.format(severity=severity)), (since, alerts)),
            "alerts_by_severity": s.rows(_ALERTS_BY_SEVERITY.format(severity=severity), (since,)),
            "dead_by_reason": s.rows(_DEAD_BY_REASON),
            "dead_latest": s.rows(_DEAD_LATEST),
        }


def _one_per_device(rows):
    """Rows come ordered by device, newest stored first: keep each device's first."""
    first = {}
    for row in rows:
        first.setdefault(row["device_id"], row)
    return list(first.values())


def counts(db):
    with db.session() as s:
        return {table: s.one(f"SELECT count(*) FROM {table}")[0] for table in ("message", "dead_letter", "device_presence")}
