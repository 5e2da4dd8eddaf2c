"""Odoo's error bodies, 16-18 (JSON-RPC, code 200) and 19+ (JSON-RPC code 0, JSON-2 with real HTTP
statuses), mapped to the connector's error tree at its one boundary.

The fixtures in tests/fixtures/odoo/ are the bytes Odoo sends: odoo/odoo odoo/http.py
``JsonRPCDispatcher.handle_error`` / ``Json2RpcDispatcher.handle_error`` wrap
``serialize_exception(exc)`` and answer through ``make_json_response`` (``json.dumps(...,
ensure_ascii=False)``: ", " and ": " separators). fixtures.json names the source of each.
"""
import contextlib
import json
import pathlib
import re

import pytest
import responses

from odoo_connector import OdooClient, RetryPolicy, errors

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "odoo"
MANIFEST = json.loads((FIXTURES / "fixtures.json").read_text())
URL = "http://odoo.test:8069"
KEY = "fedcba9876543210fedcba9876543210fedcba98"
ROWS = [{"message_key": "k1"}, {"message_key": "k2"}, {"message_key": "k3"}]

KEYS_16_18 = ["name", "debug", "message", "arguments", "context"]
KEYS_19 = ["name", "message", "arguments", "context", "debug"]


def body(name):
    return (FIXTURES / name).read_text(encoding="utf-8")


def is_error(name):
    """Odoo answered an error: a non-200 status, or a JSON-RPC envelope with ``error``."""
    if MANIFEST[name]["status"] != 200:
        return True
    return name.startswith("jsonrpc-") and name.endswith(".json") and "error" in json.loads(body(name))


@pytest.mark.parametrize("name", sorted(n for n in MANIFEST if n.endswith(".json")))
def test_fixture_bytes_are_what_odoo_json_dumps_writes(name):
    """Each JSON fixture re-encodes to itself with Odoo's json.dumps settings (byte-faithful)."""
    text = body(name)
    assert json.dumps(json.loads(text), ensure_ascii=False) == text
    assert MANIFEST[name]["source"].startswith(("odoo/odoo:", "nginx"))


@pytest.mark.parametrize("name", sorted(n for n in MANIFEST if n.startswith("jsonrpc-") and n.endswith(".json") and is_error(n)))
def test_jsonrpc_error_envelopes_differ_by_series(name):
    """16-18: code 200 and data keys name, debug, ...; 19+: code 0 and debug last."""
    envelope = json.loads(body(name))
    assert list(envelope) == ["jsonrpc", "id", "error"]
    error = envelope["error"]
    assert list(error) == ["code", "message", "data"] and error["message"] == "Odoo Server Error"
    if MANIFEST[name]["odoo"].startswith(("17", "18")):
        assert error["code"] == 200 and list(error["data"]) == KEYS_16_18
    else:
        assert error["code"] == 0 and list(error["data"]) == KEYS_19


@pytest.mark.parametrize("name", sorted(n for n in MANIFEST if n.startswith("json2-") and MANIFEST[n]["status"] != 200))
def test_json2_error_bodies_are_serialized_exceptions(name):
    """JSON-2 errors: the bare serialize_exception dict in 19+ key order, with a real status."""
    assert list(json.loads(body(name))) == KEYS_19
    assert MANIFEST[name]["status"] >= 400


def serve(rsps, path, name):
    """Serve a fixture's bytes; a JSON-RPC envelope echoes the request id, as Odoo does."""
    meta = MANIFEST[name]

    def reply(request):
        text = body(name)
        if name.startswith("jsonrpc-") and text.startswith('{"jsonrpc": "2.0", "id": '):
            text = re.sub(r'^\{"jsonrpc": "2\.0", "id": \d+', '{"jsonrpc": "2.0", "id": %d' % json.loads(request.body)["id"], text)
        return meta["status"], {"Content-Type": meta["content_type"], **meta.get("headers", {})}, text.encode()

    rsps.add_callback("POST", URL + path, callback=reply)


