"""The one EMQX REST client (webhooks/emqx_api.py), faked at the transport with ``responses``.

Shapes from emqx/emqx (5.8.9 and 6.x): apps/emqx_dashboard/src/emqx_dashboard.erl authorize/2
and api_key_authorize/4 (HTTP Basic key:secret; 401 {"code": "BAD_API_KEY_OR_SECRET", "message":
"Check api_key/api_secret"}), apps/emqx_dashboard/src/emqx_dashboard_swagger.erl (every handler's
error body is {"code", "message"}), apps/emqx_connector/src/emqx_connector_api.erl (400 on a bad
connector body).
"""
import base64

import pytest
import requests
import responses

from webhooks.emqx_api import DEFAULT_TIMEOUT, EmqxApi, EmqxApiError

URL = "http://emqx.test:18083"
API = URL + "/api/v5"


@pytest.mark.parametrize("url", [URL, URL + "/", URL + "/api/v5", URL + "/api/v5/"])
def test_base_url_forms(url):
    """The API URL may be given with or without /api/v5."""
    assert EmqxApi(url, "k", "s").base == API


@responses.activate
def test_basic_auth_user_agent_and_timeouts():
    """Each call sends HTTP Basic key:secret, a User-Agent naming the caller, and (connect, read)
    timeouts; an injected session is used as is, its own settings untouched."""
    responses.get(f"{API}/status", json={})
    session = requests.Session()
    EmqxApi(URL, "key1", "secret1", session=session, component="rules").call("GET", "/status")
    call = responses.calls[0]
    assert base64.b64decode(call.request.headers["Authorization"].split()[1]) == b"key1:secret1"
    assert call.request.headers["User-Agent"].startswith("smart-dairy-iot-core/")
    assert " rules requests/" in call.request.headers["User-Agent"]
    assert call.request.req_kwargs["timeout"] == DEFAULT_TIMEOUT
    assert session.auth is None and session.headers["User-Agent"] == requests.utils.default_user_agent()


def test_from_env_names_what_is_missing():
    """Without URL, key or secret there is no client, and the error names the variables."""
    with pytest.raises(EmqxApiError, match="SDIOT_EMQX_API_KEY, SDIOT_EMQX_API_SECRET") as err:
        EmqxApi.from_env({"SDIOT_EMQX_API_URL": URL})
    assert err.value.status is None


def test_the_secret_is_never_shown():
    """repr shows the base URL and key, never the secret."""
    text = repr(EmqxApi(URL, "key1", "s3cret-value"))
    assert "key1" in text and "s3cret-value" not in text


@responses.activate
def test_error_carries_status_and_emqx_code():
    """A status the caller does not accept is EmqxApiError with EMQX's code and message."""
    responses.get(f"{API}/rules", status=401,
                  json={"code": "BAD_API_KEY_OR_SECRET", "message": "Check api_key/api_secret"})
    with pytest.raises(EmqxApiError) as err:
        EmqxApi(URL, "k", "wrong").call("GET", "/rules")
    assert (err.value.status, err.value.code) == (401, "BAD_API_KEY_OR_SECRET")
    assert str(err.value) == "EMQX GET /rules: HTTP 401 BAD_API_KEY_OR_SECRET Check api_key/api_secret"


@responses.activate
def test_a_token_quoted_back_by_emqx_is_masked():
    """EMQX may quote a rejected connector header back; the bearer token never reaches the error."""
    responses.post(f"{API}/connectors", status=400, json={
        "code": "BAD_REQUEST", "message": '{"headers":{"authorization":"Bearer tok-XYZ.1"},"reason":"bad"}'})
    with pytest.raises(EmqxApiError) as err:
        EmqxApi(URL, "k", "s").call("POST", "/connectors", (201,), json={})
    assert "tok-XYZ" not in str(err.value) and "Bearer ******" in str(err.value)


@responses.activate
def test_a_non_json_error_body_is_quoted_short():
    """An error without EMQX's JSON (a proxy's page) is quoted, cut to 200 characters."""
    responses.get(f"{API}/rules", status=502, body="<html>" + "x" * 500)
    with pytest.raises(EmqxApiError) as err:
        EmqxApi(URL, "k", "s").call("GET", "/rules")
    assert err.value.status == 502 and err.value.code is None and len(str(err.value)) < 240


@responses.activate
@pytest.mark.parametrize("exc", [requests.exceptions.ConnectTimeout("slow"), requests.exceptions.ReadTimeout("slow"),
                                 requests.exceptions.ConnectionError("refused")])
def test_transport_failures_are_one_error(exc):
    """Refused, connect or read timeout: EmqxApiError with no status, naming the kind."""
    responses.get(f"{API}/rules", body=exc)
    with pytest.raises(EmqxApiError, match=f"unreachable \\({type(exc).__name__}\\)") as err:
        EmqxApi(URL, "k", "s").call("GET", "/rules")
    assert err.value.status is None


@responses.activate
def test_json_refuses_a_body_that_is_not_json():
    """json() decodes the answer, and an answer that is not JSON is an EmqxApiError."""
    responses.get(f"{API}/rules", body="not json")
    with pytest.raises(EmqxApiError, match="not JSON"):
        EmqxApi(URL, "k", "s").json("GET", "/rules")


def test_quote_makes_one_path_segment():
    """Client ids may hold '/', ' ' or ':'; quote keeps them one path segment."""
    assert EmqxApi.quote("dev/1 x:y") == "dev%2F1%20x%3Ay"
