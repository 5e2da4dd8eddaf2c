"""The ingest store: what the tier writes (messages, dead letters, presence) and everything else
the platform asks of the ingest DB, through one object per process and URL.

``Store`` owns a ``Database`` (pool or free list) and hands its parts to the clients that need them:
``outbox`` (the forwarder's claims and marks, the operator's counts and requeues), dead letters
(list, replay marks, discard), ``dashboard`` (the status page's numbers), ``maintain`` (partitions
and retention) and ``listener`` (NOTIFY). The unique key decides duplicates (``ON CONFLICT DO
NOTHING``), never a prior SELECT. On PostgreSQL concurrent writes share one statement and commit
(group_commit.py, batch.py); on SQLite each write is its own statement.
"""

from webhooks.store import admin, batch, queries, retention
from webhooks.store.batch import DeadLetter
from webhooks.store.database import Database
from webhooks.store.group_commit import GroupCommitter
from webhooks.store.listen import Listener
from webhooks.store.outbox import Outbox
from webhooks.store.pending import PendingCount


class Store:
    # Seconds a pending-count reading is reused: the outbox limit is a pressure valve, not a quota.
    PENDING_TTL = 1.0

    def __init__(self, db, group_commit=True):
        self.db = db
        self.dialect = db.dialect.name
        shared = group_commit and self.dialect == "postgresql"
        self._committer = GroupCommitter(self._write_on_writer) if shared else None
        self.outbox = Outbox(db)
        self._pending = PendingCount(self.outbox.pending_count, self.PENDING_TTL)

    @classmethod
    def open(cls, url, pool_size=8, pool_timeout=1.0, group_commit=True):
        return cls(Database.open(url, pool_size=pool_size, pool_timeout=pool_timeout), group_commit)

    # -- the ingest path ------------------------------------------------------------------------------
    def insert_message(self, message):
        """Store an accepted message; True if new, False if its key was already there."""
        if self._committer is not None:
            return self._committer.submit(message)
        return self.write_batch([message])[0]

    def insert_dead_letter(self, stream, reason, detail, body, truncated, msg_id=None, device_id=None, topic=None):
        """Keep a rejected body with its reason; returns the dead letter's id."""
        letter = DeadLetter(stream, reason, detail[:2000], body, truncated, msg_id, device_id, topic)
        if self._committer is not None:
            return self._committer.submit(letter)
        return self.write_batch([letter])[0]

    def write_batch(self, items):
        """Messages and dead letters in one transaction. Per item, in order: for a message True if
        it was new, for a dead letter its id."""
        if self.dialect == "postgresql":
            with self.db.session() as session:
                return batch.write(session, items)
        if len(items) == 1:  # one statement is its own transaction
            with self.db.session() as session:
                return batch.write_each(session, items)
        with self.db.transaction() as session:
            return batch.write_each(session, items)

    def _write_on_writer(self, items):
        """The group-commit writer's batch, on its own connection."""
        with self.db.writer() as session:
            return batch.write(session, items)

    def apply_presence(self, event):
        """Record a connect/disconnect unless a newer event is already held; True if applied."""
        now = queries.utcnow()
        row = self.db.one(queries.UPSERT_PRESENCE, (
            event.clientid, event.device_id, event.username, event.connected, event.event_at, event.peerhost,
            event.reason, event.node, now, now,
        ))
        return row is not None

    def pending_count(self, cap, max_age=None):
        """Undelivered rows, counted up to ``cap`` + 1 (enough to compare with a limit of ``cap``).

        The ingest path reads the count a background refresher keeps (pending.py: never a wait, so
        an outage is answered at once); ``max_age=0`` (or ``PENDING_TTL = 0``) counts now."""
        max_age = self.PENDING_TTL if max_age is None else max_age
        if max_age <= 0:
            return self.outbox.pending_count(cap)
        self._pending.interval = max_age
        return self._pending.read(cap)

    def ping(self):
        self.db.one("SELECT 1")

    def check(self):
        """Connect once, outside the pool: a one-shot command learns at once why the database
        cannot be reached (a pool retries in the background and then only says it timed out)."""
        with self.db.dedicated() as session:
            session.one("SELECT 1")

    # -- dead letters ---------------------------------------------------------------------------------
    def dead_letters(self, reason=None, since=None, state="new", limit=1000, ids=None):
        return admin.dead_letters(self.db, reason=reason, since=since, state=state, limit=limit, ids=ids)

    def mark_dead_letter_replayed(self, dead_letter_id):
        self.db.count(queries.MARK_REPLAYED, (queries.utcnow(), dead_letter_id))

    def mark_dead_letter_retried(self, dead_letter_id, reason, detail):
        self.db.count(queries.MARK_RETRIED, (reason, detail[:2000], queries.utcnow(), dead_letter_id))

    def discard_dead_letters(self, ids):
        """new → discarded (kept until retention, never replayed); returns how many moved."""
        return admin.discard_dead_letters(self.db, ids)

    # -- operators --------------------------------------------------------------------------------------
    def dashboard(self, now, minutes):
        return admin.dashboard(self.db, now, minutes)

    def counts(self):
        """Rows held per table (benchmarks and the demo's summary)."""
        return admin.counts(self.db)

    def maintain(self, retention_days=30, days_ahead=7, now=None, max_backfill_days=None):
        return retention.maintain(self.db, retention_days, days_ahead, now, max_backfill_days)

    def listener(self):
        """A NOTIFY listener for the outbox channel, or None where the dialect has none (SQLite)."""
        return Listener(self.db) if self.dialect == "postgresql" else None

    def close(self):
        self._pending.stop()
        if self._committer is not None:
            self._committer.close()
        self.db.close()
