"""Versioned plain-SQL migrations for the ingest DB and the EMQX auth DB.

Files live in ``sql/<database>/NNNN_name.sql`` (PostgreSQL) and, for the ingest DB's embedded
default, ``sql/<database>/sqlite/NNNN_name.sql``. Each file has a ``-- migrate:up`` section and a
``-- migrate:down`` section. A file applies whole or not at all (one transaction); the applied
version is recorded with a SHA-256 of its up section, so an edited applied file is caught.
Concurrent runners (two pods starting) serialise on a PostgreSQL advisory lock, or on SQLite's
write lock.
"""
import hashlib
import re
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from webhooks.dburl import DatabaseURL
from webhooks.store import StoreError
from webhooks.store.database import Database

# The repo's sql/ folder, shipped as the package ``sdiot_sql`` (setup.cfg maps it), so a wheel
# install finds the same files a checkout does.
SQL_ROOT = Path(str(files("sdiot_sql")))
DATABASES = ("ingest", "auth")
_FILE = re.compile(r"^(\d{4,})_([a-z0-9_]+)\.sql$")
_UP = "-- migrate:up"
_DOWN = "-- migrate:down"
# A fixed key, so every runner of the same database contends for the same advisory lock.
_LOCK_KEY = {"ingest": 72_010_001, "auth": 72_010_002}


class MigrationError(Exception):
    """A migration cannot be applied or the recorded history disagrees with the files."""


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path
    up: str
    down: str

    @property
    def checksum(self):
        return hashlib.sha256(self.up.strip().encode()).hexdigest()


def parse(path):
    """Split a migration file into its up and down SQL (pure; no database)."""
    match = _FILE.match(path.name)
    if not match:
        raise MigrationError(f"{path}: name must look like 0001_create_tables.sql")
    text = path.read_text()
    if _UP not in text:
        raise MigrationError(f"{path}: missing '{_UP}' line")
    up, _, down = text.partition(_UP)[2].partition(_DOWN)
    if not up.strip():
        raise MigrationError(f"{path}: the up section is empty")
    return Migration(match.group(1), match.group(2), path, up.strip(), down.strip())


def discover(database, dialect, root=None):
    root = Path(root or SQL_ROOT) / database
    folder = root / "sqlite" if dialect == "sqlite" else root
    found = [parse(p) for p in sorted(folder.glob("*.sql"))] if folder.is_dir() else []
    if not found:  # an incomplete install must not look like an empty history
        raise MigrationError(f"no migrations for {database} on {dialect} in {folder}: the install is incomplete")
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"duplicate migration versions in {folder}")
    return found


@dataclass(frozen=True)
class Status:
    migration: Migration
    applied: bool
    tampered: bool


class Runner:
    def __init__(self, database, url, root=None):
        if database not in DATABASES:
            raise MigrationError(f"unknown database {database!r}; one of {', '.join(DATABASES)}")
        self.database = database
        self.url = url if isinstance(url, DatabaseURL) else DatabaseURL.parse(url)
        if database == "auth" and self.url.dialect != "postgresql":
            raise MigrationError("the auth DB is PostgreSQL only (EMQX reads it)")
        self.migrations = discover(database, self.url.dialect, root)

    # -- connection and lock -------------------------------------------------------------
    @contextmanager
    def _session(self):
        try:
            with Database.open(self.url).dedicated() as session:
                session.lock(_LOCK_KEY[self.database])
                try:
                    self._ensure_table(session)
                    yield session
                finally:
                    session.unlock(_LOCK_KEY[self.database])
        except StoreError as exc:
            raise MigrationError(f"{self.database} DB at {self.url}: {exc}") from exc

    def _ensure_table(self, session):
        session.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
            " applied_at text NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )

    def _applied(self, session):
        return dict(session.all("SELECT version, checksum FROM schema_migrations"))

    # -- commands ----------------------------------------------------------------------------
    def status(self):
        with self._session() as session:
            applied = self._applied(session)
        known = {m.version for m in self.migrations}
        unknown = sorted(set(applied) - known)
        if unknown:
            raise MigrationError(
                f"{self.database}: applied versions {unknown} have no file here; "
                "deploy the code that has them, or roll them back with the code that added them"
            )
        return [
            Status(m, m.version in applied, m.version in applied and applied[m.version] != m.checksum)
            for m in self.migrations
        ]

    def _check_tamper(self, applied):
        for m in self.migrations:
            if m.version in applied and applied[m.version] != m.checksum:
                raise MigrationError(
                    f"{m.path} was edited after it was applied (checksum differs). Restore it "
                    f"(git checkout -- {m.path}) "
                    "and put the change in a new migration file."
                )

    def up(self):
        """Apply every pending migration in order; returns the versions applied."""
        done = []
        with self._session() as session:
            applied = self._applied(session)
            self._check_tamper(applied)
            for m in self.migrations:
                if m.version not in applied:
                    self._apply_or_explain(session, m.up, m, record=True)
                    done.append(m.version)
        return done

    def down(self):
        """Roll back the most recently applied migration; returns its version or None."""
        with self._session() as session:
            applied = self._applied(session)
            self._check_tamper(applied)
            last = next((m for m in reversed(self.migrations) if m.version in applied), None)
            if last is None:
                return None
            if not last.down:
                raise MigrationError(f"{last.path} has no '{_DOWN}' section; it cannot be rolled back")
            self._apply_or_explain(session, last.down, last, record=False)
            return last.version

    def _apply_or_explain(self, session, sql, m, record):
        """Apply one file's section; a database error names the file and says nothing stayed."""
        bookkeeping = (("INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                        (m.version, m.name, m.checksum)) if record else
                       ("DELETE FROM schema_migrations WHERE version = %s", (m.version,)))
        try:
            session.run_script(sql, [bookkeeping])
        except StoreError as exc:
            section = "up" if record else "down"
            raise MigrationError(
                f"{m.path} ({section}) failed and was rolled back, nothing of it applied: {exc}. Fix the "
                "file (if it was never applied anywhere) or add a new migration, then run again."
            ) from exc


def migrate_up(database, url):
    """Apply pending migrations (used by tests, the demo and the ``release:`` step)."""
    return Runner(database, url).up()
