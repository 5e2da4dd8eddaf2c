"""ops/postgres/initdb: the compose PostgreSQL's first-start script, run for real.

The script runs with psql against the test server under throwaway names, then the auth migrations
run as the owner role, and EMQX's authn/authz queries (read from ops/emqx/auth.hocon) run as
EMQX's read-only role: what compose sets up is enough for the broker, and no more.
"""
import os
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from webhooks.auth_db import emqx_config, provisioning
from webhooks.migrations import migrate_up

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "ops" / "postgres" / "initdb" / "10-sdiot-databases.sh"
# The same server the conftest fixtures use.
PG_URL = os.environ.get("SDIOT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _url(user, db):
    parts = urlsplit(PG_URL)
    return f"postgresql://{user}:pw@{parts.hostname or '127.0.0.1'}:{parts.port or 5432}/{db}"


@pytest.fixture
def initialised(pg_available):
    """Run the init script with unique names; drop what it created afterwards."""
    tag = uuid.uuid4().hex[:10]
    names = {"auth": f"sdiot_t_auth_{tag}", "ingest": f"sdiot_t_ingest_{tag}", "emqx": f"sdiot_t_emqx_{tag}"}
    parts = urlsplit(PG_URL)
    env = dict(os.environ, PGHOST=parts.hostname or "127.0.0.1", PGPORT=str(parts.port or 5432),
               POSTGRES_USER=parts.username or "postgres", SDIOT_AUTH_DB=names["auth"],
               SDIOT_INGEST_DB=names["ingest"], EMQX_AUTH_ROLE=names["emqx"],
               SDIOT_AUTH_DB_PASSWORD="pw", SDIOT_INGEST_DB_PASSWORD="pw", EMQX_AUTH_DB_PASSWORD="pw")
    try:
        result = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
        yield names
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            for db in (names["auth"], names["ingest"]):
                admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            for role in (names["emqx"], names["auth"], names["ingest"]):
                admin.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_emqx_role_runs_the_shipped_queries_after_migrations(initialised):
    """After `sdiot migrate auth` as the owner, EMQX's role runs the authn and authz queries."""
    n = initialised
    migrate_up("auth", _url(n["auth"], n["auth"]))
    with psycopg.connect(_url(n["auth"], n["auth"]), autocommit=True) as owner:
        provisioning.add_device(owner, "farm1", "temperature", "TS001")
    config = emqx_config.load()
    with psycopg.connect(_url(n["emqx"], n["auth"]), autocommit=True) as emqx:
        row = emqx_config.run_authn(emqx, config, "TS001")
        assert row is not None and row["password_hash"]
        topics = [r["topic"] for r in emqx_config.run_authz(emqx, config, "TS001")]
        assert any("farm1" in t for t in topics)


def test_emqx_role_is_read_only_and_kept_out_of_the_ingest_db(initialised):
    """EMQX's role cannot change the auth DB nor connect to the ingest DB."""
    n = initialised
    migrate_up("auth", _url(n["auth"], n["auth"]))
    with psycopg.connect(_url(n["emqx"], n["auth"]), autocommit=True) as emqx:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            emqx.execute("DELETE FROM mqtt_user")
    with pytest.raises(psycopg.OperationalError, match="permission denied"):
        psycopg.connect(_url(n["emqx"], n["ingest"])).close()


def test_ingest_owner_can_migrate_its_database(initialised):
    """The ingest role owns its database: `sdiot migrate ingest` runs as it."""
    n = initialised
    assert migrate_up("ingest", _url(n["ingest"], n["ingest"]))
