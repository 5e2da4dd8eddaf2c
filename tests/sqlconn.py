"""Raw connections for tests that look at (or reset) rows behind the store's back.

Tests read the tables they assert on with plain SQL; rows they need are written through the
store's own API (``webhooks.tools.readings``), never here.
"""
import sqlite3

import psycopg

from webhooks.dburl import DatabaseURL


def connect(url):
    """An autocommit connection to an ingest DB URL (psycopg or sqlite3)."""
    parsed = DatabaseURL.parse(url)
    if parsed.dialect == "postgresql":
        return psycopg.connect(parsed.target, autocommit=True)
    conn = sqlite3.connect(parsed.target, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn
