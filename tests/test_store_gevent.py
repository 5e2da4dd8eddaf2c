"""The stores under gevent, as gunicorn's default worker runs them: a greenlet per client connection.

Run in a child process: gevent's monkey-patching must come before everything else is imported.
"""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SQLITE_SCRIPT = """
from gevent import monkey; monkey.patch_all()
import gevent, os, sys
from webhooks import create_app
from webhooks.migrations import migrate_up
from tests.factories import TOKEN, envelope, payload_for
from tests.test_ingest_api import post

url = "sqlite:///" + sys.argv[1]
migrate_up("ingest", url)
app = create_app({"database_url": url, "webhook_tokens": (TOKEN,)})
store = app.extensions["sdiot_store"]

def one_connection(i):
    response = post(app.test_client(), envelope("gates", payload=payload_for("gates", seq=i)))
    assert response.status_code == 200, response.json

gevent.joinall([gevent.spawn(one_connection, i) for i in range(150)], raise_error=True)
print(len(store.db._all))
"""


def test_sqlite_under_gevent_holds_a_connection_per_concurrent_statement_not_per_greenlet(tmp_path):
    """150 client connections (greenlets) must not leave 150 open SQLite connections behind: the
    worker would run out of file descriptors and answer 503 to everything."""
    run = subprocess.run([sys.executable, "-c", SQLITE_SCRIPT, str(tmp_path / "ingest.db")], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert int(run.stdout.split()[-1]) <= 2


def test_the_worker_class_follows_the_database_driver(monkeypatch, tmp_path):
    """gevent where the driver waits cooperatively (psycopg), threads where it blocks (sqlite3);
    SDIOT_WORKER_CLASS overrides either."""
    import runpy

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))  # the config sets one if missing

    def worker_class(**env):
        for name in ("SDIOT_DATABASE_URL", "SDIOT_WORKER_CLASS"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_module("webhooks.gunicorn_conf")["worker_class"]

    assert worker_class() == "gthread"
    assert worker_class(SDIOT_DATABASE_URL="sqlite:////var/lib/sdiot/sdiot.db") == "gthread"
    assert worker_class(SDIOT_DATABASE_URL="postgresql://sdiot@db/sdiot") == "gevent"
    assert worker_class(SDIOT_DATABASE_URL="postgresql://sdiot@db/sdiot", SDIOT_WORKER_CLASS="gthread") == "gthread"
