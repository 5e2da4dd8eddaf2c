"""Throwaway ingest databases on a PostgreSQL server, for the benchmarks (and what they measure).

``scratch_database(admin_url)`` creates a database beside the one ``admin_url`` names, migrates it,
yields its URL and drops it afterwards, whatever happened. ``backend_pids(url)`` lists the server
processes serving a database, so a benchmark can charge their CPU to the run.
"""
import uuid
from contextlib import contextmanager

from webhooks.store.database import Database


@contextmanager
def scratch_database(admin_url, prefix="sdiot_bench"):
    from webhooks.migrations import migrate_up  # the runner uses the store: import it late

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = Database.open(admin_url)
    with admin.dedicated() as session:
        session.execute(f'CREATE DATABASE "{name}"')
    try:
        url = admin_url.rsplit("/", 1)[0] + "/" + name
        migrate_up("ingest", url)
        yield url
    finally:
        with admin.dedicated() as session:
            session.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def backend_pids(url):
    """PIDs of the PostgreSQL backends connected to ``url``'s database (other than this query's)."""
    with Database.open(url).dedicated() as session:
        return [pid for (pid,) in session.all(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]
