"""Claim, lease and mark outbox rows: the forwarder's only SQL, for PostgreSQL and SQLite.

A claim is one short transaction: pick due rows nobody holds (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), stamp them with a lease (``lease_until``, ``leased_by``)
and count the attempt, commit. The Odoo call then runs outside any transaction; a worker that dies
holding a lease simply lets it expire, and the rows are claimed again (Odoo's ``ingest`` is keyed
by ``message_key``, so a resend cannot create a second record). Marks are guarded by
``leased_by``: a worker whose lease ran out cannot overwrite the work of the one that took over.

Tables: ``message`` (readings, status, alerts) and ``device_presence`` (one coalesced row per
client; marked delivered only if ``event_at`` is still the one that was sent).
"""
from datetime import datetime, timedelta

from webhooks.db import DatabaseURL, connect
from webhooks.forwarder.rows import decode, iso, utcnow

try:
    from psycopg.rows import dict_row
except ImportError:  # pragma: no cover - psycopg is a hard dependency
    dict_row = None

_PG_CLAIM = {
    "message": """
        WITH picked AS (
            SELECT message_key, device_ts FROM message
             WHERE state = 'pending' AND next_attempt_at <= now()
               AND (lease_until IS NULL OR lease_until < now())
             ORDER BY next_attempt_at LIMIT %(limit)s
               FOR UPDATE SKIP LOCKED)
        UPDATE message m SET lease_until = now() + make_interval(secs => %(lease)s),
               leased_by = %(me)s, attempts = m.attempts + 1
          FROM picked WHERE m.message_key = picked.message_key AND m.device_ts = picked.device_ts
        RETURNING m.*""",
    "device_presence": """
        WITH picked AS (
            SELECT clientid FROM device_presence
             WHERE state = 'pending' AND next_attempt_at <= now()
               AND (lease_until IS NULL OR lease_until < now())
             ORDER BY next_attempt_at LIMIT %(limit)s
               FOR UPDATE SKIP LOCKED)
        UPDATE device_presence p SET lease_until = now() + make_interval(secs => %(lease)s),
               leased_by = %(me)s, attempts = p.attempts + 1
          FROM picked WHERE p.clientid = picked.clientid
        RETURNING p.*""",
}
_SQLITE_CLAIM = """
    UPDATE {t} SET lease_until = :until, leased_by = :me, attempts = attempts + 1
     WHERE rowid IN (SELECT rowid FROM {t}
                      WHERE state = 'pending' AND next_attempt_at <= :now
                        AND (lease_until IS NULL OR lease_until < :now)
                      ORDER BY next_attempt_at LIMIT :limit)
    RETURNING *"""

# Which rows an UPDATE touches: the row identity in ``_key`` plus our lease.
_MATCH = {
    ("postgresql", "message"): (
        "FROM unnest(%(k0)s::text[], %(k1)s::timestamptz[], %(v)s::text[]) AS d(k0, k1, v) "
        "WHERE t.message_key = d.k0 AND t.device_ts = d.k1 AND t.leased_by = %(me)s"),
    ("postgresql", "device_presence"): (
        "FROM unnest(%(k0)s::text[], %(k1)s::timestamptz[], %(v)s::text[]) AS d(k0, k1, v) "
        "WHERE t.clientid = d.k0 AND t.leased_by = %(me)s"),
}
# Presence: only the event that was sent may be marked; a newer one stays pending (lease freed).
_SAME_EVENT = {"message": "TRUE", "device_presence": "t.event_at = d.k1"}
_SAME_EVENT_SQLITE = {"message": "1", "device_presence": "event_at = :k1"}
_SQLITE_WHERE = {"message": "message_key = :k0 AND leased_by = :me",
                 "device_presence": "clientid = :k0 AND leased_by = :me"}


