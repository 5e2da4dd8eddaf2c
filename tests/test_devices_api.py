"""/api/v1/devices over a real auth DB, with EMQX faked at the transport (``responses``).

EMQX shapes: emqx/emqx:apps/emqx_management/src/emqx_mgmt_api_clients.erl (GET /clients → data +
meta; DELETE /clients/{id} and /clients/{id}/authorization/cache → 204 | 404 CLIENTID_NOT_FOUND),
apps/emqx_auth/src/emqx_authz/emqx_authz_api_cache.erl (node cache reset, 5.9+; 404 on 5.8),
apps/emqx_management/src/emqx_mgmt_api_publish.erl (POST /publish → 200 {id} | 202 reason_code 16).
"""
import json

import pytest
import requests
import responses
from flask import Flask
from responses import matchers

from webhooks import device_api
from webhooks.auth_db import emqx_config, hashing
from webhooks.auth_db.database import connect_auth
from webhooks.migrations import migrate_up

EMQX = "http://emqx.test:18083/api/v5"
TOKEN = "admin-token-1"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOT_FOUND = {"code": "CLIENTID_NOT_FOUND", "message": "Client ID not found"}


@pytest.fixture
def auth_url(empty_pg_url, monkeypatch):
    migrate_up("auth", empty_pg_url)
    monkeypatch.setenv("SDIOT_AUTH_DATABASE_URL", empty_pg_url)
    for name, value in (("URL", "http://emqx.test:18083"), ("KEY", "k"), ("SECRET", "s")):
        monkeypatch.setenv(f"SDIOT_EMQX_API_{name}", value)
    return empty_pg_url


@pytest.fixture
def client(auth_url):
    app = Flask("device_api_test")
    app.config.update(ADMIN_TOKENS=("old-token", TOKEN), AUTH_DATABASE_URL=auth_url)
    device_api.init_app(app)
    return app.test_client()


def fake_emqx(rsps, clientids=("MM001",), publish_status=200):
    """EMQX's REST answers for one connected device."""
    rsps.get(f"{EMQX}/clients", match=[matchers.query_param_matcher({"username": "MM001", "limit": "100"})],
             json={"data": [{"clientid": c, "username": "MM001", "connected": True} for c in clientids],
                   "meta": {"page": 1, "limit": 100, "hasnext": False, "count": len(clientids)}})
    for c in clientids:
        rsps.delete(f"{EMQX}/clients/{c}/authorization/cache", status=204)
        rsps.delete(f"{EMQX}/clients/{c}", status=204)
    rsps.post(f"{EMQX}/authorization/node_cache/reset", status=404, json={"code": "NOT_FOUND", "message": "Not Found"})
    rsps.post(f"{EMQX}/authentication/node_cache/reset", status=404, json={"code": "NOT_FOUND", "message": "Not Found"})
    body = {"id": "00062D5C3B5C1A2BF4440100081A0001"} if publish_status == 200 else \
        {"reason_code": 16, "message": "no_matching_subscribers"}
    rsps.post(f"{EMQX}/publish", status=publish_status, json=body)


def _add(client, device_id="MM001", device_type="milk_meter", farm="farm1"):
    return client.post("/api/v1/devices", headers=AUTH,
                       json={"farm_id": farm, "device_type": device_type, "device_id": device_id})


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN},
                                     {"Authorization": "Basic " + TOKEN}])
def test_requires_an_admin_token(client, headers):
    """Without a valid admin bearer token every route answers 401 JSON and changes nothing."""
    for method, path in (("get", "/api/v1/devices"), ("post", "/api/v1/devices"), ("delete", "/api/v1/devices/MM001")):
        resp = getattr(client, method)(path, headers=headers, json={})
        assert resp.status_code == 401 and resp.get_json()["error"] == "unauthorized"


def test_add_returns_the_secret_once_and_it_authenticates(client, auth_url):
    """POST creates the device; the secret in the answer logs in by the shipped authn query."""
    resp = _add(client)
    assert resp.status_code == 201 and resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["Location"] == "/api/v1/devices/MM001"
    body = resp.get_json()
    assert body["device"]["state"] == "active"
    conf = emqx_config.load()
    with connect_auth(auth_url) as conn:
        row = emqx_config.run_authn(conn, conf, "MM001")
    assert hashing.check_password(conf.hash_algorithm, row["password_hash"], row["salt"], body["password"])
    shown = client.get("/api/v1/devices/MM001", headers=AUTH).get_json()
    assert "password" not in json.dumps(shown) and shown["device_id"] == "MM001"


