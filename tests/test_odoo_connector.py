"""OdooClient over both protocols, against Odoo faked at the transport with ``responses``.

Bodies are the byte-faithful fixtures in tests/fixtures/odoo/ (fixtures.json cites the Odoo source
of each: odoo/odoo odoo/http.py JsonRPCDispatcher / Json2RpcDispatcher, odoo/service/model.py,
odoo/service/common.py, addons/rpc/controllers/). A JSON-RPC fixture is served with the request's
id echoed, as Odoo's JsonRPCDispatcher._response does.
"""
import datetime as dt
import json
import logging
import pathlib
import re

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError as Urllib3ProtocolError

from odoo_connector import OdooClient, RetryPolicy, errors, protocol_for

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "odoo"
MANIFEST = json.loads((FIXTURES / "fixtures.json").read_text())
URL = "http://odoo.test:8069"
KEY = "0123456789abcdef0123456789abcdef01234567"
ROWS = [{"message_key": "TS001:data:2026-11-27T10:00:00Z", "device_ref": "TS001", "temperature": 3.9},
        {"message_key": "TS001:data:2026-11-27T10:01:00Z", "device_ref": "TS001", "temperature": 4.1},
        {"message_key": "TS002:data:2026-11-27T10:00:00Z", "device_ref": "TS002", "temperature": 4.0}]


def fixture_reply(name):
    """A responses callback serving the fixture's exact bytes, status and headers."""
    meta = MANIFEST[name]
    raw = (FIXTURES / name).read_text(encoding="utf-8")

    def reply(request):
        body = raw
        if name.startswith("jsonrpc-") and body.startswith('{"jsonrpc": "2.0", "id": '):
            request_id = json.loads(request.body)["id"]
            body = re.sub(r'^\{"jsonrpc": "2\.0", "id": \d+', f'{{"jsonrpc": "2.0", "id": {request_id}', body)
        headers = {"Content-Type": meta["content_type"], **meta.get("headers", {})}
        return meta["status"], headers, body.encode("utf-8")

    return reply


def serve(rsps, path, *names, method="POST"):
    """Answer successive calls to ``path`` with the named fixtures, the last one repeating."""
    replies = [fixture_reply(n) for n in names]
    state = {"n": 0}

    def callback(request):
        i = min(state["n"], len(replies) - 1)
        state["n"] += 1
        return replies[i](request)

    rsps.add_callback(method, URL + path, callback=callback)


def sent(call):
    return json.loads(call.request.body)


def json2_client(**kw):
    return OdooClient(URL, db="farm", api_key=KEY, protocol="json2", retry=kw.pop("retry", RetryPolicy.off()), **kw)


def jsonrpc_client(**kw):
    return OdooClient(URL, db="farm", api_key=KEY, user="iot-bot", protocol="jsonrpc",
                      retry=kw.pop("retry", RetryPolicy.off()), **kw)


class FakeClock:
    def __init__(self):
        self.now, self.slept = 0.0, []

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds

    def policy(self, attempts=3, max_time=20.0):
        return RetryPolicy(attempts=attempts, max_time=max_time, sleep=self.sleep, clock=lambda: self.now,
                           jitter=lambda lo, hi: hi)


@responses.activate
def test_json2_ingest_posts_named_rows_with_bearer_key_and_returns_aligned_results():
    """JSON-2: one POST /json/2/<model>/ingest {"rows": [...]} with bearer key, db header, named UA."""
    serve(responses, "/json/2/iot.temperature.reading/ingest", "json2-19-ingest-result.json")
    result = json2_client().ingest("iot.temperature.reading", ROWS)
    assert result == json.loads((FIXTURES / "json2-19-ingest-result.json").read_text())
    (call,) = responses.calls
    assert sent(call) == {"rows": ROWS}
    assert call.request.headers["Authorization"] == f"bearer {KEY}"
    assert call.request.headers["X-Odoo-Database"] == "farm"
    assert call.request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert call.request.headers["User-Agent"].startswith("smart-dairy-iot-core/")
    assert call.request.req_kwargs["timeout"] == (3.05, 30)


