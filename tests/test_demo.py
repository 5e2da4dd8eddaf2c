"""``sdiot demo --no-serve``: a simulated farm end to end on SQLite, its summary matching the store."""
import json
import sqlite3
import subprocess
import sys

import pytest

SDIOT = [sys.executable, "-c", "import sys; from webhooks.cli import main; sys.exit(main())"]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One small demo in a fresh folder (its default ./var/demo.db), bounded in time."""
    cwd = tmp_path_factory.mktemp("demo")
    summary_path = cwd / "summary.json"
    proc = subprocess.run(SDIOT + ["demo", "--no-serve", "--cows", "12", "--hours", "8", "--seed", "5",
                                   "--json-summary", str(summary_path)],
                          cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**_env(), "SDIOT_ODOO_URL": ""})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    db = sqlite3.connect(cwd / "var" / "demo.db")
    yield proc, json.loads(summary_path.read_text()), db
    db.close()


def _env():
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("SDIOT_")}


def _scalar(db, sql, *params):
    return db.execute(sql, params).fetchone()[0]


def test_demo_exits_0_and_prints_the_summary_table(demo_run):
    """The run ends with the table: streams, device types, reasons, cold-chain alerts, latency, outbox."""
    proc, summary, _ = demo_run
    for text in ("by stream", "by device type", "rejected by reason", "cold-chain alerts raised",
                 "latency (client-side, per POST): p50", "outbox:", "SDIOT_ODOO_URL"):
        assert text in proc.stdout
    assert "sending [" in proc.stderr  # the progress bar
    assert summary["not_stored"] == 0 and summary["presence_failed"] == 0
    assert summary["latency_ms"]["p50"] <= summary["latency_ms"]["p99"]


def test_accepted_counts_match_the_message_table(demo_run):
    """Accepted = rows in message, per stream and per device type."""
    _, summary, db = demo_run
    assert summary["accepted"] == _scalar(db, "SELECT count(*) FROM message") > 0
    kinds = dict(db.execute("SELECT kind, count(*) FROM message GROUP BY kind").fetchall())
    stream_kind = {"telemetry": "data", "status": "status", "alerts": "alerts"}
    assert {stream_kind[s]: c.get("accepted", 0) for s, c in summary["by_stream"].items()} == kinds
    types = dict(db.execute("SELECT device_type, count(*) FROM message GROUP BY device_type").fetchall())
    assert {t: c.get("accepted", 0) for t, c in summary["by_device_type"].items() if c.get("accepted")} == types


def test_rejections_match_the_dead_letters_by_reason(demo_run):
    """Rejected = dead letters, reason by reason; the simulator's faults produce each kind."""
    _, summary, db = demo_run
    reasons = dict(db.execute("SELECT reason, count(*) FROM dead_letter GROUP BY reason").fetchall())
    assert summary["rejected_by_reason"] == reasons
    assert summary["rejected"] == sum(reasons.values())
    assert {"identity_mismatch", "payload_not_json", "timestamp_in_future"} <= set(reasons)
    assert summary["duplicates"] >= summary["farm"]["faults"]["duplicate"] > 0


def test_cold_chain_alerts_and_presence_are_in_the_store(demo_run):
    """Alerts the cold_chain rule raised are stored alert rows; every device has a presence row."""
    _, summary, db = demo_run
    stored = _scalar(db, "SELECT count(*) FROM message WHERE kind = 'alerts' AND payload LIKE ?",
                     '%"source":"rule:cold_chain"%')
    assert summary["cold_chain_alerts"]["accepted"] == stored > 0
    assert _scalar(db, "SELECT count(*) FROM device_presence") == summary["farm"]["devices"]


def test_without_odoo_the_outbox_holds_everything(demo_run):
    """With no SDIOT_ODOO_* set nothing is delivered: the outbox reports every accepted row pending."""
    _, summary, db = demo_run
    assert summary["forwarder"] is None
    pending = _scalar(db, "SELECT count(*) FROM message WHERE state = 'pending'")
    presence = _scalar(db, "SELECT count(*) FROM device_presence WHERE state = 'pending'")
    assert summary["outbox"]["pending"] == pending + presence == summary["accepted"] + summary["farm"]["devices"]
