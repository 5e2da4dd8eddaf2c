"""The outbox: claim, lease and mark rows for the forwarder; count, list and requeue for operators.

A claim is one short transaction: pick due rows nobody holds (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), stamp them with a lease (``lease_until``, ``leased_by``)
and count the attempt, commit. The Odoo call then runs outside any transaction; a worker that dies
holding a lease simply lets it expire, and the rows are claimed again (Odoo's ``ingest`` is keyed
by ``message_key``, so a resend cannot create a second record). Marks are guarded by
``leased_by``: a worker whose lease ran out cannot overwrite the work of the one that took over.

Tables: ``message`` (readings, status, alerts) and ``device_presence`` (one coalesced row per
client; marked delivered only if ``event_at`` is still the one that was sent). Each claimed row is
a dict of its columns plus ``_table`` and ``_key``, the values that identify it in the marks (on
PostgreSQL the primary key with ``device_ts``, so the partition is pruned; for presence the claimed
``event_at``, so a newer event is never marked delivered).
"""
from datetime import timedelta, timezone

from webhooks.store.queries import utcnow

TABLES = ("message", "device_presence")
STATES = ("pending", "delivered", "failed")

# A claim on PostgreSQL: pick due, unleased rows nobody is claiming right now, lease them, return
# them. ``key`` is the table's primary key (message is partitioned by device_ts, so it is part of it).
_PG_CLAIM_TEMPLATE = """
    WITH picked AS (
        SELECT {key} FROM {table}
         WHERE state = 'pending' AND next_attempt_at <= now()
           AND (lease_until IS NULL OR lease_until < now())
         ORDER BY next_attempt_at LIMIT %(limit)s
           FOR UPDATE SKIP LOCKED)
    UPDATE {table} SET lease_until = now() + make_interval(secs => %(lease)s),
           leased_by = %(me)s, attempts = {table}.attempts + 1
      FROM picked WHERE ({table_key}) = ({picked_key})
    RETURNING {table}.*"""
_PRIMARY_KEY = {"message": ("message_key", "device_ts"), "device_presence": ("clientid",)}
_PG_CLAIM = {
    table: _PG_CLAIM_TEMPLATE.format(table=table, key=", ".join(key),
                                     table_key=", ".join(f"{table}.{c}" for c in key),
                                     picked_key=", ".join(f"picked.{c}" for c in key))
    for table, key in _PRIMARY_KEY.items()
}
_SQLITE_CLAIM = """
    UPDATE {table} SET lease_until = %(until)s, leased_by = %(me)s, attempts = attempts + 1
     WHERE rowid IN (SELECT rowid FROM {table}
                      WHERE state = 'pending' AND next_attempt_at <= %(now)s
                        AND (lease_until IS NULL OR lease_until < %(now)s)
                      ORDER BY next_attempt_at LIMIT %(limit)s)
    RETURNING *"""

# PostgreSQL marks a whole batch in one UPDATE joined to arrays of the rows' keys and values.
_PG_MATCH = {
    "message": ("FROM unnest(%(key)s::text[], %(at)s::timestamptz[], %(value)s::text[]) AS sent(key, at, value) "
                "WHERE message.message_key = sent.key AND message.device_ts = sent.at AND message.leased_by = %(me)s"),
    "device_presence": ("FROM unnest(%(key)s::text[], %(at)s::timestamptz[], %(value)s::text[]) AS sent(key, at, value) "
                        "WHERE device_presence.clientid = sent.key AND device_presence.leased_by = %(me)s"),
}
# SQLite marks row by row (executemany) in one transaction.
_SQLITE_MATCH = {"message": "message_key = %(key)s AND leased_by = %(me)s",
                 "device_presence": "clientid = %(key)s AND leased_by = %(me)s"}
# Presence: only the event that was sent may be marked; a newer one stays pending (lease freed).
_SAME_EVENT = {("postgresql", "message"): "TRUE", ("postgresql", "device_presence"): "device_presence.event_at = sent.at",
               ("sqlite", "message"): "1", ("sqlite", "device_presence"): "event_at = %(at)s"}
