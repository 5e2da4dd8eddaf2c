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

from webhooks.store import StoreUnavailable

SLICE = 0.5
log = logging.getLogger("sdiot.forwarder")


class Wakeup:
    def __init__(self, listener=None):
        self.listener = listener  # the store's NOTIFY listener, or None: poll only
        self.listen = listener is not None
        self.stopping = threading.Event()
        self.waiting = False  # True while idle in wait(): observable, for operators' debuggers and tests

    def prepare(self):
        """LISTEN before the first claim, so no notification falls between the two."""
        if self.listen:
            try:
                self.listener.prepare()
            except StoreUnavailable as exc:
                log.warning("cannot LISTEN yet (%s); polling until it is back", exc)

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
                if self.listener.wait(min(SLICE, left)):
                    return True
            except StoreUnavailable as exc:
                # The poll still finds the work; reconnect on the next slice, after a pause.
                log.warning("%s; polling until it is back", exc)
                self.stopping.wait(min(SLICE, left))
        return False

    def stop(self):
        self.stopping.set()

    def close(self):
        if self.listener is not None:
            self.listener.close()