class Outbox:
    """The outbox on one autocommit connection (not shared between threads)."""

    def __init__(self, conn, dialect):
        self.conn = conn
        self.dialect = dialect

    @classmethod
    def open(cls, url):
        parsed = DatabaseURL.parse(url) if isinstance(url, str) else url
        return cls(connect(parsed), parsed.dialect)

    def close(self):
        self.conn.close()

    # -- claim ---------------------------------------------------------------------------
    def claim(self, table, limit, lease_seconds, worker_id):
        """Lease up to ``limit`` due rows of ``table`` to ``worker_id``; returns decoded rows."""
        if limit <= 0:
            return []
        if self.dialect == "postgresql":
            with self.conn.cursor(row_factory=dict_row) as cur:
                cur.execute(_PG_CLAIM[table], {"limit": limit, "lease": lease_seconds, "me": worker_id})
                raw = cur.fetchall()
        else:
            now = utcnow()
            until = iso(now + timedelta(seconds=lease_seconds))
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                raw = self.conn.execute(_SQLITE_CLAIM.format(t=table),
                                        {"until": until, "me": worker_id, "now": iso(now),
                                         "limit": limit}).fetchall()
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        rows = [decode(r, table, self.dialect) for r in raw]
        rows.sort(key=lambda r: (r["next_attempt_at"], r.get("id") or 0))
        return rows

    def next_due(self, table):
        """Seconds until the earliest unleased pending row of ``table`` is due (None: none)."""
        sql = (f"SELECT min(next_attempt_at) FROM {table} WHERE state = 'pending' "
               "AND (lease_until IS NULL OR lease_until < {now})")
        if self.dialect == "postgresql":
            due = self.conn.execute(sql.format(now="now()")).fetchone()[0]
        else:
            due = self.conn.execute(sql.format(now="?"), (iso(utcnow()),)).fetchone()[0]
        if due is None:
            return None
        if isinstance(due, str):
            due = datetime.fromisoformat(due)
        return max(0.0, (due - utcnow()).total_seconds())

    # -- marks ---------------------------------------------------------------------------
    def mark_delivered(self, table, items, worker_id):
        """``items``: (row, odoo_id or None). Sets state delivered, keeps the Odoo id."""
        odoo_id = "odoo_id = d.v::bigint, " if table == "message" else ""
        odoo_id_sqlite = "odoo_id = :v, " if table == "message" else ""
        self._update(table, items, worker_id,
                     pg_set=(f"{odoo_id}state = CASE WHEN {_SAME_EVENT[table]} THEN 'delivered' ELSE t.state END, "
                             f"delivered_at = CASE WHEN {_SAME_EVENT[table]} THEN now() ELSE t.delivered_at END, "
                             "last_error = NULL, lease_until = NULL, leased_by = NULL"),
                     sqlite_set=(f"{odoo_id_sqlite}state = CASE WHEN {_SAME_EVENT_SQLITE[table]} THEN 'delivered' "
                                 f"ELSE state END, delivered_at = CASE WHEN {_SAME_EVENT_SQLITE[table]} THEN :now "
                                 "ELSE delivered_at END, last_error = NULL, lease_until = NULL, leased_by = NULL"))

    def mark_failed(self, table, items, worker_id):
        """``items``: (row, error text). Odoo refused the row: park it for the operator."""
        self._update(table, items, worker_id,
                     pg_set=(f"state = CASE WHEN {_SAME_EVENT[table]} THEN 'failed' ELSE t.state END, "
                             "last_error = d.v, lease_until = NULL, leased_by = NULL"),
                     sqlite_set=(f"state = CASE WHEN {_SAME_EVENT_SQLITE[table]} THEN 'failed' ELSE state END, "
                                 "last_error = :v, lease_until = NULL, leased_by = NULL"))

    def postpone(self, table, rows, delay_seconds, error, worker_id):
        """Odoo could not take the rows now: keep them pending, due again after the delay."""
        items = [(r, error) for r in rows]
        self._update(table, items, worker_id,
                     pg_set=("next_attempt_at = now() + make_interval(secs => %(delay)s), "
                             "last_error = d.v, lease_until = NULL, leased_by = NULL"),
                     sqlite_set=("next_attempt_at = :until, last_error = :v, lease_until = NULL, "
                                 "leased_by = NULL"),
                     delay=float(delay_seconds))

    def renew(self, table, rows, lease_seconds, worker_id):
        """Extend our lease on rows still in flight (a slow Odoo must not let a peer re-send them)."""
        self._update(table, [(r, None) for r in rows], worker_id,
                     pg_set="lease_until = now() + make_interval(secs => %(delay)s)",
                     sqlite_set="lease_until = :until", delay=float(lease_seconds))

    def _update(self, table, items, worker_id, pg_set, sqlite_set, delay=0.0):
        if not items:
            return
        if self.dialect == "postgresql":
            params = {"k0": [r["_key"][0] for r, _ in items], "k1": [r["_key"][1] for r, _ in items],
                      "v": [None if v is None else str(v) for _, v in items], "me": worker_id,
                      "delay": delay}
            self.conn.execute(f"UPDATE {table} t SET {pg_set} {_MATCH[(self.dialect, table)]}", params)
            return
        now = utcnow()
        until_iso = iso(now + timedelta(seconds=delay))
        sql = f"UPDATE {table} SET {sqlite_set} WHERE {_SQLITE_WHERE[table]}"
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.executemany(sql, [
                {"k0": r["_key"][0], "k1": r["_key"][-1], "v": v, "me": worker_id, "now": iso(now),
                 "until": until_iso} for r, v in items])
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise


def pending_count(conn_or_url, cap=None):
    """Undelivered readings in the outbox, counted up to ``cap + 1`` at most (bounded cost).

    The ingest tier answers 503 when ``pending_count(conn, cap=limit) > limit``. Accepts an open
    connection (psycopg or sqlite3) or a database URL.
    """
    if isinstance(conn_or_url, str):
        conn = connect(conn_or_url)
        try:
            return pending_count(conn, cap)
        finally:
            conn.close()
    inner = "SELECT 1 FROM message WHERE state = 'pending'"
    if cap is not None:
        inner += f" LIMIT {int(cap) + 1}"
    return conn_or_url.execute(f"SELECT count(*) FROM ({inner}) AS p").fetchone()[0]