@responses.activate
def test_jsonrpc_ingest_authenticates_once_and_passes_rows_positionally():
    """JSON-RPC: common.authenticate once, then execute_kw(db, uid, key, model, 'ingest', [rows], {})."""
    serve(responses, "/jsonrpc", "jsonrpc-17-authenticate-ok.json", "jsonrpc-17-ingest-result.json")
    client = jsonrpc_client()
    first = client.ingest("iot.temperature.reading", ROWS)
    client.ingest("iot.temperature.reading", ROWS)
    assert first == [{"id": 101}, {"error": first[1]["error"]}, {"id": 57}]
    auth, call, again = (sent(c)["params"] for c in responses.calls)
    assert auth == {"service": "common", "method": "authenticate", "args": ["farm", "iot-bot", KEY, {}]}
    assert call == {"service": "object", "method": "execute_kw",
                    "args": ["farm", 7, KEY, "iot.temperature.reading", "ingest", [ROWS], {}]}
    assert again["method"] == "execute_kw"


@responses.activate
def test_device_events_go_to_ingest_events():
    """iot.device batches call the addon's ingest_events, not ingest."""
    serve(responses, "/json/2/iot.device/ingest_events", "json2-19-ingest-result.json")
    json2_client().ingest("iot.device", ROWS)
    assert len(responses.calls) == 1


def test_empty_batch_makes_no_call():
    """ingest([]) answers [] without touching the network."""
    with responses.RequestsMock() as rsps:
        assert json2_client().ingest("iot.alert", []) == []
        assert len(rsps.calls) == 0


@responses.activate
def test_jsonrpc_refused_login_is_an_authentication_error():
    """authenticate -> false (wrong key or login cooldown) raises AuthenticationError, not retryable."""
    serve(responses, "/jsonrpc", "jsonrpc-17-authenticate-false.json")
    with pytest.raises(errors.AuthenticationError) as info:
        jsonrpc_client().ingest("iot.alert", ROWS)
    assert info.value.retryable is False


@pytest.mark.parametrize("info, expected", [
    ([17, 0, 0, "final", 0, ""], "jsonrpc"),
    ([18, 0, 0, "final", 0, "e"], "jsonrpc"),
    (["saas~18", 3, 0, "final", 0, "e"], "jsonrpc"),
    (["saas~18", 4, 0, "final", 0, "e"], "json2"),
    ([19, 0, 0, "final", 0, ""], "json2"),
    ([20, 0, 0, "final", 0, ""], "json2"),
])
def test_protocol_for_version(info, expected):
    """JSON-2 from saas-18.4 / 19.0 on; JSON-RPC before."""
    assert protocol_for(info) == expected


@responses.activate
def test_auto_detects_json2_from_web_version():
    """auto: GET /web/version answering 19.0 selects JSON-2."""
    serve(responses, "/web/version", "web-version-19.json", method="GET")
    serve(responses, "/json/2/iot.alert/ingest", "json2-19-ingest-result.json")
    client = OdooClient(URL, db="farm", api_key=KEY, retry=RetryPolicy.off())
    client.ingest("iot.alert", ROWS)
    assert client.protocol_name == "json2"
    assert [c.request.method for c in responses.calls] == ["GET", "POST"]


@responses.activate
def test_auto_falls_back_to_jsonrpc_version_on_older_odoo():
    """auto: no /web/version (404 on 17) -> /jsonrpc common.version 17.0 -> JSON-RPC."""
    responses.add("GET", URL + "/web/version", status=404, body="<html>404</html>", content_type="text/html")
    serve(responses, "/jsonrpc", "jsonrpc-17-version.json")
    client = OdooClient(URL, db="farm", user="iot-bot", api_key=KEY, retry=RetryPolicy.off())
    assert client.version()["server_version"] == "17.0"
    assert client.protocol_name == "jsonrpc"
    assert sent(responses.calls[1])["params"] == {"service": "common", "method": "version", "args": []}


