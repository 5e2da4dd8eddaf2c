"""The forwarder against a simulated Odoo, on PostgreSQL and SQLite (fixture ``ingest_url``).

Odoo is faked only at the transport: ``webhooks.tools.simodoo`` speaks ``/jsonrpc``
(odoo/odoo: odoo/addons/base/controllers/rpc.py, odoo/http.py JsonRPCDispatcher) and
``/json/2/<model>/<method>`` (odoo/odoo: addons/rpc/controllers/json2.py) with the error bodies of
``serialize_exception`` (odoo/http.py), and behaves like the addon's ``ingest`` (one record per
message_key, per-row answers). The real ``OdooClient`` talks to it over loopback.
"""
import dataclasses
import json
import time
from datetime import datetime, timedelta, timezone

import pytest

from odoo_connector import OdooClient, RetryPolicy
from tests.sqlconn import connect
from webhooks.forwarder import drain, metrics
from webhooks.tools import simodoo
from webhooks.forwarder.backoff import Backoff
from webhooks.forwarder.options import Options
from webhooks.forwarder.worker import Worker
from webhooks.tools import readings as sample

FAST = {"backoff": Backoff(base=0.05, cap=0.2, jitter=False), "batch_size": 50}
PROTOCOLS = [("json2", 19), ("jsonrpc", 17), ("jsonrpc", 19)]


@pytest.fixture
def sim():
    with simodoo.SimOdoo(version=19) as odoo:
        yield odoo


@pytest.fixture
def db(ingest_url):
    conn = connect(ingest_url)
    yield conn
    conn.close()


def client_for(sim, protocol="json2", timeout=(1.0, 5.0)):
    return OdooClient(sim.url, db="farm", user="bot", api_key="sim-key", protocol=protocol,
                      timeout=timeout, retry=RetryPolicy.off())


def rows_of(conn, table="message"):
    order = "id" if table == "message" else "clientid"
    cur = conn.execute(f"SELECT * FROM {table} ORDER BY {order}")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def readings(n, device="TS001", start=None):
    start = start or datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
    return [sample.reading(device_id=device, at=start + timedelta(seconds=i), seq=i) for i in range(n)]


def worker(url, client, **options):
    return Worker(url, client, Options(listen=False, metrics_port=0, **{**FAST, **options}))


@pytest.mark.parametrize("protocol,version", PROTOCOLS)
def test_delivers_every_row_once_with_its_odoo_id(ingest_url, db, protocol, version):
    """Every pending reading reaches Odoo in batched ingest calls and is marked with its record id."""
    sample.insert(ingest_url, readings(120))
    before = metrics.REGISTRY.get_sample_value("sdiot_forwarder_delivered_total",
                                               {"model": "iot.temperature.reading"}) or 0
    with simodoo.SimOdoo(version=version) as odoo:
        stats = drain(ingest_url, client_for(odoo, protocol), **FAST)
        held = {key: rec_id for key, (rec_id, _) in odoo.records["iot.temperature.reading"].items()}
        calls = list(odoo.calls)
    rows = rows_of(db)
    assert stats.delivered == 120 and stats.failed == 0
    assert {r["state"] for r in rows} == {"delivered"}
    assert {r["message_key"]: r["odoo_id"] for r in rows} == held
    assert calls == [("iot.temperature.reading", "ingest", 50)] * 2 + [("iot.temperature.reading", "ingest", 20)]
    assert all(r["lease_until"] is None and r["leased_by"] is None for r in rows)
    after = metrics.REGISTRY.get_sample_value("sdiot_forwarder_delivered_total", {"model": "iot.temperature.reading"})
    assert after - before == 120


def test_trace_id_reaches_odoo_as_mqtt_msg_id(ingest_url, db, sim):
    """The EMQX message id of each row is the mqtt_msg_id of its Odoo record."""
    batch = readings(3)
    sample.insert(ingest_url, batch)
    drain(ingest_url, client_for(sim), **FAST)
    sent = {key: vals["mqtt_msg_id"] for key, (_, vals) in sim.records["iot.temperature.reading"].items()}
    assert sent == {r.message_key: r.msg_id for r in batch}


