"""``SQLStore``: the store's operations over a dialect's ``_run(sql, params)``."""
import threading
import time

from webhooks.store import sql as q


class SQLStore:
    dialect = None
    # Seconds a pending-count reading is reused: the outbox limit is a pressure valve, not a quota.
    PENDING_TTL = 1.0

    def __init__(self):
        self._pending = (0.0, 0)
        self._pending_lock = threading.Lock()

    # -- dialect hooks ------------------------------------------------------------------------------
    def _run(self, sql, params=(), fetch="one"):
        raise NotImplementedError

    def _ts(self, dt):
        """A datetime as this dialect stores it."""
        return dt

    def _payload_placeholder(self):
        return "%s"

    # -- hot path -------------------------------------------------------------------------------------
    def insert_message(self, m):
        """Store an accepted message; True if new, False if its key was already there."""
        now = q.utcnow()
        sql = q.INSERT_MESSAGE.format(payload=self._payload_placeholder())
        row = self._run(sql, (
            m.message_key, self._ts(m.device_ts), m.device_id, m.kind, m.device_type, m.farm_id, m.msg_id,
            m.topic, self._ts(m.received_at), self._ts(now), m.payload_text, m.schema_id, m.odoo_model,
            self._ts(now),
        ))
        return row is not None

    def insert_dead_letter(self, stream, reason, detail, body, truncated, msg_id=None, device_id=None, topic=None):
        row = self._run(q.INSERT_DEAD_LETTER, (
            stream, reason, detail[:2000], body, truncated, msg_id, device_id, topic, self._ts(q.utcnow()),
        ))
        return row[0]

    def apply_presence(self, p):
        """Record a connect/disconnect unless a newer event is already held; True if applied."""
        now = q.utcnow()
        row = self._run(q.UPSERT_PRESENCE, (
            p.clientid, p.device_id, p.username, p.connected, self._ts(p.event_at), p.peerhost, p.reason,
            p.node, self._ts(now), self._ts(now),
        ))
        return row is not None

    def pending_count(self, cap, max_age=None):
        """Undelivered rows, counted up to ``cap`` + 1 (enough to compare with a limit of ``cap``),
        at most once per PENDING_TTL seconds per process."""
        max_age = self.PENDING_TTL if max_age is None else max_age
        at, value = self._pending
        if time.monotonic() - at < max_age:
            return value
        with self._pending_lock:
            at, value = self._pending
            if time.monotonic() - at >= max_age:
                value = self._run(q.PENDING_COUNT, (cap + 1,))[0]
                self._pending = (time.monotonic(), value)
        return value

    def ping(self):
        self._run("SELECT 1")

    # -- operator commands ------------------------------------------------------------------------
    def dead_letters(self, reason=None, since=None, state="new", limit=1000):
        filters, params = "", [state]
        if reason is not None:
            filters += " AND reason = %s"
            params.append(reason)
        if since is not None:
            filters += " AND received_at >= %s"
            params.append(self._ts(since))
        rows = self._run(q.DEAD_LETTERS.format(filters=filters), (*params, limit), fetch="all")
        return [dict(r) for r in rows]

    def mark_dead_letter_replayed(self, dead_letter_id):
        self._run(q.MARK_REPLAYED, (self._ts(q.utcnow()), dead_letter_id), fetch=None)

    def mark_dead_letter_retried(self, dead_letter_id, reason, detail):
        self._run(q.MARK_RETRIED, (reason, detail[:2000], self._ts(q.utcnow()), dead_letter_id), fetch=None)

    def close(self):
        pass
