"""Connections to the ingest DB: who holds them, for how long, and the one place errors are mapped.

``Database.open(url)`` gives a PostgreSQL pool or a SQLite free list, opened lazily in the process
that uses it (a pool made before gunicorn forks would be shared by accident). Every statement runs
in a ``Session`` (one checked-out connection) whose rows come back the same on both dialects:
tuples from ``one``/``all``, dicts with instants, booleans and payloads decoded from ``rows``. A
driver exception raised inside a session leaves it as a ``StoreError`` (see errors.py), mapped by
the dialect; the store's clients never see psycopg or sqlite3.
"""
import os
import threading
import time
from contextlib import contextmanager

from psycopg_pool import ConnectionPool

from webhooks.store.dialect import for_url
from webhooks.store.errors import StoreError, StoreRejected


class Session:
    """One connection in use, speaking the store's SQL (``%s`` / ``%(name)s`` placeholders)."""
    __slots__ = ("conn", "dialect")

    def __init__(self, conn, dialect):
        self.conn, self.dialect = conn, dialect

    def execute(self, sql, params=()):
        try:
            return self.conn.execute(self.dialect.sql(sql), self.dialect.params(params))
        except self.dialect.driver_errors as exc:
            raise self.dialect.map_error(exc) from exc

    def one(self, sql, params=()):
        """The first row as a tuple, or None."""
        row = self.execute(sql, params).fetchone()
        return None if row is None else tuple(row)

    def all(self, sql, params=()):
        return [tuple(r) for r in self.execute(sql, params).fetchall()]

    def rows(self, sql, params=()):
        """Every row as a dict of column name to decoded value (the same types on both dialects)."""
        cur = self.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [self.dialect.decode(dict(zip(names, r))) for r in cur.fetchall()]

    def count(self, sql, params=()):
        """Rows an UPDATE or DELETE touched."""
        return self.execute(sql, params).rowcount

    def executemany(self, sql, seq):
        cur = self.conn.cursor()
        try:
            cur.executemany(self.dialect.sql(sql), [self.dialect.params(p) for p in seq])
        except self.dialect.driver_errors as exc:
            raise self.dialect.map_error(exc) from exc
        finally:
            cur.close()

    def lock(self, key):
        """Hold a session-wide lock on ``key`` (PostgreSQL advisory lock; SQLite: its write lock)."""
        self._mapped(self.dialect.lock, key)

    def unlock(self, key):
        self._mapped(self.dialect.unlock, key)

    def run_script(self, script, then=()):
        """A multi-statement script and follow-up ``(sql, params)`` statements, all or nothing."""
        self._mapped(self.dialect.run_script, script, then)

    def _mapped(self, operation, *args):
        try:
            return operation(self.conn, *args)
        except self.dialect.driver_errors as exc:
            raise self.dialect.map_error(exc) from exc

    @contextmanager
    def transaction(self):
        try:
            with self.dialect.transaction(self.conn):
                yield self
        except StoreError:
            raise
        except self.dialect.connection_errors as exc:  # BEGIN or COMMIT itself failed
            raise self.dialect.map_error(exc) from exc


class Database:
    """The connection source for one ingest DB URL, per process."""

    def __init__(self, dialect, target, pool_size=8, pool_timeout=5.0):
        self.dialect, self.target = dialect, target
        self.pool_size, self.pool_timeout = pool_size, pool_timeout
        self._lock = threading.Lock()

    @classmethod
    def open(cls, url, **options):
        dialect, target = for_url(url)
        kind = PostgresDatabase if dialect.name == "postgresql" else SQLiteDatabase
        return kind(dialect, target, **options)

    @contextmanager
    def session(self):
        with self._mapped_errors(), self._checkout() as conn:
            yield Session(conn, self.dialect)

    @contextmanager
    def _mapped_errors(self):
        """Driver errors (connecting, checking out, closing) leave as the store's errors."""
        try:
            yield
        except StoreError:
            raise
        except self.dialect.connection_errors as exc:
            raise self.dialect.map_error(exc) from exc

    @contextmanager
    def transaction(self):
        with self.session() as session, session.transaction():
            yield session

    def one(self, sql, params=()):
        with self.session() as s:
            return s.one(sql, params)

    def all(self, sql, params=()):
        with self.session() as s:
            return s.all(sql, params)

    def rows(self, sql, params=()):
        with self.session() as s:
            return s.rows(sql, params)

    def count(self, sql, params=()):
        with self.session() as s:
            return s.count(sql, params)

    @contextmanager
    def dedicated(self, tier=False):
        """A connection of its own, outside any pool (LISTEN, migrations, maintenance)."""
        with self._mapped_errors():
            conn = self.dialect.connect(self.target, tier=tier)
            try:
                yield Session(conn, self.dialect)
            finally:
                conn.close()

    def close(self):
        pass