_SENT_VALUE = {"postgresql": "sent.value", "sqlite": "%(value)s"}
_ROWS_COLUMNS = {
    "message": "id, message_key, msg_id, device_id, kind, odoo_model, state, attempts, "
               "next_attempt_at, received_at, leased_by, odoo_id, last_error, delivered_at",
    "device_presence": "clientid, device_id, connected, event_at, state, attempts, "
                       "next_attempt_at, leased_by, last_error, delivered_at",
}
_RESET = ("SET state = 'pending', attempts = 0, next_attempt_at = %s, lease_until = NULL, leased_by = NULL")


class Outbox:
    def __init__(self, db):
        self.db = db
        self.dialect = db.dialect.name

    # -- the forwarder ----------------------------------------------------------------------------
    def claim(self, table, limit, lease_seconds, worker_id):
        """Lease up to ``limit`` due rows of ``table`` to ``worker_id``, oldest due first."""
        if limit <= 0:
            return []
        if self.dialect == "postgresql":
            raw = self.db.rows(_PG_CLAIM[table], {"limit": limit, "lease": lease_seconds, "me": worker_id})
        else:
            now = utcnow()
            with self.db.transaction() as session:
                raw = session.rows(_SQLITE_CLAIM.format(table=table), {
                    "until": now + timedelta(seconds=lease_seconds), "me": worker_id, "now": now, "limit": limit})
        rows = [_claimed(row, table) for row in raw]
        rows.sort(key=lambda r: (r["next_attempt_at"], r.get("id") or 0))
        return rows

    def next_due(self, table):
        """Seconds until the earliest unleased pending row of ``table`` is due (None: none)."""
        now = utcnow()
        (row,) = self.db.rows(f"SELECT min(next_attempt_at) AS next_attempt_at FROM {table} WHERE state = 'pending' "
                              "AND (lease_until IS NULL OR lease_until < %s)", (now,))
        due = row["next_attempt_at"]
        return None if due is None else max(0.0, (due - now).total_seconds())

    def mark_delivered(self, table, items, worker_id):
        """``items``: (row, odoo_id or None). Sets state delivered, keeps the Odoo id."""
        same = _SAME_EVENT[self.dialect, table]
        odoo_id = f"odoo_id = CAST({_SENT_VALUE[self.dialect]} AS bigint), " if table == "message" else ""
        self._update(table, items, worker_id,
                     f"{odoo_id}state = CASE WHEN {same} THEN 'delivered' ELSE state END, "
                     f"delivered_at = CASE WHEN {same} THEN %(now)s ELSE delivered_at END, "
                     "last_error = NULL, lease_until = NULL, leased_by = NULL")

    def mark_failed(self, table, items, worker_id):
        """``items``: (row, error text). Odoo refused the row: park it for the operator."""
        same = _SAME_EVENT[self.dialect, table]
        self._update(table, items, worker_id,
                     f"state = CASE WHEN {same} THEN 'failed' ELSE state END, "
                     f"last_error = {_SENT_VALUE[self.dialect]}, lease_until = NULL, leased_by = NULL")

    def postpone(self, table, rows, delay_seconds, error, worker_id):
        """Odoo could not take the rows now: keep them pending, due again after the delay."""
        self._update(table, [(r, error) for r in rows], worker_id,
                     f"next_attempt_at = %(until)s, last_error = {_SENT_VALUE[self.dialect]}, "
                     "lease_until = NULL, leased_by = NULL", delay=float(delay_seconds))

    def renew(self, table, rows, lease_seconds, worker_id):
        """Extend our lease on rows still in flight (a slow Odoo must not let a peer re-send them)."""
        self._update(table, [(r, None) for r in rows], worker_id, "lease_until = %(until)s",
                     delay=float(lease_seconds))

    def _update(self, table, items, worker_id, assignments, delay=0.0):
        if not items:
            return
        now = utcnow()
        common = {"me": worker_id, "now": now, "until": now + timedelta(seconds=delay)}
        if self.dialect == "postgresql":
            self.db.count(f"UPDATE {table} SET {assignments} {_PG_MATCH[table]}", {
                **common, "key": [r["_key"][0] for r, _ in items], "at": [r["_key"][1] for r, _ in items],
                "value": [None if v is None else str(v) for _, v in items]})
            return
        with self.db.transaction() as session:
            session.executemany(f"UPDATE {table} SET {assignments} WHERE {_SQLITE_MATCH[table]}", [
                {**common, "key": r["_key"][0], "at": r["_key"][1], "value": None if v is None else str(v)}
                for r, v in items])

    # -- operators ----------------------------------------------------------------------------------
    def pending_count(self, cap=None):
        """Undelivered readings, counted up to ``cap + 1`` at most (bounded cost).

        Counting stops at the cap: with Odoo down for a day the outbox holds tens of millions of
        rows, and a full count every second in every worker would load the database exactly then."""
        if cap is None:
            return self.db.one("SELECT count(*) FROM message WHERE state = 'pending'")[0]
        return self.db.one("SELECT count(*) FROM (SELECT 1 FROM message WHERE state = 'pending' LIMIT %s) AS capped",
                           (int(cap) + 1,))[0]

    def stats(self, delivered=True):
        """The outbox's numbers, defined once: what ``sdiot outbox stats``, ``sdiot demo``'s summary,
        the status page and the forwarder's gauges all report.

        - ``pending`` / ``failed`` / ``delivered``: rows of both tables in that state — messages
          (readings, status reports, alerts) and presence updates; ``tables`` has them apart.
        - ``messages_pending``, ``presence_pending``: the two parts of ``pending``.
        - ``oldest_pending_received_at``: the broker's receive time (``received_at``) of the
          oldest pending message, ISO 8601 UTC (plain JSON, like the rest);
          ``oldest_pending_age_seconds`` is its age now (both None: nothing pending).

        ``delivered=False`` skips counting delivered rows (a scan of the whole retention window;
        they come back as None); the pending and failed counts use the schema's partial indexes,
        cheap enough for a 10 s gauge or a page that refreshes every 15 s.
        """
        counted = STATES if delivered else ("pending", "failed")
        out = {state: 0 if state in counted else None for state in STATES}
        out["tables"] = {}
        with self.db.session() as session:
            for table in TABLES:
                counts = {state: session.one(f"SELECT count(*) FROM {table} WHERE state = %s", (state,))[0]
                          if state in counted else None for state in STATES}
                out["tables"][table] = counts
                for state in counted:
                    out[state] += counts[state]
            (row,) = session.rows("SELECT min(received_at) AS oldest FROM message WHERE state = 'pending'")
        oldest = row["oldest"]
        out["messages_pending"] = out["tables"]["message"]["pending"]
        out["presence_pending"] = out["tables"]["device_presence"]["pending"]
        out["oldest_pending_received_at"] = None if oldest is None else oldest.astimezone(timezone.utc).isoformat()
        out["oldest_pending_age_seconds"] = (
            None if oldest is None else max(0.0, (utcnow() - oldest).total_seconds()))
        return out

    def rows(self, table="message", state=None, limit=50):
        """Newest first; ``state`` one of STATES or None for all."""
        where, params = ("WHERE state = %s", [state]) if state else ("", [])
        order = "id DESC" if table == "message" else "event_at DESC"
        return self.db.rows(f"SELECT {_ROWS_COLUMNS[table]} FROM {table} {where} ORDER BY {order} LIMIT %s",
                            (*params, int(limit)))

    def retry(self, ids=None, all_failed=False):
        """Failed → pending, due now, attempts reset; returns how many rows moved.

        ``ids`` are ``message.id`` values; ``all_failed`` also requeues failed presence rows."""
        if not ids and not all_failed:
            return 0
        now = utcnow()
        with self.db.transaction() as session:
            if all_failed:
                return sum(session.count(f"UPDATE {table} {_RESET} WHERE state = 'failed'", (now,))
                           for table in TABLES)
            marks = ", ".join(["%s"] * len(ids))
            return session.count(f"UPDATE message {_RESET} WHERE state = 'failed' AND id IN ({marks})",
                                 (now, *[int(i) for i in ids]))


def _claimed(row, table):
    row["_key"] = (row["message_key"], row["device_ts"]) if table == "message" else (row["clientid"], row["event_at"])
    row["_table"] = table
    return row
