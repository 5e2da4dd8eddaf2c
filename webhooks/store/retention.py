"""Retention: keep accepted rows (and so their dedup keys) for a window, then let them go.

PostgreSQL drops whole daily partitions past the window, but never one that still holds an
undelivered (pending or failed) row: delivery outranks retention. Rows backfilled into the
default partition and everything on SQLite are deleted row by row under the same rule. Dead
letters that were replayed or discarded go after the same window; new ones stay until an
operator acts. Partitions for the coming days are created first, so inserts never wait on DDL.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import psycopg

from webhooks.db import connect


@dataclass
class RetentionReport:
    partitions_created: int = 0
    partitions_dropped: list = field(default_factory=list)
    partitions_kept_undelivered: list = field(default_factory=list)
    rows_deleted: int = 0
    dead_letters_deleted: int = 0
    errors: list = field(default_factory=list)
    retention_days: int = 0  # the window applied (see maintain's max_backfill_days)
    notes: list = field(default_factory=list)


def maintain(url, retention_days=30, days_ahead=7, now=None, max_backfill_days=None):
    """Create coming partitions, then drop delivered data past ``retention_days``.

    ``max_backfill_days`` is the tier's window for late readings (``SDIOT_MAX_BACKFILL_DAYS``).
    Retention must outlast it by a day (partitions are whole days): otherwise a reading sent that
    late, already delivered and dropped, would be accepted again on a resend and reach Odoo twice.
    """
    report = RetentionReport()
    if max_backfill_days and retention_days <= max_backfill_days:
        report.notes.append(f"retention raised from {retention_days} to {max_backfill_days + 1} days: the tier "
                            f"accepts readings up to {max_backfill_days} days late (SDIOT_MAX_BACKFILL_DAYS) and "
                            f"their dedup keys must outlive that")
        retention_days = max_backfill_days + 1
    elif max_backfill_days == 0:
        report.notes.append("SDIOT_MAX_BACKFILL_DAYS=0 accepts readings of any age: a resend older than "
                            f"{retention_days} days is stored (and delivered) again")
    report.retention_days = retention_days
    now = now or datetime.now(timezone.utc)
    cutoff = now - timedelta(days=retention_days)
    conn = connect(url)
    try:
        if hasattr(conn, "pgconn"):
            return _postgres(conn, cutoff, days_ahead, report)
        return _sqlite(conn, cutoff, report)
    finally:
        conn.close()


def _postgres(conn, cutoff, days_ahead, report):
    try:  # creating and dropping are independent: one failing must not stop the other
        report.partitions_created = conn.execute("SELECT sdiot_ensure_partitions(%s)", (days_ahead,)).fetchone()[0]
    except psycopg.Error as exc:
        report.errors.append(f"creating partitions: {str(exc).splitlines()[0]}")
    parts = conn.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'message' AND c.relname ~ '^message_[0-9]{8}$' "
        "ORDER BY c.relname"
    ).fetchall()
    for (name,) in parts:
        day = datetime.strptime(name[len("message_"):], "%Y%m%d").replace(tzinfo=timezone.utc)
        if day + timedelta(days=1) > cutoff:
            continue
        try:
            _drop_if_delivered(conn, name, report)
        except psycopg.errors.LockNotAvailable:
            report.errors.append(f"{name}: busy (lock timeout); the next run retries")
    report.rows_deleted = conn.execute(
        "DELETE FROM message_default WHERE device_ts < %s AND state = 'delivered'", (cutoff,)).rowcount
    report.dead_letters_deleted = conn.execute(
        "DELETE FROM dead_letter WHERE state <> 'new' AND received_at < %s", (cutoff,)).rowcount
    return report


def _drop_if_delivered(conn, name, report):
    with conn.transaction():
        # Parent before partition, the order ingest's statements lock them in (the reverse
        # deadlocks with them); a short lock_timeout gives way to ingest rather than stall it.
        conn.execute("SET LOCAL lock_timeout = '2s'")
        conn.execute(f'LOCK TABLE message, "{name}" IN ACCESS EXCLUSIVE MODE')
        undelivered = conn.execute(
            f"SELECT EXISTS (SELECT 1 FROM \"{name}\" WHERE state = 'pending')"
            f" OR EXISTS (SELECT 1 FROM \"{name}\" WHERE state = 'failed')").fetchone()[0]
        if undelivered:
            report.partitions_kept_undelivered.append(name)
            return
        conn.execute(f'ALTER TABLE message DETACH PARTITION "{name}"')
        conn.execute(f'DROP TABLE "{name}"')
        report.partitions_dropped.append(name)


def _sqlite(conn, cutoff, report):
    stamp = cutoff.isoformat(timespec="microseconds")
    report.rows_deleted = conn.execute(
        "DELETE FROM message WHERE device_ts < ? AND state = 'delivered'", (stamp,)).rowcount
    report.dead_letters_deleted = conn.execute(
        "DELETE FROM dead_letter WHERE state <> 'new' AND received_at < ?", (stamp,)).rowcount
    return report