@pytest.mark.parametrize("protocol,version", PROTOCOLS)
def test_one_invalid_row_fails_alone_with_odoos_message(ingest_url, db, protocol, version):
    """A row the addon refuses becomes failed with Odoo's text; the rest of its batch is delivered."""
    batch = readings(5)
    bad = batch[2].message_key
    sample.insert(ingest_url, batch)
    with simodoo.SimOdoo(version=version) as odoo:
        odoo.reject = lambda model, vals: ("The operation cannot be completed: temperature out of range"
                                           if vals["message_key"] == bad else None)
        stats = drain(ingest_url, client_for(odoo, protocol), **FAST)
    by_key = {r["message_key"]: r for r in rows_of(db)}
    assert (stats.delivered, stats.failed) == (4, 1)
    assert by_key[bad]["state"] == "failed"
    assert by_key[bad]["last_error"] == "The operation cannot be completed: temperature out of range"
    assert {r["state"] for k, r in by_key.items() if k != bad} == {"delivered"}


def test_row_the_mapping_cannot_translate_fails_without_blocking(ingest_url, db, sim):
    """A reading whose payload has a non-numeric temperature fails alone (never a stuck batch)."""
    batch = readings(3)
    # stored as an older schema or a bug let it through: the tier's validation would refuse it today
    bad = {**batch[0].payload, "temperature": "warm"}
    batch[0] = dataclasses.replace(batch[0], payload=bad, payload_text=json.dumps(bad))
    sample.insert(ingest_url, batch)
    stats = drain(ingest_url, client_for(sim), **FAST)
    states = {r["message_key"]: (r["state"], r["last_error"]) for r in rows_of(db)}
    assert (stats.delivered, stats.failed) == (2, 1)
    assert states[batch[0].message_key][0] == "failed"
    assert states[batch[0].message_key][1].startswith("mapping: ")


def _odoo_error(name, message):
    def fault(handler):
        handler.odoo_error(name, message, status=500)
        return True
    return fault


@pytest.mark.parametrize("fault", [simodoo.http_status(502), simodoo.http_status(503),
                                   simodoo.drop_connection, simodoo.serialization_failure,
                                   _odoo_error("odoo.sql_db.PoolError", "The Connection Pool Is Full"),
                                   _odoo_error("psycopg2.OperationalError", "server closed the connection"),
                                   simodoo.http_status(200, b"<html><body>Down for maintenance</body></html>")],
                         ids=["502", "503", "connection-dropped", "serialization-failure", "odoo-pool-full",
                              "odoo-db-restarting", "maintenance-page-200"])
@pytest.mark.parametrize("protocol", ["json2", "jsonrpc"])
def test_odoo_unavailable_keeps_rows_pending_then_delivers(ingest_url, db, fault, protocol):
    """Outages of any kind (5xx, dropped connection, serialization, Odoo's own DB or pool, a proxy page)
    keep rows pending, backed off, then delivered: only Odoo refusing the data fails a row."""
    sample.insert(ingest_url, readings(4))
    with simodoo.SimOdoo(version=19 if protocol == "json2" else 17) as odoo:
        w = worker(ingest_url, client_for(odoo, protocol))
        odoo.faults.append(fault)
        try:
            stats, delay = w.run_once()
            assert (stats.postponed, stats.delivered, stats.failed) == (4, 0, 0)
            assert delay == pytest.approx(0.05)
            rows = rows_of(db)
            assert {r["state"] for r in rows} == {"pending"} and {r["attempts"] for r in rows} == {1}
            assert all(r["last_error"] and r["leased_by"] is None for r in rows)
            totals = w.drain(max_seconds=5)
        finally:
            w.close()
        assert odoo.count() == 4
    assert totals.delivered == 4
    assert {(r["state"], r["attempts"]) for r in rows_of(db)} == {("delivered", 2)}


