"""Shared fixtures: throwaway PostgreSQL databases on the real server, and SQLite files.

Each PostgreSQL test gets its own database, cloned from a template migrated once per session, so
tests are isolated and several pytest runs can share the server.
"""
import os
import uuid

import psycopg
import pytest

from webhooks.migrations import migrate_up

PG_URL = os.environ.get("SDIOT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _url_for(dbname):
    base, _, _ = PG_URL.rpartition("/")
    return f"{base}/{dbname}"


def _admin():
    return psycopg.connect(PG_URL, autocommit=True)


def create_database(template=None):
    name = f"sdiot_t_{uuid.uuid4().hex[:12]}"
    with _admin() as conn:
        if template:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name):
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def _close_stores(monkeypatch):
    """Close every store an app opened in the test, so no pool or writer thread outlives it."""
    import webhooks.app
    from webhooks.store import open_store

    opened = []

    def tracking_open_store(*args, **kwargs):
        store = open_store(*args, **kwargs)
        opened.append(store)
        return store

    monkeypatch.setattr(webhooks.app, "open_store", tracking_open_store)
    yield
    for store in opened:
        store.close()


@pytest.fixture(scope="session")
def pg_available():
    try:
        with _admin():
            return True
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_URL}: {exc} (start it; .ci/run does)")


@pytest.fixture
def empty_pg_url(pg_available):
    """URL of a brand-new, empty PostgreSQL database, dropped after the test."""
    name = create_database()
    yield _url_for(name)
    drop_database(name)


@pytest.fixture(scope="session")
def _ingest_template(pg_available):
    name = create_database()
    migrate_up("ingest", _url_for(name))
    yield name
    drop_database(name)


@pytest.fixture
def ingest_pg_url(_ingest_template):
    """A migrated ingest DB of its own for this test."""
    name = create_database(template=_ingest_template)
    yield _url_for(name)
    drop_database(name)


@pytest.fixture
def ingest_sqlite_url(tmp_path):
    """A migrated SQLite ingest DB in the test's temporary folder."""
    url = f"sqlite:///{tmp_path / 'ingest.db'}"
    migrate_up("ingest", url)
    return url


@pytest.fixture(params=["postgresql", "sqlite"])
def ingest_url(request):
    """Runs the test on both stores: they must behave the same."""
    name = "ingest_pg_url" if request.param == "postgresql" else "ingest_sqlite_url"
    return request.getfixturevalue(name)