class PostgresDatabase(Database):
    """A per-process pool for requests, plus the group-commit writer's own connection."""
    WRITER_IDLE_CHECK_SECONDS = 30.0

    def __init__(self, dialect, target, pool_size=8, pool_timeout=5.0):
        super().__init__(dialect, target, pool_size, pool_timeout)
        self._pool = self._pool_pid = None
        self._writer = self._writer_pid = None
        self._writer_used_at = 0.0

    def _pool_here(self):
        if self._pool is None or self._pool_pid != os.getpid():
            with self._lock:
                if self._pool is None or self._pool_pid != os.getpid():
                    self._pool = ConnectionPool(self.target, min_size=1, max_size=self.pool_size,
                                                timeout=self.pool_timeout, kwargs=self.dialect.connect_options(),
                                                open=False, name="sdiot-ingest")
                    self._pool.open(wait=False)
                    self._pool_pid = os.getpid()
        return self._pool

    def _checkout(self):
        return self._pool_here().connection()

    @contextmanager
    def writer(self):
        """The group-commit writer's connection: one writer per process uses it, so it skips the
        pool's bookkeeping on every batch. A connection error drops it; the next batch reconnects.
        After a quiet spell it is checked first: a firewall or ``idle_session_timeout`` may have
        dropped it, and that must cost a reconnect, not a 503 for the batch."""
        with self._mapped_errors():
            conn = self._writer_connection()
        try:
            yield Session(conn, self.dialect)
        except StoreRejected:
            raise  # the values, not the connection
        except BaseException:
            self._drop_writer()  # the connection may be gone; the next batch reconnects
            raise
        finally:
            self._writer_used_at = time.monotonic()

    def _writer_connection(self):
        conn = self._writer
        if conn is not None and self._writer_pid != os.getpid():
            conn = self._writer = None  # the parent's, after a fork: never use it here
        if conn is not None and not conn.closed and \
                time.monotonic() - self._writer_used_at > self.WRITER_IDLE_CHECK_SECONDS:
            try:
                conn.execute("SELECT 1")
            except self.dialect.driver_errors:
                conn.close()
        if conn is None or conn.closed:
            conn = self.dialect.connect(self.target, tier=True)
            self._writer, self._writer_pid = conn, os.getpid()
        return conn

    def _drop_writer(self):
        conn, self._writer = self._writer, None
        if conn is not None:
            conn.close()

    def close(self):
        if self._writer is not None and self._writer_pid == os.getpid():
            self._writer.close()
        self._writer = None
        if self._pool is not None and self._pool_pid == os.getpid():
            self._pool.close()
        self._pool = None


class SQLiteDatabase(Database):
    """Connections reused from a free list.

    A statement checks a connection out and gives it back, so a process holds as many connections
    as statements it ever ran at once (one under gevent, where sqlite3 never yields; at most the
    thread count under gthread). Not one per thread: under gevent every client connection is a
    greenlet, and a connection per greenlet would pile up until the worker ran out of descriptors.
    """

    def __init__(self, dialect, target, **options):
        super().__init__(dialect, target, **options)
        self._free, self._all = [], []  # idle connections (last used first), and every one opened

    @contextmanager
    def _checkout(self):
        with self._lock:
            conn = self._free.pop() if self._free else None
        if conn is None:
            conn = self.dialect.connect(self.target)
            with self._lock:
                self._all.append(conn)
        try:
            yield conn
        finally:
            with self._lock:
                self._free.append(conn)

    def close(self):
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
            self._free.clear()
