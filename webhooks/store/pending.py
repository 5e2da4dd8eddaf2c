"""The outbox pressure valve's count, kept off the request path.

Ingest must never wait on it: with the database gone, a count that waits for a connection (while
holding a lock) queues every request of the worker behind it, and a store outage is then answered
after seconds instead of at once. So one refresher per process recounts every ``interval`` seconds
in the background, and a request only reads the last count. Until the first count lands, and while
counting fails, the last value stands (0 at first): the valve is a pressure valve, not a quota, and
the write itself answers 503 at once when the database is down.
"""
import logging
import os
import threading

from webhooks.store.errors import StoreError

log = logging.getLogger(__name__)


class PendingCount:
    def __init__(self, count, interval=1.0):
        self._count = count  # cap -> undelivered rows, at most cap + 1
        self.interval = interval
        self.value = 0
        self._cap = None
        self._pid = None
        self._running = False
        self._thread = None
        self._stopped = threading.Event()
        self._lock = threading.Lock()

    def read(self, cap):
        """The last count (never waits); starts this process's refresher on first use."""
        self._cap = cap
        if not (self._running and self._pid == os.getpid()):
            self._start()
        return self.value

    def _start(self):
        with self._lock:  # after a fork the parent's thread does not exist here: start our own
            if self._running and self._pid == os.getpid():
                return
            self._pid, self._running = os.getpid(), True
            self._stopped.clear()
            self._thread = threading.Thread(target=self._refresh, name="sdiot-outbox-count", daemon=True)
            self._thread.start()

    def _refresh(self):
        while self._running and self._pid == os.getpid():
            try:
                self.value = self._count(self._cap)
            except StoreError as exc:
                log.debug("outbox count not refreshed: %s", exc)
            self._stopped.wait(self.interval)

    def stop(self, timeout=15.0):
        """End the refresher and wait for a count in flight: the store closes its connections next,
        and closing one under a running statement (SQLite) would crash the process."""
        self._running = False
        self._stopped.set()
        thread, self._thread = self._thread, None
        if thread is not None and self._pid == os.getpid() and thread is not threading.current_thread():
            thread.join(timeout)
