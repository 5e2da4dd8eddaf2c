"""``sdiot outbox list|retry|stats`` and ``sdiot forward --once`` on both stores.

``forward`` talks to the simulated Odoo (``webhooks.tools.simodoo``: odoo/odoo
addons/rpc/controllers/json2.py wire format) configured through the SDIOT_ODOO_* variables.
"""
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import closing
from datetime import datetime, timedelta, timezone

import pytest

from webhooks.cli import main
from tests.sqlconn import connect
from webhooks.tools import simodoo
from webhooks.tools import readings as sample

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def outbox(ingest_url):
    """Three readings: one delivered, one failed (with Odoo's message), one pending."""
    rows = [sample.reading(at=T0 + timedelta(seconds=i), seq=i) for i in range(3)]
    sample.insert(ingest_url, rows)
    with closing(connect(ingest_url)) as conn:
        ph = "?" if ingest_url.startswith("sqlite") else "%s"
        conn.execute(f"UPDATE message SET state = 'delivered', odoo_id = 41 WHERE message_key = {ph}",
                     (rows[0].message_key,))
        conn.execute(f"UPDATE message SET state = 'failed', attempts = 1, last_error = {ph} WHERE message_key = {ph}",
                     ("The operation cannot be completed: temperature out of range", rows[1].message_key))
        ids = [r[0] for r in conn.execute("SELECT id FROM message ORDER BY id").fetchall()]
    return ingest_url, ids


@pytest.fixture
def odoo_env(monkeypatch):
    with simodoo.SimOdoo(version=19) as sim:
        monkeypatch.setenv("SDIOT_ODOO_URL", sim.url)
        monkeypatch.setenv("SDIOT_ODOO_API_KEY", "sim-key")
        monkeypatch.setenv("SDIOT_ODOO_PROTOCOL", "json2")
        yield sim


def test_list_failed_shows_odoos_message(outbox, capsys):
    """list --state failed prints the failed row with its msg_id and Odoo's error."""
    url, ids = outbox
    assert main(["outbox", "list", "--state", "failed", "--database-url", url]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].split()[0] == str(ids[1])
    assert "temperature out of range" in out[0] and "msg_id=" in out[0]


def test_list_json_gives_the_rows_newest_first(outbox, capsys):
    """--json prints one document whose result holds the rows, newest first; --limit bounds them."""
    url, ids = outbox
    assert main(["outbox", "list", "--json", "--limit", "2", "--database-url", url]) == 0
    rows = json.loads(capsys.readouterr().out)["result"]["rows"]
    assert [r["id"] for r in rows] == [ids[2], ids[1]]
    assert [r["state"] for r in rows] == ["pending", "failed"]


def test_retry_by_id_requeues_a_failed_row(outbox, capsys):
    """retry --id moves that failed row back to pending, due now, attempts reset."""
    url, ids = outbox
    assert main(["outbox", "retry", "--id", str(ids[1]), "--database-url", url]) == 0
    assert "requeued 1" in capsys.readouterr().out
    with closing(connect(url)) as conn:
        state = conn.execute(f"SELECT state, attempts FROM message WHERE id = {ids[1]}").fetchone()
    assert tuple(state) == ("pending", 0)


def test_retry_of_a_row_that_is_not_failed_says_so(outbox, capsys):
    """An id that is not a failed message is reported and the exit code is 1."""
    url, ids = outbox
    assert main(["outbox", "retry", "--id", str(ids[0]), "--database-url", url]) == 1
    assert "not failed" in capsys.readouterr().err


def test_retry_needs_a_selection(outbox, capsys):
    """retry without --id or --all-failed changes nothing and exits 2."""
    url, _ = outbox
    assert main(["outbox", "retry", "--database-url", url]) == 2
    assert main(["outbox", "stats", "--json", "--database-url", url]) == 0
    assert "--all-failed" in capsys.readouterr().err


def test_stats_counts_by_state(outbox, capsys):
    """stats --json: one of each state, and an age for the oldest pending row."""
    url, _ = outbox
    assert main(["outbox", "stats", "--json", "--database-url", url]) == 0
    stats = json.loads(capsys.readouterr().out)["result"]
    assert (stats["pending"], stats["failed"], stats["delivered"]) == (1, 1, 1)
    assert stats["oldest_pending_age_seconds"] >= 0


def test_forward_once_delivers_then_retry_all_failed_delivers_the_rest(outbox, odoo_env, capsys):
    """forward --once delivers the pending row; after retry --all-failed a second run delivers the failed one."""
    url, ids = outbox
    assert main(["forward", "--once", "--database-url", url]) == 0
    assert "delivered 1, failed 0, still pending 0" in capsys.readouterr().out
    assert main(["outbox", "retry", "--all-failed", "--database-url", url]) == 0
    assert main(["forward", "--once", "--database-url", url]) == 0
    assert odoo_env.count() == 2
    capsys.readouterr()
    assert main(["outbox", "stats", "--json", "--database-url", url]) == 0
    stats = json.loads(capsys.readouterr().out)["result"]
    assert (stats["pending"], stats["failed"], stats["delivered"]) == (0, 0, 3)


def test_forward_once_exits_75_when_odoo_stays_down(outbox, monkeypatch, capsys):
    """Odoo unreachable for the whole bound: exit 75, the row is still pending (nothing lost)."""
    url, _ = outbox
    monkeypatch.setenv("SDIOT_ODOO_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SDIOT_ODOO_API_KEY", "k")
    monkeypatch.setenv("SDIOT_ODOO_PROTOCOL", "json2")
    assert main(["forward", "--once", "--max-seconds", "0.2", "--database-url", url]) == 75
    assert "still pending 1" in capsys.readouterr().out


def test_forward_without_odoo_settings_is_an_operator_error(outbox, monkeypatch, capsys):
    """No SDIOT_ODOO_URL: a one-line error, exit 78 (EX_CONFIG), no traceback."""
    url, _ = outbox
    for var in ("SDIOT_ODOO_URL", "SDIOT_ODOO_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    assert main(["forward", "--once", "--database-url", url]) == 78
    assert "SDIOT_ODOO_URL" in capsys.readouterr().err


def test_forward_worker_exits_0_on_sigterm(ingest_sqlite_url, odoo_env):
    """The long-running worker delivers, then on SIGTERM finishes and exits 0 promptly."""
    sample.insert(ingest_sqlite_url, [sample.reading(at=T0)])
    env = {**os.environ, "SDIOT_DATABASE_URL": ingest_sqlite_url, "SDIOT_FORWARDER_METRICS_PORT": "0",
           "SDIOT_FORWARDER_POLL_SECONDS": "0.2"}
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from webhooks.cli import main; sys.exit(main(['forward']))"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while odoo_env.count() < 1 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert odoo_env.count() == 1
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
