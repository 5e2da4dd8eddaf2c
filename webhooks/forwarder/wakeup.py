"""Sleep until there may be work: a NOTIFY on ``sdiot_outbox`` (PostgreSQL), or the poll interval.

The ingest schema's trigger NOTIFYs once per inserting statement, so a forwarder idles on its own
connection and reacts within milliseconds. The poll is the fallback for a lost notification (a
reconnect, a notify sent while the worker was busy elsewhere) and for rows whose retry time came
due; SQLite has no NOTIFY and relies on it alone. Waits are cut into short slices so a stop
request (SIGTERM) is seen promptly.
"""
import logging
import threading
import time

import psycopg

from webhooks.db import DatabaseURL, connect

CHANNEL = "sdiot_outbox"
SLICE = 0.5
log = logging.getLogger("sdiot.forwarder")


class Wakeup:
    def __init__(self, url, listen=True):
        parsed = DatabaseURL.parse(url) if isinstance(url, str) else url
        self.url = parsed
        self.listen = listen and parsed.dialect == "postgresql"
        self.conn = None
        self.stopping = threading.Event()
        self.waiting = False  # True while idle in wait(): observable, for operators' debuggers and tests

    def prepare(self):
        """LISTEN before the first claim, so no notification falls between the two."""
        if self.listen:
            self._ensure()

    def _ensure(self):
        if self.conn is None or self.conn.closed:
            self.conn = connect(self.url)
            self.conn.execute(f"LISTEN {CHANNEL}")

    def wait(self, timeout):
        """Return True when notified, False when the timeout passed (or a stop was requested)."""
        deadline = time.monotonic() + timeout
        self.waiting = True
        try:
            return self._wait(deadline)
        finally:
            self.waiting = False

    def _wait(self, deadline):
        while not self.stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if not self.listen:
                self.stopping.wait(min(SLICE, left))
                continue
            try:
                self._ensure()
                for _ in self.conn.notifies(timeout=min(SLICE, left), stop_after=1):
                    return True
            except psycopg.OperationalError as exc:
                # The poll still finds the work; reconnect on the next slice, after a pause.
                log.warning("LISTEN %s connection lost (%s); polling until it is back", CHANNEL, exc)
                self.close()
                self.stopping.wait(min(SLICE, left))
        return False

    def stop(self):
        self.stopping.set()

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None
