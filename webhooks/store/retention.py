"""Retention: keep accepted rows (and so their dedup keys) for a window, then let them go.

PostgreSQL drops whole daily partitions past the window, but never one that still holds an
undelivered (pending or failed) row: delivery outranks retention. Rows backfilled into the
default partition and everything on SQLite are deleted row by row under the same rule. Dead
letters that were replayed or discarded go after the same window; new ones stay until an
operator acts. Partitions for the coming days are created first, so inserts never wait on DDL.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from webhooks.store.errors import StoreBusy, StoreError


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


def maintain(db, retention_days=30, days_ahead=7, now=None, max_backfill_days=None):
    """Create coming partitions, then drop delivered data past ``retention_days`` (``db``: a
``Database`` or a database URL).

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
    if isinstance(db, str):  # a database URL
        from webhooks.store.database import Database

        db = Database.open(db)
    now = now or datetime.now(timezone.utc)
    cutoff = now - timedelta(days=retention_days)
    with db.dedicated() as session:
        if db.dialect.name == "postgresql":
            return _postgres(session, cutoff, days_ahead, report)
        return _sqlite(session, cutoff, report)


def _postgres(session, cutoff, days_ahead, report):
    try:  # creating and dropping are independent: one failing must not stop the other
        report.partitions_created = session.one("SELECT sdiot_ensure_partitions(%s)", (days_ahead,))[0]
    except StoreError as exc:
        report.errors.append(f"creating partitions: {exc}")
    parts = session.all(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'message' AND c.relname ~ '^message_[0-9]{8}$' "
        "ORDER BY c.relname"
    )
    for (name,) in parts:
        day = datetime.strptime(name[len("message_"):], "%Y%m%d").replace(tzinfo=timezone.utc)
        if day + timedelta(days=1) > cutoff:
            continue
        try:
            _drop_if_delivered(session, name, report)
        except StoreBusy:
            report.errors.append(f"{name}: busy (lock timeout); the next run retries")
    report.rows_deleted = session.count(
        "DELETE FROM message_default WHERE device_ts < %s AND state = 'delivered'", (cutoff,))
    report.dead_letters_deleted = session.count(
        "DELETE FROM dead_letter WHERE state <> 'new' AND received_at < %s", (cutoff,))
    return report


def _drop_if_delivered(session, name, report):
    with session.transaction():
        # Parent before partition, the order ingest's statements lock them in (the reverse
        # deadlocks with them); a short lock_timeout gives way to ingest rather than stall it.
        session.execute("SET LOCAL lock_timeout = '2s'")
        session.execute(f'LOCK TABLE message, "{name}" IN ACCESS EXCLUSIVE MODE')
        undelivered = session.one(
            f"SELECT EXISTS (SELECT 1 FROM \"{name}\" WHERE state = 'pending')"
            f" OR EXISTS (SELECT 1 FROM \"{name}\" WHERE state = 'failed')")[0]
        if undelivered:
            report.partitions_kept_undelivered.append(name)
            return
        session.execute(f'ALTER TABLE message DETACH PARTITION "{name}"')
        session.execute(f'DROP TABLE "{name}"')
        report.partitions_dropped.append(name)


def _sqlite(session, cutoff, report):
    report.rows_deleted = session.count("DELETE FROM message WHERE device_ts < %s AND state = 'delivered'", (cutoff,))
    report.dead_letters_deleted = session.count(
        "DELETE FROM dead_letter WHERE state <> 'new' AND received_at < %s", (cutoff,))
    return report
