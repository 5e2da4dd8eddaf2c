"""Group commit: concurrent requests in one process share one INSERT and one commit.

Request threads hand their message to a writer thread and wait. The writer takes whatever has
queued up while the previous commit was in flight (up to ``max_batch``), writes it with one
statement and one synchronous commit, and wakes each waiter with its own answer. Under load a
commit carries many messages, so the database does far less work per message; when idle a batch
is a single message and nothing waits for a timer. The answer still comes only after the commit.
"""
import os
import queue
import threading
import time

from prometheus_client import Histogram

from webhooks.store.errors import StoreUnavailable

# Defined here, not in webhooks.metrics: the store imports nothing of the web tier.
COMMIT_BATCH = Histogram(
    "sdiot_store_commit_batch_size",
    "Messages made durable per database commit",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)


_STOP = object()


class _Waiter:
    """One request's wait for its commit: a lock the writer releases once the answer is set.

    A bare lock is the cheapest thing to block on, under threads and under gevent alike (a
    ``Future`` builds a condition variable and a waiter list per request)."""
    __slots__ = ("lock", "result", "error")

    def __init__(self):
        self.lock = threading.Lock()
        self.lock.acquire()
        self.result = self.error = None

    def set_result(self, result):
        self.result = result
        self.lock.release()

    def set_exception(self, error):
        self.error = error
        self.lock.release()


class GroupCommitter:
    def __init__(self, write_batch, max_batch=64, timeout=15.0, name="sdiot-group-commit"):
        self._write_batch = write_batch  # list of items -> list of results, one transaction
        self.max_batch = max_batch
        self.timeout = timeout
        self.name = name
        self._queue = queue.SimpleQueue()
        self._thread = None
        self._running = False  # this process's writer is running (cleared when it returns)
        self._pid = None
        self._lock = threading.Lock()

    def submit(self, item):
        """Block until ``item`` is committed (or refused); returns its result."""
        self._ensure_writer()
        waiter = _Waiter()
        self._queue.put((item, waiter))
        if not waiter.lock.acquire(timeout=self.timeout):
            # It may still commit; EMQX's retry then finds it and is answered "duplicate".
            raise StoreUnavailable(f"commit not confirmed within {self.timeout}s")
        if waiter.error is not None:
            raise waiter.error
        return waiter.result

    def _ensure_writer(self):
        # A flag, not Thread.is_alive(): that takes a lock, on every request.
        if self._running and self._pid == os.getpid():
            return
        with self._lock:  # after a fork the parent's thread does not exist here: start our own
            if not self._running or self._pid != os.getpid():
                if self._pid != os.getpid():
                    self._queue = queue.SimpleQueue()
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._pid = os.getpid()
                self._running = True
                self._thread.start()

    def close(self):
        """Stop this process's writer after it commits what is already queued."""
        if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout=self.timeout)
        self._thread = None

    def _run(self):
        try:
            self._write_until_stopped()
        finally:
            self._running = False

    def _write_until_stopped(self):
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            # Let every request that is already runnable reach submit() before this batch closes:
            # under gevent sleep(0) runs the ready greenlets first (bigger batches, fewer commits,
            # no timer); under threads it only offers the GIL once.
            time.sleep(0)
            batch = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    entry = self._queue.get_nowait()
                except queue.Empty:
                    break
                if entry is _STOP:
                    stop = True
                    break
                batch.append(entry)
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch):
        items = [item for item, _ in batch]
        try:
            results = self._write_batch(items)
        except StoreUnavailable as exc:  # the database, not a message: everyone retries
            for _, waiter in batch:
                waiter.set_exception(exc)
            return
        except BaseException as exc:  # noqa: BLE001 - every waiter must be woken, whatever happened
            if len(batch) > 1:  # one bad message must not fail its neighbours: write each alone
                for entry in batch:
                    self._commit([entry])
                return
            batch[0][1].set_exception(exc if isinstance(exc, Exception) else StoreUnavailable(repr(exc)))
            return
        for (_, waiter), result in zip(batch, results):
            waiter.set_result(result)
        try:
            COMMIT_BATCH.observe(len(batch))
        except Exception:  # noqa: BLE001 - a metrics hiccup must not kill the writer
            pass
