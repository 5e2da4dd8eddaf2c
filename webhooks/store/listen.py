"""LISTEN on the outbox channel: the forwarder sleeps until ingest commits something.

The ingest schema's trigger NOTIFYs ``sdiot_outbox`` once per inserting statement. The listener
holds a connection of its own (outside any pool: LISTEN lives as long as its session) and reports a
lost connection as ``StoreUnavailable``; the next wait reconnects.
"""
from webhooks.store.errors import StoreUnavailable

CHANNEL = "sdiot_outbox"


class Listener:
    def __init__(self, db):
        self.db = db
        self._conn = None

    def prepare(self):
        """LISTEN now (before the first claim, so no notification falls between the two)."""
        if self._conn is None or self._conn.closed:
            dialect = self.db.dialect
            try:
                self._conn = dialect.connect(self.db.target)
                self._conn.execute(f"LISTEN {CHANNEL}")
            except dialect.driver_errors as exc:
                self.close()
                raise dialect.map_error(exc) from exc

    def wait(self, timeout):
        """True when notified within ``timeout`` seconds, else False."""
        self.prepare()
        try:
            for _ in self._conn.notifies(timeout=timeout, stop_after=1):
                return True
        except self.db.dialect.driver_errors as exc:
            self.close()
            raise StoreUnavailable(f"LISTEN {CHANNEL} connection lost ({exc})") from exc
        return False

    def close(self):
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