def test_odoo_down_backs_off_exponentially_and_drops_nothing(ingest_url, db, sim):
    """With nothing listening, each failed call doubles the wait up to the cap; every row stays pending."""
    sample.insert(ingest_url, readings(3))
    dead = OdooClient("http://127.0.0.1:9", api_key="k", protocol="json2", timeout=(0.5, 0.5),
                      retry=RetryPolicy.off())
    w = worker(ingest_url, dead, backoff=Backoff(base=0.01, cap=0.04, jitter=False))
    try:
        delays = []
        for _ in range(4):
            db.execute("UPDATE message SET next_attempt_at = received_at")  # due again now
            stats, delay = w.run_once()
            assert stats.postponed == 3
            delays.append(delay)
    finally:
        w.close()
    assert delays == [0.01, 0.02, 0.04, 0.04]
    rows = rows_of(db)
    assert {r["state"] for r in rows} == {"pending"} and {r["attempts"] for r in rows} == {4}
    assert all("ConnectError" in r["last_error"] for r in rows)


@pytest.mark.parametrize("protocol,version", PROTOCOLS)
def test_timeout_after_odoo_committed_does_not_duplicate(ingest_url, db, protocol, version):
    """Odoo commits but answers after the read timeout: the resend finds the keys, one record each."""
    batch = readings(3)
    sample.insert(ingest_url, batch)
    with simodoo.SimOdoo(version=version) as sim:
        _timeout_then_resend(ingest_url, db, sim, protocol)


def _timeout_then_resend(ingest_url, db, sim, protocol):
    client = client_for(sim, protocol, timeout=(1.0, 0.3))
    if protocol == "jsonrpc":
        client.protocol.uid()  # log in first, so the stall hits the ingest call
    sim.faults.append(simodoo.commit_then_stall(1.5))
    w = worker(ingest_url, client)
    try:
        stats, _ = w.run_once()
        assert stats.postponed == 3
        assert sim.count() == 3  # committed on Odoo's side
        assert all("ReadTimeout" in r["last_error"] for r in rows_of(db))
        totals = w.drain(max_seconds=5)
    finally:
        w.close()
    held = {key: rec_id for key, (rec_id, _) in sim.records["iot.temperature.reading"].items()}
    assert totals.delivered == 3 and sim.count() == 3
    assert {r["message_key"]: r["odoo_id"] for r in rows_of(db)} == held


def test_refused_api_key_holds_rows_instead_of_failing_them(ingest_url, db, sim):
    """A rejected key (401) is a configuration problem: rows wait, none is marked failed."""
    sample.insert(ingest_url, readings(2))
    wrong = OdooClient(sim.url, api_key="wrong", protocol="json2", retry=RetryPolicy.off())
    w = worker(ingest_url, wrong)
    try:
        stats, delay = w.run_once()
    finally:
        w.close()
    assert stats.postponed == 2 and delay > 0
    assert {r["state"] for r in rows_of(db)} == {"pending"}
    assert all("AuthenticationError" in r["last_error"] for r in rows_of(db))


def test_presence_and_status_coalesce_per_device_latest_wins(ingest_url, db, sim):
    """Per device and kind (presence, status) the latest event is sent; superseded rows share its outcome."""
    t0 = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
    status = [sample.reading(device_id="TS001", at=t0 + timedelta(seconds=s), kind="status", seq=s) for s in (1, 3)]
    sample.insert(ingest_url, status)
    sample.apply_presence(ingest_url, sample.presence("TS001", True, t0 + timedelta(seconds=2)))
    sample.apply_presence(ingest_url, sample.presence("TS002", True, t0 + timedelta(seconds=5)))
    stats = drain(ingest_url, client_for(sim), **FAST)
    assert stats.delivered == 4
    assert sim.calls == [("iot.device", "ingest_events", 3)]  # TS001 presence + status, TS002 presence
    assert sim.devices["TS001"]["values"]["event"] == "status"
    assert sim.devices["TS001"]["values"]["is_online"] is True  # the status report did not hide the connect
    assert sim.devices["TS001"]["values"]["last_status_msg_id"] == status[1].msg_id
    assert sim.devices["TS002"]["values"]["is_online"] is True
    ts001 = sim.devices["TS001"]["id"]
    assert {(r["state"], r["odoo_id"]) for r in rows_of(db)} == {("delivered", ts001)}
    assert {r["state"] for r in rows_of(db, "device_presence")} == {"delivered"}


