"""SQLite store (the embedded default): one connection per thread, WAL, FULL sync."""
import sqlite3
import threading

from webhooks.db import connect_sqlite
from webhooks.store import StoreRejected, StoreUnavailable
from webhooks.store import sql as q
from webhooks.store.base import SQLStore


class SQLiteStore(SQLStore):
    dialect = "sqlite"

    def __init__(self, url, **_options):
        super().__init__()
        self.path = url.target
        self._local = threading.local()
        self._all = []
        self._lock = threading.Lock()

    def _conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect_sqlite(self.path)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _ts(self, dt):
        return dt.isoformat(timespec="microseconds")

    def _run(self, sql, params=(), fetch="one"):
        params = tuple(int(p) if isinstance(p, bool) else p for p in params)
        try:
            cur = self._conn().execute(q.to_sqlite(sql), params)
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

    def connection(self):
        """This thread's connection, for operator commands that need their own SQL."""
        return self._conn()

    def close(self):
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
