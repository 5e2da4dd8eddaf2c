"""The auth DB's EMQX calls (webhooks/auth_db/emqx_admin.py, over webhooks/emqx_api.py), faked
at the transport.

Shapes: emqx/emqx:apps/emqx_management/src/emqx_mgmt_api_clients.erl (clients list, kick,
per-client authz cache: 204 | 404 CLIENTID_NOT_FOUND), apps/emqx_auth/src/emqx_authz/
emqx_authz_api_cache.erl (node cache reset, 5.9+), apps/emqx_management/src/
emqx_mgmt_api_publish.erl (200 {id} | 202 reason_code 16 | 400 | 503).
"""
import base64

import pytest
import requests
import responses

from webhooks.auth_db.emqx_admin import TIMEOUT, EmqxAdmin
from webhooks.auth_db.errors import EmqxError
from webhooks.emqx_api import EmqxApi

API = "http://emqx.test:18083/api/v5"


@pytest.fixture
def admin():
    return EmqxAdmin(EmqxApi("http://emqx.test:18083/", "key1", "secret1"))


def test_from_env_uses_the_shared_client(monkeypatch):
    """from_env builds the one EMQX client, with the operator's short timeouts and its own name."""
    for name, value in (("URL", "http://emqx.test:18083/"), ("KEY", "k"), ("SECRET", "s")):
        monkeypatch.setenv(f"SDIOT_EMQX_API_{name}", value)
    api = EmqxAdmin.from_env().api
    assert isinstance(api, EmqxApi) and api.base == API and api.timeout == TIMEOUT
    assert " auth-db " in api.user_agent


def test_from_env_requires_all_three(monkeypatch):
    """Without URL, key and secret there is no client, and the error names the variables."""
    monkeypatch.setenv("SDIOT_EMQX_API_URL", "http://emqx.test:18083")
    monkeypatch.delenv("SDIOT_EMQX_API_KEY", raising=False)
    monkeypatch.delenv("SDIOT_EMQX_API_SECRET", raising=False)
    with pytest.raises(EmqxError, match="SDIOT_EMQX_API_KEY"):
        EmqxAdmin.from_env()


@responses.activate
def test_basic_auth_and_encoded_client_ids(admin):
    """Calls use HTTP Basic key:secret, and client ids are URL-encoded as path segments."""
    responses.delete(f"{API}/clients/dev%2F1%20x", status=204)
    assert admin.kick("dev/1 x") is True
    auth = responses.calls[0].request.headers["Authorization"]
    assert base64.b64decode(auth.split()[1]) == b"key1:secret1"


@responses.activate
def test_kick_and_cache_of_a_disconnected_client(admin):
    """404 CLIENTID_NOT_FOUND means 'not connected': not an error."""
    body = {"code": "CLIENTID_NOT_FOUND", "message": "Client ID not found"}
    responses.delete(f"{API}/clients/MM001/authorization/cache", status=404, json=body)
    responses.delete(f"{API}/clients/MM001", status=404, json=body)
    assert admin.clean_authz_cache("MM001") is False
    assert admin.kick("MM001") is False


@responses.activate
def test_node_cache_reset_tolerates_5_8(admin):
    """5.8 has no node cache endpoints (404); 5.9+ answers 204. Both are fine."""
    responses.post(f"{API}/authorization/node_cache/reset", status=204)
    responses.post(f"{API}/authentication/node_cache/reset", status=404, json={"code": "NOT_FOUND", "message": "x"})
    admin.reset_node_caches()
    assert len(responses.calls) == 2


@responses.activate
@pytest.mark.parametrize("status, body", [
    (400, {"reason_code": 144, "message": "topic_name_invalid"}),
    (503, {"reason_code": 131, "message": "failed_to_dispatch"}),
    (401, {"code": "BAD_API_KEY_OR_SECRET", "message": "Check api_key/api_secret"}),
])
def test_publish_failures_raise(admin, status, body):
    """A refused publish is an EmqxError carrying the status."""
    responses.post(f"{API}/publish", status=status, json=body)
    with pytest.raises(EmqxError, match=str(status)):
        admin.publish("dairy/f/milk_meters/MM001/config", {"a": 1})


@responses.activate
@pytest.mark.parametrize("status, body, expected", [
    (200, {"id": "00062D5C3B5C1A2BF4440100081A0001"}, "00062D5C3B5C1A2BF4440100081A0001"),
    (202, {"reason_code": 16, "message": "no_matching_subscribers"}, None),
])
def test_publish_success(admin, status, body, expected):
    """200 (delivered) and 202 (no subscriber yet; the retainer keeps it) are both success."""
    responses.post(f"{API}/publish", status=status, json=body)
    assert admin.publish("t/1", {"b": [1, 2]}) == expected


@responses.activate
def test_transport_errors_become_emqx_error(admin):
    """A refused connection or timeout is one EmqxError, not a requests exception."""
    responses.get(f"{API}/clients", body=requests.exceptions.ConnectTimeout("slow"))
    with pytest.raises(EmqxError, match="ConnectTimeout"):
        admin.client_ids("MM001")


@responses.activate
def test_unexpected_clients_body(admin):
    """A clients answer without the data list is an EmqxError."""
    responses.get(f"{API}/clients", json={"unexpected": True})
    with pytest.raises(EmqxError, match="unexpected body"):
        admin.client_ids("MM001")