@responses.activate
def test_proxy_502_is_retried_then_succeeds():
    """A 502 from the proxy is a retryable ServerError; an idempotent ingest is repeated."""
    clock = FakeClock()
    serve(responses, "/json/2/iot.alert/ingest", "proxy-502.html", "json2-19-ingest-result.json")
    assert json2_client(retry=clock.policy()).ingest("iot.alert", ROWS)[0] == {"id": 101}
    assert len(responses.calls) == 2 and clock.slept == [0.2]


@responses.activate
def test_retries_are_bounded_by_attempts():
    """503 forever: three tries, then the ServerError surfaces."""
    clock = FakeClock()
    responses.add("POST", URL + "/json/2/iot.alert/ingest", status=503, body="busy")
    with pytest.raises(errors.ServerError) as info:
        json2_client(retry=clock.policy(attempts=3)).ingest("iot.alert", ROWS)
    assert info.value.status == 503 and info.value.retryable
    assert len(responses.calls) == 3 and clock.slept == [0.2, 0.4]


@responses.activate
def test_retries_are_bounded_by_total_time():
    """No new try starts once the next pause would pass max_time."""
    clock = FakeClock()
    responses.add("POST", URL + "/json/2/iot.alert/ingest", status=503, body="busy")
    with pytest.raises(errors.ServerError):
        json2_client(retry=clock.policy(attempts=10, max_time=0.5)).ingest("iot.alert", ROWS)
    assert len(responses.calls) == 2 and clock.slept == [0.2]


@responses.activate
def test_retries_off_makes_one_try():
    """RetryPolicy.off(): the first failure surfaces (the switch tests and the forwarder use)."""
    responses.add("POST", URL + "/json/2/iot.alert/ingest", status=503, body="busy")
    with pytest.raises(errors.ServerError):
        json2_client().ingest("iot.alert", ROWS)
    assert len(responses.calls) == 1


def _refused():
    return requests.exceptions.ConnectionError(MaxRetryError(None, "/jsonrpc", NewConnectionError(None, "refused")))


@responses.activate
def test_connection_refused_is_a_connect_error_retried_even_for_create():
    """Nothing was sent, so even a non-idempotent create is safe to repeat."""
    clock = FakeClock()
    responses.add("POST", URL + "/json/2/res.partner/create", body=_refused())
    responses.add("POST", URL + "/json/2/res.partner/create", json=[5])
    assert json2_client(retry=clock.policy()).call("res.partner", "create", [{"name": "x"}]) == [5]
    assert sent(responses.calls[1]) == {"vals_list": [{"name": "x"}]}


@responses.activate
def test_connection_refused_surfaces_as_connect_error():
    """Connection refused -> ConnectError (retryable, outcome known: nothing sent)."""
    responses.add("POST", URL + "/json/2/iot.alert/ingest", body=_refused())
    with pytest.raises(errors.ConnectError) as info:
        json2_client().ingest("iot.alert", ROWS)
    assert info.value.retryable and not info.value.outcome_unknown


@responses.activate
def test_dropped_connection_after_sending_is_outcome_unknown():
    """Connection aborted mid-request -> ConnectionLost: retryable only because ingest is idempotent."""
    responses.add("POST", URL + "/json/2/iot.alert/ingest",
                  body=requests.exceptions.ConnectionError(Urllib3ProtocolError("Connection aborted.")))
    with pytest.raises(errors.ConnectionLost) as info:
        json2_client().ingest("iot.alert", ROWS)
    assert info.value.outcome_unknown and info.value.retryable



