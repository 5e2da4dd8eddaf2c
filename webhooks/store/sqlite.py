"""SQLite store (the embedded default): WAL, FULL sync, connections reused from a free list.

A statement checks a connection out and gives it back, so a process holds as many connections as
statements it ever ran at once (one under gevent, where sqlite3 never yields; at most the thread
count under gthread). Not one per thread: under gevent every client connection is a greenlet, and
a connection per greenlet would pile up until the worker ran out of file descriptors.
"""
import sqlite3
import threading
from contextlib import contextmanager

from webhooks.db import connect_sqlite
from webhooks.store import StoreRejected, StoreUnavailable
from webhooks.store import sql as q
from webhooks.store.base import SQLStore


class SQLiteStore(SQLStore):
    dialect = "sqlite"

    def __init__(self, url, **_options):
        super().__init__()
        self.path = url.target
        self._free = []  # idle connections, last used first
        self._all = []
        self._lock = threading.Lock()

    @contextmanager
    def _checkout(self):
        with self._lock:
            conn = self._free.pop() if self._free else None
        if conn is None:
            conn = connect_sqlite(self.path)
            with self._lock:
                self._all.append(conn)
        try:
            yield conn
        finally:
            with self._lock:
                self._free.append(conn)

    def _ts(self, dt):
        return dt.isoformat(timespec="microseconds")

    def _run(self, sql, params=(), fetch="one"):
        params = tuple(int(p) if isinstance(p, bool) else p for p in params)
        try:
            with self._checkout() as conn:
                cur = conn.execute(q.to_sqlite(sql), params)
                if fetch == "one":
                    return cur.fetchone()
                if fetch == "all":
                    return cur.fetchall()
                return None
        except sqlite3.OperationalError as exc:  # locked, disk I/O, missing table
            raise StoreUnavailable(str(exc)) from exc
        except (sqlite3.IntegrityError, sqlite3.DataError) as exc:
            raise StoreRejected(str(exc)) from exc
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailable(str(exc)) from exc

    def close(self):
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
            self._free.clear()
