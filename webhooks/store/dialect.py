"""The two SQL dialects the ingest store speaks, and the one mapping of driver errors to the store's.

Everything that differs between PostgreSQL (psycopg 3) and SQLite (the standard library) sits in
one object per dialect: how to connect, the placeholder style, how a timestamp, a boolean and a
JSON payload travel (and how one of its keys is read in SQL), how a write transaction starts, how
a minute is bucketed, and which driver errors mean "try again" (``StoreUnavailable``) or "never"
(``StoreRejected``). The rest of the store writes its SQL once, with psycopg's ``%s`` /
``%(name)s`` placeholders, and never sees a driver exception; nor does anything outside the store.
"""
import json
import re
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone

import psycopg
from psycopg_pool import PoolTimeout

from webhooks.dburl import DatabaseURL
from webhooks.store.errors import StoreBusy, StoreRejected, StoreUnavailable

# Columns (and aggregates) that hold instants, booleans or JSON: decoded the same on both dialects.
TIME_COLUMNS = frozenset((
    "device_ts", "received_at", "stored_at", "next_attempt_at", "lease_until", "delivered_at", "event_at",
    "updated_at", "replayed_at", "last_seen", "oldest", "last",
))
BOOL_COLUMNS = frozenset(("connected", "body_truncated"))
JSON_COLUMNS = frozenset(("payload",))
_NAMED = re.compile(r"%\((\w+)\)s")

# Dead connections must fail fast (503, EMQX retries), not hang a request: a statement timeout and
# TCP keepalives bound how long a silent peer costs. Only the tier's own connections get the
# statement timeout: a migration or retention run may rightly take longer.
_PG_KEEPALIVES = {"connect_timeout": 5, "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
                  "keepalives_count": 3, "tcp_user_timeout": 15000}
_PG_TIER = {**_PG_KEEPALIVES, "options": "-c statement_timeout=10000"}


def first_line(exc):
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def utc_text(dt):
    """SQLite's timestamp text: ISO-8601 UTC with microseconds, which sorts as time does."""
    return dt.astimezone(timezone.utc).isoformat(timespec="microseconds")


class Postgres:
    name = "postgresql"
    # Everything psycopg, its pool, or adapting a value can raise while a statement runs.
    driver_errors = (psycopg.Error, PoolTimeout, UnicodeError, ValueError)
    # What connecting, checking out or committing raises: around a caller's block only these are
    # mapped, so a ValueError from the caller's own code stays a bug and is not called "rejected".
    connection_errors = (psycopg.Error, PoolTimeout)

    def connect(self, target, tier=False):
        """A new autocommit connection (``tier``: with the ingest path's statement timeout)."""
        return psycopg.connect(target, autocommit=True, **(_PG_TIER if tier else _PG_KEEPALIVES))

    def connect_options(self, tier=True):
        return {"autocommit": True, **(_PG_TIER if tier else _PG_KEEPALIVES)}

    def sql(self, text):
        return text

    def params(self, params):
        return params

    def decode(self, row):
        return row

    def map_error(self, exc):
        if isinstance(exc, PoolTimeout):
            return StoreUnavailable(f"no database connection in time ({first_line(exc)})")
        if isinstance(exc, psycopg.errors.LockNotAvailable):
            return StoreBusy(first_line(exc))
        if isinstance(exc, (psycopg.errors.DataError, psycopg.errors.IntegrityError)):
            return StoreRejected(first_line(exc))
        if isinstance(exc, (UnicodeError, ValueError)) and not isinstance(exc, psycopg.Error):
            return StoreRejected(f"{type(exc).__name__}: {exc}"[:300])  # a value psycopg cannot even encode
        # Anything else — the server gone, read-only after a failover, a timeout — may pass.
        return StoreUnavailable(first_line(exc))

    @contextmanager
    def transaction(self, conn):
        with conn.transaction():
            yield

    def minute(self, column):
        return f"to_char(date_trunc('minute', {column} AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:MI')"

    def json_text(self, column, key):
        return f"({column} ->> '{_json_key(key)}')"

    def lock(self, conn, key):
        conn.execute("SELECT pg_advisory_lock(%s)", (key,))

    def unlock(self, conn, key):
        if not conn.closed:
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))

    def run_script(self, conn, script, then=()):
        """One migration file and its bookkeeping statements, all or nothing."""
        with conn.transaction():
            conn.execute(script)
            for sql, params in then:
                conn.execute(sql, params)


class SQLite:
    name = "sqlite"
    driver_errors = (sqlite3.Error, UnicodeError, ValueError, OverflowError)
    connection_errors = (sqlite3.Error,)

    def connect(self, target, tier=False, timeout=30.0):
        """A connection in WAL mode (readers never block the one writer), autocommit."""
        conn = sqlite3.connect(target, timeout=timeout, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit survives power loss, the same promise PostgreSQL's synchronous commit makes.
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        return conn

    def sql(self, text):
        return _NAMED.sub(r":\1", text).replace("%s", "?").replace("%%", "%")

    def params(self, params):
        if isinstance(params, dict):
            return {k: _sqlite_value(v) for k, v in params.items()}
        return tuple(_sqlite_value(v) for v in params)

    def decode(self, row):
        for name, value in row.items():
            if value is None:
                continue
            if name in TIME_COLUMNS and isinstance(value, str):
                row[name] = datetime.fromisoformat(value)
            elif name in BOOL_COLUMNS:
                row[name] = bool(value)
            elif name in JSON_COLUMNS and isinstance(value, str):
                row[name] = json.loads(value)
        return row

    def map_error(self, exc):
        if isinstance(exc, (sqlite3.IntegrityError, sqlite3.DataError)):
            return StoreRejected(first_line(exc))
        if isinstance(exc, (UnicodeError, ValueError, OverflowError)) and not isinstance(exc, sqlite3.Error):
            return StoreRejected(f"{type(exc).__name__}: {exc}"[:300])
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            return StoreBusy(first_line(exc))
        return StoreUnavailable(first_line(exc))  # disk I/O, a missing table, a closed file

    @contextmanager
    def transaction(self, conn):
        conn.execute("BEGIN IMMEDIATE")  # take the write lock now, not at the first write
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def minute(self, column):
        return f"substr({column}, 1, 16)"

    def json_text(self, column, key):
        return f"json_extract({column}, '$.{_json_key(key)}')"

    def lock(self, conn, key):
        pass  # the write transaction each file runs in serialises concurrent runners

    def unlock(self, conn, key):
        pass

    def run_script(self, conn, script, then=()):
        # executescript commits on its own; wrap the whole file in one explicit transaction.
        try:
            conn.executescript("BEGIN IMMEDIATE;\n" + script + "\n;")
            for sql, params in then:
                conn.execute(self.sql(sql), params)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def _json_key(key):
    """A top-level payload key spliced into SQL: our own constants only, never a caller's text."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", key):
        raise ValueError(f"not a plain JSON key: {key!r}")
    return key


def _sqlite_value(value):
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, bool):
        return int(value)
    return value


DIALECTS = {"postgresql": Postgres(), "sqlite": SQLite()}


def for_url(url):
    """(dialect, target) for a database URL (text or DatabaseURL)."""
    parsed = DatabaseURL.parse(url)
    return DIALECTS[parsed.dialect], parsed.target
