"""Several forwarders on one PostgreSQL outbox: SKIP LOCKED claims, leases, LISTEN/NOTIFY.

Odoo is the simulated one (``webhooks.tools.simodoo``: odoo/odoo addons/rpc/controllers/json2.py
shapes, the addon's ingest keyed by message_key). ``calls`` counts every row Odoo was sent, so
"exactly once" is checked on the wire, not only through Odoo's idempotency.
"""
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from odoo_connector import OdooClient, RetryPolicy
from odoo_connector.mapping import to_odoo_values
from tests.sqlconn import connect
from webhooks.tools import readings as sample
from webhooks.tools import simodoo
from webhooks.forwarder.backoff import Backoff
from webhooks.forwarder.options import Options
from webhooks.forwarder.worker import Worker

FAST = dict(backoff=Backoff(base=0.05, cap=0.2, jitter=False), metrics_port=0)


@pytest.fixture
def sim():
    with simodoo.SimOdoo(version=19, service_ms=2) as odoo:
        yield odoo


def client_for(sim):
    return OdooClient(sim.url, api_key="sim-key", protocol="json2", retry=RetryPolicy.off())


def readings(n, device="TS001"):
    start = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
    return [sample.reading(device_id=device, at=start + timedelta(seconds=i), seq=i) for i in range(n)]


def states(url):
    with connect(url) as conn:
        return dict(conn.execute("SELECT state, count(*) FROM message GROUP BY state").fetchall())


def wait_for(predicate, seconds):
    """Poll a condition until it holds or the deadline passes; returns its last value."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.02)


def test_two_forwarders_deliver_each_message_exactly_once(ingest_pg_url, sim):
    """Two workers draining one outbox in parallel send every row to Odoo once, and only once."""
    sample.insert(ingest_pg_url, readings(300, "TS001") + readings(300, "TS002"))
    workers = [Worker(ingest_pg_url, client_for(sim), Options(batch_size=25, listen=False, **FAST))
               for _ in range(2)]
    results = [None, None]

    def run(i):
        results[i] = workers[i].drain(max_seconds=30)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for w in workers:
        w.close()
    assert not any(t.is_alive() for t in threads)
    assert sum(n for _, _, n in sim.calls) == 600  # no row sent twice
    assert sim.count() == 600
    assert results[0].delivered > 0 and results[1].delivered > 0  # both really worked
    assert results[0].delivered + results[1].delivered == 600
    assert states(ingest_pg_url) == {"delivered": 600}


def test_killed_worker_lease_expires_and_rows_are_delivered_once(ingest_pg_url, sim):
    """A worker that died holding a lease (after Odoo committed half its batch) loses nothing, duplicates nothing."""
    batch = readings(10)
    sample.insert(ingest_pg_url, batch)
    dead = Worker(ingest_pg_url, client_for(sim), Options(listen=False, **FAST), worker_id="dead-worker")
    claimed = dead.outbox.claim("message", 10, 3.0, dead.worker_id)
    first_half = [to_odoo_values(r)[1] for r in claimed[:5]]
    committed = client_for(sim).ingest("iot.temperature.reading", first_half)  # then the pod died
    dead.close()

    live = Worker(ingest_pg_url, client_for(sim), Options(listen=False, **FAST), worker_id="live-worker")
    try:
        stats, _ = live.run_once()
        assert stats.claimed == 0  # the lease still holds
        assert wait_for(lambda: live.run_once()[0].claimed, 15) == 10
    finally:
        live.close()
    assert sim.count() == 10
    with connect(ingest_pg_url) as conn:
        rows = dict(conn.execute("SELECT message_key, odoo_id FROM message WHERE state = 'delivered'").fetchall())
        attempts = {r[0] for r in conn.execute("SELECT attempts FROM message").fetchall()}
    assert len(rows) == 10 and attempts == {2}
    assert [rows[r["message_key"]] for r in claimed[:5]] == [c["id"] for c in committed]


def test_late_mark_from_an_expired_lease_changes_nothing(ingest_pg_url, sim):
    """A worker whose lease ran out and was taken over cannot overwrite the new owner's outcome."""
    sample.insert(ingest_pg_url, readings(1))
    slow = Worker(ingest_pg_url, client_for(sim), Options(listen=False, **FAST), worker_id="slow")
    fast = Worker(ingest_pg_url, client_for(sim), Options(listen=False, **FAST), worker_id="fast")
    try:
        mine = slow.outbox.claim("message", 1, 0.05, slow.worker_id)
        assert wait_for(lambda: fast.run_once()[0].delivered, 5) == 1
        slow.outbox.mark_failed("message", [(mine[0], "late")], slow.worker_id)
    finally:
        slow.close()
        fast.close()
    assert states(ingest_pg_url) == {"delivered": 1}


def test_notify_wakes_an_idle_forwarder_before_the_poll(ingest_pg_url, sim):
    """An insert is delivered within seconds although the poll interval is a minute (LISTEN/NOTIFY)."""
    w = Worker(ingest_pg_url, client_for(sim), Options(poll_seconds=60, **FAST))
    thread = threading.Thread(target=w.run, kwargs={"stop_after": 30})
    thread.start()
    try:
        assert wait_for(lambda: w.wakeup.waiting, 5)  # idle, listening, the poll a minute away
        inserted = time.monotonic()
        sample.insert(ingest_pg_url, readings(1))
        # Far inside the 60 s poll interval: only the NOTIFY can have woken it.
        assert wait_for(lambda: states(ingest_pg_url).get("delivered") == 1, 10)
        assert time.monotonic() - inserted < 10
    finally:
        w.stop()
        thread.join(timeout=10)
        w.close()
    assert not thread.is_alive()


def test_stop_finishes_the_batch_in_hand(ingest_pg_url, sim):
    """stop() during a batch lets it be delivered and marked, then the loop ends."""
    sample.insert(ingest_pg_url, readings(5))
    w = Worker(ingest_pg_url, client_for(sim), Options(listen=False, **FAST))
    original = w.client.ingest

    def ingest_then_stop(model, rows):
        w.stop()  # SIGTERM arrives while Odoo is working on the batch
        return original(model, rows)

    w.client.ingest = ingest_then_stop
    try:
        totals = w.run(stop_after=10)
    finally:
        w.close()
    assert totals.delivered == 5
    assert states(ingest_pg_url) == {"delivered": 5}


def test_worker_survives_losing_its_database_connection(ingest_pg_url, sim):
    """The claim connection dies (DB restart): the loop reconnects after a backoff and delivers."""
    sample.insert(ingest_pg_url, readings(3))
    w = Worker(ingest_pg_url, client_for(sim), Options(listen=False, poll_seconds=0.1, **FAST))
    w.outbox.stats()  # the worker holds a connection now; the server ends it, as a restart would
    with connect(ingest_pg_url) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    thread = threading.Thread(target=w.run, kwargs={"stop_after": 20})
    thread.start()
    try:
        assert wait_for(lambda: states(ingest_pg_url).get("delivered") == 3, 10)
    finally:
        w.stop()
        thread.join(timeout=10)
        w.close()
    assert not thread.is_alive() and sim.count() == 3
