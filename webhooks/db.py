"""Database URLs and raw connections for both dialects (PostgreSQL, SQLite).

``postgresql://…`` (or ``postgres://``) goes to psycopg 3; ``sqlite:///relative/path`` and
``sqlite:////absolute/path`` to the standard library. Nothing here pools: the store and the
migration runner decide how long a connection lives.
"""
import re
import sqlite3
from dataclasses import dataclass

import psycopg


@dataclass(frozen=True)
class DatabaseURL:
    dialect: str  # "postgresql" | "sqlite"
    target: str  # a libpq conninfo URL, or a filesystem path

    @classmethod
    def parse(cls, url):
        if url.startswith(("postgresql://", "postgres://")):
            return cls("postgresql", url)
        if url.startswith("sqlite:///"):
            path = url[len("sqlite:///"):]
            if not path:
                raise ValueError("sqlite URL needs a path: sqlite:///file.db")
            return cls("sqlite", path)
        raise ValueError(f"unsupported database URL {redact(url)!r}: use postgresql://… or sqlite:///path")


def redact(url):
    """The URL with any password masked (userinfo or ``?password=``), for logs and error messages."""
    url = re.sub(r"([?&]password=)[^&]*", r"\1***", url)
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else url


def connect_sqlite(path, timeout=30.0):
    """A SQLite connection in WAL mode: readers never block the single writer."""
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit survives power loss, the same promise PostgreSQL's synchronous commit makes.
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    conn.row_factory = sqlite3.Row
    return conn


def connect(url, **kwargs):
    """A new autocommit connection for ``url`` (a string or DatabaseURL)."""
    parsed = url if isinstance(url, DatabaseURL) else DatabaseURL.parse(url)
    if parsed.dialect == "sqlite":
        return connect_sqlite(parsed.target, **kwargs)
    return psycopg.connect(parsed.target, autocommit=True, **kwargs)
