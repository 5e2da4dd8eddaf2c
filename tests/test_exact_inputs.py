"""Inputs are judged exactly: ids match whole strings, numbers the store cannot hold are rejected
per message with a precise reason (never a failed batch), and a request nested too deep for the
device API is the caller's mistake (4xx), not a 503."""
import json

import pytest
from flask import Flask

from tests.factories import AUTH, TOKEN, envelope, payload_for
from tests.sqlconn import connect
from webhooks import create_app, device_api
from webhooks.auth_db import provisioning
from webhooks.auth_db.errors import InvalidDevice
from webhooks.migrations import migrate_up


@pytest.fixture
def client(ingest_url):
    return create_app({"database_url": ingest_url, "webhook_tokens": (TOKEN,)}).test_client()


def post(client, body, stream="telemetry"):
    return client.post(f"/v1/ingest/{stream}", data=json.dumps(body), headers={**AUTH, "Content-Type": "application/json"})


def stored(url, sql):
    conn = connect(url)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("field,value,reason", [
    ("farm_id", "farm-a\n", "invalid_topic"),
    ("device_id", "TS001\n", "device_prefix_mismatch"),
])
def test_an_id_with_a_trailing_newline_is_not_an_id(client, ingest_url, field, value, reason):
    """'$' in a regex also matches before a final newline: ids are matched as whole strings."""
    body = envelope("temperature")
    farm, device = body["farm_id"], body["device_id"]
    body[field] = value
    body["topic"] = f"dairy/{body['farm_id']}/temperature/{body['device_id']}/data"
    if field == "device_id":
        body["username"] = body["clientid"] = value
        body["payload"] = json.dumps(payload_for("temperature", device_id=value))
    answer = post(client, body)
    assert (answer.status_code, answer.json["reason"]) == (422, reason), (farm, device)
    assert stored(ingest_url, "SELECT count(*) FROM message") == [(0,)]


def test_presence_of_a_username_with_a_newline_is_not_a_device(client, ingest_url):
    """A presence event's username 'TS001\\n' is kept as a client, never bound to device TS001."""
    answer = post(client, {"event": "client.connected", "clientid": "c1", "username": "TS001\n", "at": 1_780_000_000_000},
                  stream="presence")
    assert answer.status_code == 200
    assert stored(ingest_url, "SELECT device_id FROM device_presence") == [(None,)]


def test_provisioning_refuses_ids_with_a_trailing_newline():
    """The device API and the CLI validate through provisioning: 'MM001\\n' is refused."""
    with pytest.raises(InvalidDevice):
        provisioning.add_device(None, "farm1", "milk_meter", "MM001\n")
    with pytest.raises(InvalidDevice):
        provisioning.add_device(None, "farm1\n", "milk_meter", "MM001")


@pytest.mark.parametrize("number", ["1e-20000", "1e400", "-1E+999"])
def test_a_number_the_store_cannot_hold_is_rejected_alone(client, ingest_url, number):
    """The schema accepts it, PostgreSQL (or a double) cannot hold it: 422 unstorable, its own dead
    letter, and the valid reading sent with it is stored."""
    bad = envelope("temperature", payload=json.dumps(payload_for("temperature")).replace('"temperature": 3.6',
                                                                                        f'"temperature": {number}'))
    assert number in bad["payload"]
    answer = post(client, bad)
    assert (answer.status_code, answer.json["reason"]) == (422, "unstorable")
    assert number in answer.json["detail"]
    assert post(client, envelope("temperature", device_id="TS002")).status_code == 200
    assert stored(ingest_url, "SELECT reason FROM dead_letter") == [("unstorable",)]
    assert stored(ingest_url, "SELECT count(*) FROM message") == [(1,)]


def test_json_nested_too_deep_for_the_device_api_is_a_400(empty_pg_url, monkeypatch):
    """10,000 levels of nesting is a permanent input error: 4xx, never 503 (retrying cannot help)."""
    migrate_up("auth", empty_pg_url)
    monkeypatch.setenv("SDIOT_ADMIN_TOKENS", "admin-1")
    monkeypatch.setenv("SDIOT_AUTH_DATABASE_URL", empty_pg_url)
    app = Flask("device_api_depth")
    device_api.init_app(app)
    answer = app.test_client().post("/api/v1/devices", data="[" * 10_000 + "]" * 10_000,
                                    headers={"Authorization": "Bearer admin-1", "Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json["error"] == "bad_request"


def test_a_body_without_a_length_is_411_and_nothing_is_kept(ingest_url):
    """HTTP/1.0 with no Content-Length (and not chunked), over a real socket: 411, no empty dead letter."""
    import socket
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, create_app({"database_url": ingest_url, "webhook_tokens": (TOKEN,)}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as conn:
            conn.sendall(b"POST /v1/ingest/telemetry HTTP/1.0\r\nAuthorization: Bearer " + TOKEN.encode()
                         + b"\r\nContent-Type: application/json\r\n\r\n" + json.dumps(envelope()).encode())
            conn.shutdown(socket.SHUT_WR)  # the body ends where the connection does
            answer = b"".join(iter(lambda: conn.recv(65536), b""))
    finally:
        server.shutdown()
    assert answer.split(b"\r\n", 1)[0].endswith(b"411 LENGTH REQUIRED"), answer[:200]
    assert b'"length_required"' in answer
    assert stored(ingest_url, "SELECT (SELECT count(*) FROM message) + (SELECT count(*) FROM dead_letter)") == [(0,)]


def test_a_503_never_names_the_database_host_or_port():
    """The store is down: the answer says so, the driver's "127.0.0.1", port 1 stays in the log."""
    app = create_app({"database_url": "postgresql://postgres@127.0.0.1:1/sdiot", "webhook_tokens": (TOKEN,),
                      "pool_size": 1})
    app.extensions["sdiot_store"].db.pool_timeout = 1.0
    client = app.test_client()
    for answer in (post(client, envelope()), client.get("/readyz")):
        assert answer.status_code == 503
        assert "127.0.0.1" not in answer.get_data(as_text=True) and "port" not in answer.get_data(as_text=True)


def test_metrics_can_be_put_behind_a_token(ingest_sqlite_url):
    """With SDIOT_METRICS_TOKENS set, /metrics wants one of them as a bearer token; without, it is open."""
    open_app = create_app({"database_url": ingest_sqlite_url})
    assert open_app.test_client().get("/metrics").status_code == 200
    client = create_app({"database_url": ingest_sqlite_url, "metrics_tokens": ("scrape-1",)}).test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    answer = client.get("/metrics", headers={"Authorization": "Bearer scrape-1"})
    assert answer.status_code == 200 and b"sdiot_ingest_requests" in answer.data