@responses.activate
def test_an_answer_cut_off_mid_body_is_outcome_unknown():
    """A body that breaks while being read (Odoo may have committed) is ConnectionLost, not a config error."""
    responses.add("POST", URL + "/json/2/iot.alert/ingest",
                  body=requests.exceptions.ChunkedEncodingError("IncompleteRead(17 bytes read, 47 more expected)"))
    with pytest.raises(errors.ConnectionLost) as info:
        json2_client().ingest("iot.alert", ROWS)
    assert info.value.outcome_unknown and info.value.retryable

class CommittingOdoo:
    """ingest that commits, then times out on the first call: the client cannot see the answer."""

    def __init__(self):
        self.records, self.calls = {}, 0

    def __call__(self, request):
        self.calls += 1
        result = []
        for row in json.loads(request.body)["rows"]:
            key = row["message_key"]
            self.records.setdefault(key, 100 + len(self.records))
            result.append({"id": self.records[key]})
        if self.calls == 1:
            raise requests.exceptions.ReadTimeout("read timeout=30")
        return 200, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(result)


@responses.activate
def test_read_timeout_after_commit_retries_ingest_without_duplicates():
    """The batch committed but the answer timed out: the repeat returns the same ids, no new record."""
    odoo = CommittingOdoo()
    responses.add_callback("POST", URL + "/json/2/iot.temperature.reading/ingest", callback=odoo)
    result = json2_client(retry=FakeClock().policy()).ingest("iot.temperature.reading", ROWS)
    assert odoo.calls == 2 and len(odoo.records) == 3
    assert result == [{"id": 100}, {"id": 101}, {"id": 102}]


@responses.activate
def test_read_timeout_on_create_is_not_repeated():
    """A plain create that timed out is never repeated blindly: ReadTimeout, outcome unknown."""
    responses.add("POST", URL + "/json/2/res.partner/create", body=requests.exceptions.ReadTimeout("t"))
    with pytest.raises(errors.ReadTimeout) as info:
        json2_client(retry=FakeClock().policy()).call("res.partner", "create", [{"name": "x"}])
    assert info.value.outcome_unknown and len(responses.calls) == 1


@responses.activate
def test_connect_timeout_is_distinguished_from_read_timeout():
    """ConnectTimeout: nothing sent (outcome known); a ConnectError subclass."""
    responses.add("POST", URL + "/json/2/iot.alert/ingest", body=requests.exceptions.ConnectTimeout("c"))
    with pytest.raises(errors.ConnectTimeout) as info:
        json2_client().ingest("iot.alert", ROWS)
    assert isinstance(info.value, errors.ConnectError) and isinstance(info.value, errors.Timeout)
    assert not info.value.outcome_unknown and info.value.retryable


@pytest.mark.parametrize("client, path, fixture", [
    (jsonrpc_client, "/jsonrpc", "jsonrpc-17-serialization-failure.json"),
    (json2_client, "/json/2/iot.device/ingest_events", "json2-19-serialization-failure.json"),
])
def test_serialization_failure_is_retried(client, path, fixture):
    """Odoo gave up on a concurrent update (rolled back): SerializationError, repeated, then succeeds."""
    with responses.RequestsMock() as rsps:
        ok = "jsonrpc-17-ingest-result.json" if client is jsonrpc_client else "json2-19-ingest-result.json"
        names = (["jsonrpc-17-authenticate-ok.json"] if client is jsonrpc_client else []) + [fixture, ok]
        serve(rsps, path, *names)
        assert client(retry=FakeClock().policy()).ingest("iot.device", ROWS)[0] == {"id": 101}


@responses.activate
def test_misaligned_ingest_answer_is_a_protocol_error():
    """An answer that does not line up with the rows is refused, never guessed at."""
    responses.add("POST", URL + "/json/2/iot.alert/ingest", json=[{"id": 1}])
    with pytest.raises(errors.MisalignedAnswer) as info:
        json2_client().ingest("iot.alert", ROWS)
    assert isinstance(info.value, errors.ProtocolError) and not info.value.retryable


