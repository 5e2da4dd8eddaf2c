"""The forwarder's small parts: backoff bounds, coalescing order, the outbox count, metric names."""
import urllib.request
from contextlib import closing
from datetime import datetime, timedelta, timezone

import pytest

from tests.sqlconn import connect
from webhooks.forwarder import metrics
from webhooks.tools import readings as sample
from webhooks.forwarder.backoff import Backoff, Streak
from webhooks.forwarder.device_events import coalesce
from webhooks.store import open_store

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("attempt,expected", [(1, 0.5), (2, 1.0), (3, 2.0), (8, 60.0), (500, 60.0)])
def test_backoff_doubles_up_to_the_cap(attempt, expected):
    """Without jitter the wait is base·2^(n-1), never above the cap (even for huge n)."""
    assert Backoff(base=0.5, cap=60.0, jitter=False).delay(attempt) == expected


@pytest.mark.parametrize("rand,expected", [(0.0, 0.2), (1.0, 2.0), (0.5, 1.1)])
def test_backoff_jitter_stays_between_a_tenth_and_the_step(rand, expected):
    """Full jitter spreads waits over [step/10, step]; it never retries at once."""
    assert Backoff(base=0.5, cap=60.0).delay(3, rand=lambda: rand) == pytest.approx(expected)


def test_streak_resets_on_success():
    """A success ends the streak: the next failure waits the base delay again."""
    streak = Streak(Backoff(base=1.0, cap=8.0, jitter=False))
    assert [streak.failed() for _ in range(5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    streak.succeeded()
    assert streak.failed() == 1.0


def _presence(device, seconds):
    return {"_table": "device_presence", "device_id": device, "event_at": T0 + timedelta(seconds=seconds)}


def _status(device, seconds):
    return {"_table": "message", "odoo_model": "iot.device", "device_id": device,
            "device_ts": T0 + timedelta(seconds=seconds)}


def test_coalesce_keeps_the_latest_event_per_device_and_kind_in_device_order():
    """Reordered events: per device and kind the newest wins, whatever the arrival order; devices sorted."""
    rows = [_presence("TS002", 5), _status("TS001", 3), _presence("TS001", 4), _status("TS001", 1)]
    groups = coalesce(rows)
    assert [(g.winner["device_id"], g.winner["_table"]) for g in groups] == [
        ("TS001", "device_presence"), ("TS001", "message"), ("TS002", "device_presence")]
    assert groups[0].winner is rows[2] and groups[0].superseded == []
    assert groups[1].winner is rows[1] and groups[1].superseded == [rows[3]]


def test_a_newer_connect_does_not_hide_a_status_report():
    """Status carries firmware, battery and errors: it is sent even when a later presence event exists."""
    presence, status = _presence("TS001", 9), _status("TS001", 1)
    winners = [g.winner for g in coalesce([presence, status])]
    assert presence in winners and status in winners


def test_pending_count_counts_pending_readings_up_to_the_cap(ingest_url):
    """outbox.pending_count(cap) stops counting at cap+1: enough to compare with the limit, cheap."""
    sample.insert(ingest_url, [sample.reading(at=T0 + timedelta(seconds=i), seq=i) for i in range(7)])
    with closing(connect(ingest_url)) as conn:
        conn.execute("UPDATE message SET state = 'delivered' WHERE message_key = (SELECT min(message_key) FROM message)")
    with closing(open_store(ingest_url)) as store:
        assert store.outbox.pending_count() == 6
        assert store.outbox.pending_count(cap=3) == 4
        assert store.outbox.pending_count(cap=10) == 6
        assert store.outbox.pending_count(cap=100) == 6


def test_metrics_endpoint_serves_the_contract_names():
    """The forwarder's /metrics (loopback, ephemeral port) exposes exactly the team's metric names."""
    metrics.BATCH_SIZE.observe(3)
    metrics.ODOO_ERRORS.labels("ServerError").inc()
    server = metrics.serve(_free_port(), addr="127.0.0.1")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/metrics", timeout=5) as resp:
            text = resp.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    for name in ("sdiot_outbox_pending", "sdiot_outbox_failed", "sdiot_outbox_oldest_pending_age_seconds",
                 "sdiot_forwarder_batch_size_bucket", 'sdiot_odoo_errors_total{kind="ServerError"}'):
        assert name in text
    assert metrics.serve(0) is None


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_bench_runs_small_and_prints_its_figures(pg_available, capsys):
    """The benchmark (tiny parameters) prints per-RPC readings, throughput, ratio and percentiles."""
    from webhooks.tools.bench import delivery as bench

    assert bench.main(["--rows", "40", "--baseline-rows", "4", "--batch-size", "20", "--rate", "50",
                       "--seconds", "0.4", "--service-ms", "1"]) == 0
    out = capsys.readouterr().out
    assert "40/40 rows" in out and "20.0 readings per Odoo RPC" in out
    assert "ratio batched / batch-1" in out and "p95" in out and "20/20 delivered" in out