@pytest.mark.parametrize("body, status, code", [
    ({"farm_id": "farm1", "device_type": "milk_meter", "device_id": "TS001"}, 422, "invalid_device"),
    ({"farm_id": "farm/1", "device_type": "milk_meter", "device_id": "MM001"}, 422, "invalid_device"),
    ({"farm_id": "farm1", "device_type": "tractor", "device_id": "MM001"}, 422, "invalid_device"),
    ({"farm_id": "farm1", "device_type": "milk_meter"}, 422, "invalid_device"),
    (["not", "an", "object"], 400, "bad_request"),
])
def test_bad_devices_are_refused(client, body, status, code):
    """Invalid input answers a JSON 4xx naming the problem."""
    resp = client.post("/api/v1/devices", headers=AUTH, json=body)
    assert (resp.status_code, resp.get_json()["error"]) == (status, code)


def test_duplicate_is_409_and_missing_is_404(client):
    """An existing id is 409; an unknown one is 404."""
    assert _add(client).status_code == 201
    assert _add(client).status_code == 409
    assert client.get("/api/v1/devices/MM999", headers=AUTH).status_code == 404
    assert client.post("/api/v1/devices/MM999/rotate", headers=AUTH).get_json()["error"] == "device_not_found"


def test_list_filters(client):
    """GET lists devices, filtered by farm, type and state."""
    _add(client)
    _add(client, "TS001", "temperature")
    _add(client, "MM002", farm="farm2")
    everything = client.get("/api/v1/devices", headers=AUTH).get_json()
    assert [d["device_id"] for d in everything["devices"]] == ["MM001", "TS001", "MM002"]
    farm1 = client.get("/api/v1/devices?farm_id=farm1&device_type=temperature", headers=AUTH).get_json()
    assert [d["device_id"] for d in farm1["devices"]] == ["TS001"]
    assert client.get("/api/v1/devices?state=gone", headers=AUTH).status_code == 400


def test_rotate_gives_a_new_secret(client):
    """rotate answers a different secret, shown once."""
    first = _add(client).get_json()["password"]
    resp = client.post("/api/v1/devices/MM001/rotate", headers=AUTH)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    assert resp.get_json()["password"] != first


@responses.activate
def test_revoke_deactivates_clears_cache_and_kicks(client):
    """revoke deactivates the user, clears the client's authz cache, then kicks it, over EMQX's API."""
    fake_emqx(responses)
    _add(client)
    resp = client.post("/api/v1/devices/MM001/revoke", headers=AUTH)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["device"]["state"] == "revoked" and body["kicked"] == ["MM001"]
    calls = [(c.request.method, c.request.url.split("/api/v5")[1]) for c in responses.calls]
    assert calls.index(("DELETE", "/clients/MM001/authorization/cache")) < calls.index(("DELETE", "/clients/MM001"))
    assert responses.calls[0].request.headers["Authorization"].startswith("Basic ")
    assert client.post("/api/v1/devices/MM001/rotate", headers=AUTH).status_code == 409


@responses.activate
def test_revoke_kicks_every_session_of_the_user(client):
    """A device connected under another client id too is kicked there as well (404s tolerated)."""
    fake_emqx(responses, clientids=("MM001-a",))
    responses.delete(f"{EMQX}/clients/MM001/authorization/cache", status=404, json=NOT_FOUND)
    responses.delete(f"{EMQX}/clients/MM001", status=404, json=NOT_FOUND)
    _add(client)
    assert client.post("/api/v1/devices/MM001/revoke", headers=AUTH).get_json()["kicked"] == ["MM001-a"]


@responses.activate
def test_revoke_with_emqx_down_is_503_but_revoked(client):
    """If EMQX cannot be reached the device is still revoked; the answer is 503 (retry is safe)."""
    responses.get(f"{EMQX}/clients", body=requests.exceptions.ConnectionError("refused"))
    _add(client)
    resp = client.post("/api/v1/devices/MM001/revoke", headers=AUTH)
    assert resp.status_code == 503 and resp.headers["Retry-After"]
    assert resp.get_json()["device"]["state"] == "revoked"
    assert client.get("/api/v1/devices/MM001", headers=AUTH).get_json()["active"] is False