# (fixture, protocol, error class, retryable)
CASES = [
    ("jsonrpc-17-access-denied.json", "jsonrpc", errors.AuthenticationError, False),
    ("jsonrpc-19-access-denied.json", "jsonrpc", errors.AuthenticationError, False),
    ("jsonrpc-18-access-error.json", "jsonrpc", errors.AccessDenied, False),
    ("jsonrpc-17-validation.json", "jsonrpc", errors.ValidationError, False),
    ("jsonrpc-17-validation-iotdup.json", "jsonrpc", errors.SerializationError, True),
    ("jsonrpc-17-serialization-failure.json", "jsonrpc", errors.SerializationError, True),
    ("jsonrpc-19-serialization-failure.json", "jsonrpc", errors.SerializationError, True),
    ("jsonrpc-invalid-json.txt", "jsonrpc", errors.ProtocolError, False),
    ("proxy-502.html", "jsonrpc", errors.ServerError, True),
    ("json2-19-unauthorized.json", "json2", errors.AuthenticationError, False),
    ("json2-19-access-error.json", "json2", errors.AccessDenied, False),
    ("json2-19-validation.json", "json2", errors.ValidationError, False),
    ("json2-19-validation-iotdup.json", "json2", errors.SerializationError, True),
    ("json2-19-serialization-failure.json", "json2", errors.SerializationError, True),
    ("json2-19-not-found-model.json", "json2", errors.MissingError, False),
    ("proxy-502.html", "json2", errors.ServerError, True),
]


@contextlib.contextmanager
def answered_with(fixture, protocol):
    """A client (no retries) whose iot.temperature.reading ingest Odoo answers with ``fixture``;
    over JSON-RPC the login before it succeeds."""
    client = OdooClient(URL, db="farm", user="bot", api_key=KEY, protocol=protocol, retry=RetryPolicy.off())
    with responses.RequestsMock() as rsps:
        if protocol == "jsonrpc":
            rsps.add("POST", URL + "/jsonrpc", json={"jsonrpc": "2.0", "id": 1, "result": 7})
            serve(rsps, "/jsonrpc", fixture)
        else:
            serve(rsps, "/json/2/iot.temperature.reading/ingest", fixture)
        yield client


@pytest.mark.parametrize("fixture, protocol, cls, retryable", CASES)
def test_error_body_maps_to_error_tree(fixture, protocol, cls, retryable):
    """Each Odoo error body raises the named OdooError kind with model, method and retryability."""
    with answered_with(fixture, protocol) as client, pytest.raises(errors.OdooError) as info:
        client.ingest("iot.temperature.reading", ROWS)
    exc = info.value
    assert type(exc) is cls
    assert exc.retryable is retryable
    assert (exc.model, exc.method) == ("iot.temperature.reading", "ingest")
    assert str(exc).startswith("iot.temperature.reading.ingest: ")
    if isinstance(exc, errors.APIError) and fixture.endswith(".json"):
        data = json.loads(body(fixture))
        data = data.get("error", {}).get("data", data)
        assert exc.name == data["name"] and exc.message == data["message"]
    assert KEY not in str(exc)


def test_every_error_fixture_is_exercised():
    """No fixture of an error is left without a mapping case."""
    assert {n for n in MANIFEST if is_error(n)} <= {c[0] for c in CASES}


def test_session_expired_code_100_is_an_authentication_error():
    """JSON-RPC code 100 (Odoo Session Expired) maps to AuthenticationError whatever data.name says."""
    envelope = {"jsonrpc": "2.0", "id": 2, "error": {"code": 100, "message": "Odoo Session Expired", "data": {
        "name": "odoo.http.SessionExpiredException", "debug": "", "message": "Session expired",
        "arguments": ["Session expired"], "context": {}}}}
    client = OdooClient(URL, db="farm", user="bot", api_key=KEY, protocol="jsonrpc", retry=RetryPolicy.off())
    with responses.RequestsMock() as rsps:
        rsps.add("POST", URL + "/jsonrpc", json={"jsonrpc": "2.0", "id": 1, "result": 7})
        rsps.add("POST", URL + "/jsonrpc", json=envelope)
        with pytest.raises(errors.AuthenticationError):
            client.call("iot.device", "search_count", [])


def test_a_missing_model_over_jsonrpc_is_missing_not_a_user_error():
    """16-18 answer an unknown model with UserError("Object x doesn't exist") (odoo/service/model.py):
    that means the addon is not installed, so the forwarder must hold, not fail, the rows."""
    from odoo_connector import error_bodies, errors

    exc = error_bodies.from_serialized(
        {"name": "odoo.exceptions.UserError", "debug": "", "message": "Object iot.gate.event doesn't exist",
         "arguments": ["Object iot.gate.event doesn't exist"], "context": {}}, status=200)
    assert isinstance(exc, errors.MissingError)
    other = error_bodies.from_serialized(
        {"name": "odoo.exceptions.UserError", "debug": "", "message": "Quantity must be positive",
         "arguments": [], "context": {}}, status=200)
    assert type(other) is errors.UserError
