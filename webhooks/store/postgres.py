"""PostgreSQL store: a per-process pool, one autocommit round trip per write.

An autocommitted ``INSERT … ON CONFLICT DO NOTHING RETURNING`` is a single network round trip
and a synchronous commit; concurrent commits share WAL flushes (PostgreSQL's own group commit).
The pool opens lazily in the process that uses it, so gunicorn workers never share sockets.
"""
import os
import threading

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from webhooks.store import StoreRejected, StoreUnavailable
from webhooks.store.base import SQLStore


class PostgresStore(SQLStore):
    dialect = "postgresql"

    def __init__(self, url, pool_size=8, pool_timeout=5.0, **_options):
        super().__init__()
        self.conninfo = url.target
        self.pool_size = pool_size
        self.pool_timeout = pool_timeout
        self._pool = None
        self._pool_pid = None
        self._lock = threading.Lock()

    def _payload_placeholder(self):
        return "%s::jsonb"

    def pool(self):
        if self._pool is None or self._pool_pid != os.getpid():
            with self._lock:
                if self._pool is None or self._pool_pid != os.getpid():
                    self._pool = ConnectionPool(
                        self.conninfo,
                        min_size=1,
                        max_size=self.pool_size,
                        timeout=self.pool_timeout,
                        kwargs={"autocommit": True, "connect_timeout": 5},
                        open=False,
                        name="sdiot-ingest",
                    )
                    self._pool.open(wait=False)
                    self._pool_pid = os.getpid()
        return self._pool

    def _run(self, sql, params=(), fetch="one"):
        try:
            with self.pool().connection() as conn:
                cur = conn.execute(sql, params)
                if fetch == "one":
                    return cur.fetchone()
                if fetch == "all":
                    cols = [d.name for d in cur.description]
                    return [dict(zip(cols, row)) for row in cur.fetchall()]
                return None
        except PoolTimeout as exc:
            raise StoreUnavailable(f"no database connection within {self.pool_timeout}s") from exc
        except (psycopg.errors.DataError, psycopg.errors.IntegrityError) as exc:
            raise StoreRejected(str(exc).splitlines()[0]) from exc
        except psycopg.Error as exc:
            raise StoreUnavailable(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc

    def close(self):
        if self._pool is not None and self._pool_pid == os.getpid():
            self._pool.close()
        self._pool = None