@responses.activate
def test_decommission(client):
    """DELETE retires the device for good: no secret, revoked, kicked; the id cannot be reused."""
    fake_emqx(responses)
    _add(client)
    resp = client.delete("/api/v1/devices/MM001", headers=AUTH)
    assert resp.status_code == 200 and resp.get_json()["device"]["state"] == "decommissioned"
    assert _add(client).status_code == 409


@responses.activate
@pytest.mark.parametrize("publish_status", [200, 202])
def test_put_config_stores_and_publishes_retained(client, publish_status):
    """PUT config stores it and publishes it retained, QoS 1, to the device's config topic."""
    fake_emqx(responses, publish_status=publish_status)
    _add(client)
    resp = client.put("/api/v1/devices/MM001/config", headers=AUTH, json={"interval_s": 30, "unit": "l"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["version"], body["published_version"]) == (1, 1)
    sent = json.loads(responses.calls[-1].request.body)
    assert sent["topic"] == "dairy/farm1/milk_meters/MM001/config"
    assert (sent["qos"], sent["retain"], sent["payload_encoding"]) == (1, True, "plain")
    assert json.loads(sent["payload"]) == {"device_id": "MM001", "version": 1, "config": {"interval_s": 30, "unit": "l"}}
    assert client.get("/api/v1/devices/MM001/config", headers=AUTH).get_json()["config"] == {"interval_s": 30, "unit": "l"}


@responses.activate
def test_put_config_emqx_failure_is_503_and_kept(client):
    """A publish EMQX refuses (503 dispatch error) answers 503; the config is kept for the retry."""
    responses.post(f"{EMQX}/publish", status=503, json={"reason_code": 131, "message": "failed_to_dispatch"})
    _add(client)
    resp = client.put("/api/v1/devices/MM001/config", headers=AUTH, json={"interval_s": 5})
    assert resp.status_code == 503 and resp.get_json()["config"]["version"] == 1
    assert client.get("/api/v1/devices/MM001/config", headers=AUTH).get_json()["published_version"] is None


def test_put_config_must_be_an_object(client):
    """A config that is not a JSON object is a 400."""
    _add(client)
    assert client.put("/api/v1/devices/MM001/config", headers=AUTH, json=[1, 2]).status_code == 400


def test_database_down_is_503_json(client, monkeypatch):
    """An unreachable auth DB answers 503 JSON with Retry-After, never 500."""
    client.application.config["AUTH_DATABASE_URL"] = "postgresql://postgres@127.0.0.1:1/nothing"
    resp = client.get("/api/v1/devices", headers=AUTH)
    assert resp.status_code == 503 and resp.get_json()["error"] == "auth_db_unavailable"
    assert resp.headers["Retry-After"]


def test_unexpected_error_is_503_not_500(client, monkeypatch):
    """A bug in a view answers 503 JSON, never 500."""
    from webhooks.auth_db import provisioning

    def boom(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(provisioning, "list_devices", boom)
    resp = client.get("/api/v1/devices", headers=AUTH)
    assert resp.status_code == 503 and resp.get_json()["error"] == "internal_error"


def test_works_inside_the_app_factory(auth_url, ingest_sqlite_url):
    """Registered on webhooks.create_app(), the API takes its tokens from the factory's settings."""
    import webhooks

    app = webhooks.create_app({"database_url": ingest_sqlite_url, "admin_tokens": (TOKEN,),
                               "AUTH_DATABASE_URL": auth_url})
    device_api.init_app(app)
    device_api.init_app(app)  # idempotent: the factory may already have registered it
    client = app.test_client()
    assert client.get("/api/v1/devices", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert _add(client).status_code == 201
    assert client.get("/api/v1/devices", headers=AUTH).get_json()["count"] == 1


def test_caller_mistakes_are_4xx_not_retryable_503(client):
    """A NUL byte or an out-of-range paging value is the caller's mistake, never a retryable 503."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get("/api/v1/devices?limit=-1", headers=headers).status_code == 400
    assert client.get("/api/v1/devices?offset=99999999999999999999", headers=headers).status_code == 400
    assert client.get("/api/v1/devices?farm_id=f%00x", headers=headers).status_code == 422