def test_newer_presence_arriving_in_flight_stays_pending(ingest_url, db, sim):
    """A presence row updated while its older event is being sent is not marked delivered."""
    t0 = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
    sample.apply_presence(ingest_url, sample.presence("TS001", True, t0))
    w = worker(ingest_url, client_for(sim))
    try:
        claimed = w.outbox.claim("device_presence", 10, 60, w.worker_id)
        sample.apply_presence(ingest_url, sample.presence("TS001", False, t0 + timedelta(seconds=1)))  # disconnect lands meanwhile
        w.outbox.mark_delivered("device_presence", [(claimed[0], None)], w.worker_id)
        row = rows_of(db, "device_presence")[0]
        assert (row["state"], row["leased_by"]) == ("pending", None)
        w.drain(max_seconds=5)
    finally:
        w.close()
    assert sim.devices["TS001"]["values"]["is_online"] is False
    assert rows_of(db, "device_presence")[0]["state"] == "delivered"


def test_presence_of_a_non_device_client_is_not_sent(ingest_url, db, sim):
    """A client whose username is not a device id has no iot.device record: done, nothing sent."""
    sample.apply_presence(ingest_url, sample.presence("backend-1", True, datetime(2026, 11, 27, 10, 0,
                                                                                 tzinfo=timezone.utc)))
    stats = drain(ingest_url, client_for(sim), **FAST)
    assert stats.delivered == 1 and sim.calls == []
    assert rows_of(db, "device_presence")[0]["state"] == "delivered"


def test_drain_waits_out_a_backoff_within_its_bound(ingest_url, db, sim):
    """drain() retries after Odoo's 503 within max_seconds and returns with nothing pending."""
    sample.insert(ingest_url, readings(2))
    sim.faults.extend([simodoo.http_status(503), simodoo.http_status(503)])
    started = time.monotonic()
    stats = drain(ingest_url, client_for(sim), **FAST)
    assert stats.delivered == 2 and stats.postponed == 4
    assert time.monotonic() - started < 5


def test_coalesced_status_reports_keep_what_the_older_ones_said(ingest_url, db, sim):
    """A boot report's firmware survives a newer report that only carries the battery level."""
    t0 = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
    boot = sample.reading(device_id="TS001", at=t0, kind="status", seq=1,
                          fields={"firmware_version": "2.0.1", "error_code": "E42"})
    later = sample.reading(device_id="TS001", at=t0 + timedelta(seconds=30), kind="status", seq=2,
                           fields={"battery_level": 61}, drop=("firmware_version",))
    sample.insert(ingest_url, [later, boot])
    stats = drain(ingest_url, client_for(sim), **FAST)
    assert stats.delivered == 2 and sim.calls == [("iot.device", "ingest_events", 1)]
    values = sim.devices["TS001"]["values"]
    assert (values["firmware_version"], values["error_code"], values["battery_level"]) == ("2.0.1", "E42", 61)
    assert values["last_status_msg_id"] == later.msg_id


def test_a_slow_odoo_does_not_outlive_the_lease(ingest_pg_url):
    """Calls slower than half the lease: the worker renews it, so no peer can claim the rows meanwhile."""
    t0 = datetime.now(timezone.utc) - timedelta(minutes=5)
    rows = [sample.reading(device_id="TS001", at=t0 + timedelta(seconds=i), seq=i) for i in range(3)]
    rows += [sample.reading(device_id="TS002", at=t0 + timedelta(seconds=9), kind="status", seq=9)]
    sample.insert(ingest_pg_url, rows)
    with simodoo.SimOdoo(version=19, service_ms=700) as odoo:
        slow = worker(ingest_pg_url, client_for(odoo), lease_seconds=1.0)
        peer = worker(ingest_pg_url, client_for(odoo), lease_seconds=1.0)
        claimed_by_peer = []
        real_ingest = slow.client.ingest

        def ingest_then_peer_tries(model, values):
            answer = real_ingest(model, values)  # 0.7 s: past half the lease after the first call
            claimed_by_peer.extend(peer.outbox.claim("message", 50, 1.0, peer.worker_id))
            return answer

        slow.client.ingest = ingest_then_peer_tries
        try:
            stats, _ = slow.run_once()
        finally:
            slow.close()
            peer.close()
        assert stats.delivered == 4 and claimed_by_peer == []
        assert len(odoo.calls) == 2  # one per model, none repeated by a peer
