"""No path answers 500: store outages become 503, bugs become dead letters (or 503 if even that fails)."""
import json
import threading

import pytest

from webhooks import create_app, pipeline
from webhooks.store import StoreUnavailable
from tests.conftest import PG_URL
from tests.factories import AUTH, TOKEN, envelope, payload_for, presence
from tests.test_ingest_api import post, rows


def test_unreachable_database_answers_503_with_retry_after(pg_available):
    """A database that cannot be reached is transient: 503 + Retry-After, so EMQX retries."""
    url = PG_URL.rsplit("/", 1)[0] + "/sdiot_no_such_database"
    app = create_app({"database_url": url, "webhook_tokens": (TOKEN,)})
    client = app.test_client()
    for body in (envelope(), b"{broken"):  # accepted and rejected paths both need the store
        response = post(client, body)
        assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert client.get("/readyz").status_code == 503


def test_a_bug_in_binding_keeps_the_body_as_internal_error(ingest_url, monkeypatch):
    """An unexpected exception stores the raw body (reason internal_error) and answers 422."""
    def broken(*_args, **_kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(pipeline, "bind", broken)
    app = create_app({"database_url": ingest_url, "webhook_tokens": (TOKEN,)})
    body = envelope()
    response = post(app.test_client(), body)
    assert response.status_code == 422 and response.json["reason"] == "internal_error"
    assert rows(ingest_url, "SELECT reason, body FROM dead_letter") == [("internal_error", json.dumps(body))]


def test_a_bug_and_a_dead_store_answer_503(ingest_url, monkeypatch):
    """If the body cannot even be kept, EMQX must keep it: 503, not 500."""
    app = create_app({"database_url": ingest_url, "webhook_tokens": (TOKEN,)})
    store = app.extensions["sdiot_store"]
    monkeypatch.setattr(store, "insert_message", lambda m: 1 / 0)
    monkeypatch.setattr(store, "insert_dead_letter", lambda *a, **k: 1 / 0)
    response = post(app.test_client(), envelope())
    assert response.status_code == 503 and response.headers["Retry-After"]


def test_store_outage_during_insert_answers_503(ingest_url, monkeypatch):
    """StoreUnavailable on the durable write is a retry, not a loss."""
    app = create_app({"database_url": ingest_url, "webhook_tokens": (TOKEN,)})
    def down(_message):
        raise StoreUnavailable("connection reset")
    monkeypatch.setattr(app.extensions["sdiot_store"], "insert_message", down)
    assert post(app.test_client(), envelope()).status_code == 503


def test_unexpected_error_outside_ingest_is_503(ingest_url, monkeypatch):
    """The app-wide handler turns any escaped exception into 503, never 500."""
    app = create_app({"database_url": ingest_url, "webhook_tokens": (TOKEN,)})
    monkeypatch.setattr(app.extensions["sdiot_store"], "ping", lambda: [][1])
    response = app.test_client().get("/readyz")
    assert response.status_code == 503


def test_concurrent_identical_posts_store_exactly_one_row(ingest_pg_url):
    """EMQX retries race the original: of 16 simultaneous identical POSTs exactly one is accepted."""
    app = create_app({"database_url": ingest_pg_url, "webhook_tokens": (TOKEN,), "pool_size": 16})
    body = json.dumps(envelope("collars"))
    barrier = threading.Barrier(16)
    statuses = []

    def send():
        client = app.test_client()
        barrier.wait(timeout=10)
        statuses.append(client.post("/v1/ingest/telemetry", data=body, headers=AUTH).json["status"])

    threads = [threading.Thread(target=send) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(statuses) == ["accepted"] + ["duplicate"] * 15
    assert rows(ingest_pg_url, "SELECT count(*) FROM message") == [(1,)]


@pytest.fixture
def presence_client(ingest_url):
    return create_app({"database_url": ingest_url, "webhook_tokens": (TOKEN,)}).test_client()


def test_presence_latest_event_wins_whatever_the_arrival_order(presence_client, ingest_url):
    """EMQX reorders connected/disconnected: an older event arriving late changes nothing."""
    t = 1_790_000_000_000
    post(presence_client, presence("client.connected", at=t + 2000), "presence")
    late = post(presence_client, presence("client.disconnected", at=t + 1000, reason="tcp_closed"), "presence")
    assert late.json == {"status": "accepted", "applied": False}
    assert rows(ingest_url, "SELECT connected, device_id FROM device_presence") in ([(True, "MM001")], [(1, "MM001")])
    post(presence_client, presence("client.disconnected", at=t + 3000, reason="keepalive_timeout"), "presence")
    assert rows(ingest_url, "SELECT connected, reason FROM device_presence") in (
        [(False, "keepalive_timeout")], [(0, "keepalive_timeout")])


def test_takeover_disconnect_does_not_mark_a_device_offline(presence_client, ingest_url):
    """A 'takenover' disconnect belongs to the old connection; the new one keeps the device online."""
    t = 1_790_000_000_000
    post(presence_client, presence("client.connected", at=t), "presence")
    response = post(presence_client, presence("client.disconnected", at=t + 50, reason="takenover"), "presence")
    assert response.json["applied"] is False
    assert rows(ingest_url, "SELECT connected FROM device_presence") in ([(True,)], [(1,)])


def test_presence_with_a_bad_event_is_a_dead_letter(presence_client, ingest_url):
    """Presence bodies are validated like the others."""
    response = post(presence_client, dict(presence(), event="client.exploded"), "presence")
    assert response.status_code == 422 and response.json["reason"] == "invalid_envelope"
    assert rows(ingest_url, "SELECT stream FROM dead_letter") == [("presence",)]


def test_a_store_outage_is_answered_503_at_once_for_every_request(monkeypatch):
    """The database is gone: every concurrent request gets 503 + Retry-After within the pool timeout
    (1 s), none waits behind the outbox limit's count (issue 15 defect 1: requests once queued ~12 s)."""
    import threading
    import time as clock
    import urllib.error
    import urllib.request

    from werkzeug.serving import make_server

    app = create_app({"database_url": "postgresql://postgres@127.0.0.1:1/gone", "webhook_tokens": (TOKEN,),
                      "outbox_limit": 1000})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    answers = []

    def send(i):
        body = json.dumps(envelope("gates", payload=payload_for("gates", seq=i))).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{server.server_port}/v1/ingest/telemetry", data=body,
                                     headers={**AUTH, "Content-Type": "application/json"})
        started = clock.monotonic()
        try:
            urllib.request.urlopen(req, timeout=30)
            answers.append((200, clock.monotonic() - started, None))
        except urllib.error.HTTPError as exc:
            answers.append((exc.code, clock.monotonic() - started, exc.headers.get("Retry-After")))

    try:
        threads = [threading.Thread(target=send, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        server.shutdown()
        app.extensions["sdiot_store"].close()
    assert [a[0] for a in answers] == [503] * 16 and all(a[2] for a in answers)
    slowest = max(a[1] for a in answers)
    assert slowest < 2.5, f"the slowest outage answer took {slowest:.2f}s"  # the 1 s pool wait, plus a loaded CI