@responses.activate
def test_datetimes_are_sent_as_naive_utc_seconds():
    """An aware datetime argument goes over the wire as 'YYYY-MM-DD HH:MM:SS' in UTC."""
    responses.add("POST", URL + "/json/2/iot.device/search_count", json=2)
    moment = dt.datetime(2026, 11, 27, 12, 30, 5, 999, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    json2_client().call("iot.device", "search_count", [["last_seen", ">=", moment]])
    assert sent(responses.calls[0]) == {"domain": [["last_seen", ">=", "2026-11-27 10:30:05"]]}


@responses.activate
def test_api_key_never_appears_in_repr_logs_or_errors(caplog):
    """The key is masked in repr, in DEBUG dumps of both protocols' requests, and in errors."""
    caplog.set_level(logging.DEBUG, logger="odoo_connector")
    serve(responses, "/jsonrpc", "jsonrpc-17-authenticate-ok.json", "jsonrpc-17-access-denied.json")
    serve(responses, "/json/2/iot.alert/ingest", "json2-19-unauthorized.json")
    rpc, j2 = jsonrpc_client(), json2_client()
    with pytest.raises(errors.AuthenticationError) as rpc_error:
        rpc.ingest("iot.alert", ROWS)
    with pytest.raises(errors.AuthenticationError) as j2_error:
        j2.ingest("iot.alert", ROWS)
    assert "odoo POST" in caplog.text and "***" in caplog.text
    for text in (repr(rpc), repr(j2), caplog.text, str(rpc_error.value), str(j2_error.value)):
        assert KEY not in text and KEY[:8] not in text


def test_from_env_reads_the_sdiot_variables():
    """SDIOT_ODOO_* configure the client; the protocol name is checked."""
    env = {"SDIOT_ODOO_URL": URL + "/", "SDIOT_ODOO_DB": "farm", "SDIOT_ODOO_API_KEY": KEY,
           "SDIOT_ODOO_USER": "iot-bot", "SDIOT_ODOO_PROTOCOL": "jsonrpc"}
    client = OdooClient.from_env(env)
    assert (client.url, client.db, client.user, client.protocol_name) == (URL, "farm", "iot-bot", "jsonrpc")
    with pytest.raises(ValueError):
        OdooClient.from_env(dict(env, SDIOT_ODOO_PROTOCOL="xmlrpc"))
    with pytest.raises(ValueError):
        OdooClient.from_env(dict(env, SDIOT_ODOO_API_KEY=""))


@responses.activate
def test_own_session_keeps_no_cookies():
    """A session cookie from /web/version is not sent back: JSON-2 refuses it with X-Odoo-Database."""
    responses.add("GET", URL + "/web/version", json={"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"},
                  headers={"Set-Cookie": "session_id=abc123; Path=/; HttpOnly"})
    responses.add("POST", URL + "/json/2/iot.alert/ingest", json=[{"id": 1}, {"id": 2}, {"id": 3}])
    OdooClient(URL, db="farm", api_key=KEY, retry=RetryPolicy.off()).ingest("iot.alert", ROWS)
    assert "Cookie" not in responses.calls[1].request.headers


class RecordingSession:
    """The transport seam: any object with requests.Session.request's signature."""

    def __init__(self):
        self.calls = []

    def request(self, method, url, **kwargs):
        self.calls.append((method, url, kwargs))
        response = requests.Response()
        response.status_code, response._content = 200, b"[]"
        return response


def test_injected_session_is_reused_with_connect_and_read_timeouts():
    """Every call goes through the one injected session with the (connect, read) timeout."""
    session = RecordingSession()
    client = OdooClient(URL, api_key=KEY, protocol="json2", session=session, timeout=(1.5, 9))
    client.call("iot.device", "search", [])
    client.call("iot.device", "search", [])
    assert len(session.calls) == 2
    assert all(kw["timeout"] == (1.5, 9) for _, _, kw in session.calls)
