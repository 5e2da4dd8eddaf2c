"""What a failed Odoo call does to its rows (webhooks/forwarder/decision.py): hold, isolate, fail.

Odoo is faked at the transport only: the simulated addon (``webhooks.tools.simodoo``, Odoo's
wire formats) or the byte-faithful error fixtures in tests/fixtures/odoo/ (fixtures.json names the
Odoo source of each), answered to the real ``OdooClient``.
"""
import inspect
from datetime import datetime, timedelta, timezone

import pytest

from odoo_connector import OdooClient, RetryPolicy, errors
from test_odoo_connector_errors import answered_with
from test_odoo_mapping import message_row
from webhooks.tools import simodoo
from webhooks.forwarder.decision import Decision, decide
from webhooks.forwarder.delivery import deliver

HOLD, ISOLATE, FAIL = Decision.HOLD, Decision.ISOLATE, Decision.FAIL
# Every class in odoo_connector.errors, and what it does to a call of several rows. A class added
# there without a line here fails test_every_error_class_has_a_decision.
EXPECTED = {
    "OdooError": HOLD,  # an error we do not know
    "TransportError": HOLD,
    "ConnectError": HOLD,
    "Timeout": HOLD,
    "ConnectTimeout": HOLD,
    "ReadTimeout": HOLD,  # maybe committed: the resend is made harmless by message_key
    "ConnectionLost": HOLD,
    "ServerError": HOLD,  # 5xx/429 without an Odoo body: a proxy, a dead worker
    "APIError": HOLD,  # an Odoo exception we do not map (its pool full, its DB restarting)
    "AuthenticationError": HOLD,  # a rotated key
    "AccessDenied": HOLD,  # the forwarder user lost its group
    "ValidationError": ISOLATE,
    "UserError": ISOLATE,
    "MissingError": HOLD,  # the addon is not installed
    "SerializationError": HOLD,  # Odoo rolled back after its own retries; IOTDUP too
    "ProtocolError": HOLD,  # a maintenance page answered with 200, a garbled body
    "MisalignedAnswer": ISOLATE,  # the addon's answer cannot be paired with the rows sent
}
ERROR_CLASSES = [cls for _, cls in inspect.getmembers(errors, inspect.isclass)
                 if issubclass(cls, errors.OdooError) and cls.__module__ == errors.__name__]
T0 = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)


def instance(cls):
    return cls("refused", status=500) if issubclass(cls, errors.ServerError) else cls("refused")


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_every_error_class_has_a_decision(cls):
    """Each connector error class holds or isolates a batch; an isolated single row fails."""
    assert cls.__name__ in EXPECTED, f"{cls.__name__}: decide what it does to rows (decision.py, and here)"
    expected = EXPECTED[cls.__name__]
    assert decide(instance(cls), 50) is expected
    assert decide(instance(cls), 1) is (FAIL if expected is ISOLATE else HOLD)


def test_the_table_names_only_existing_classes():
    """No line of the table above outlives its class."""
    assert set(EXPECTED) == {c.__name__ for c in ERROR_CLASSES}


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_a_server_error_holds_whatever_its_status(status):
    """A 5xx or 429 page is never Odoo judging the data, retryable or not."""
    assert decide(errors.ServerError("proxy", status=status), 1) is HOLD


@pytest.mark.parametrize("exc", [RuntimeError("bug"), KeyError("id"), ValueError("x")],
                         ids=lambda e: type(e).__name__)
def test_an_error_from_outside_the_connector_holds(exc):
    """Not an OdooError (a bug, a library surprise): the rows wait, they are not failed."""
    assert decide(exc, 1) is HOLD


@pytest.mark.parametrize("fixture, protocol", [("jsonrpc-18-access-error.json", "jsonrpc"),
                                               ("json2-19-access-error.json", "json2")])
def test_odoos_access_error_holds_the_rows(fixture, protocol):
    """Odoo's AccessError bytes (a forwarder user without its group) hold a one-row call too."""
    rows = claimed(1)
    with answered_with(fixture, protocol) as client:
        result = deliver(client, rows)
    assert result.retry == rows and result.failed == [] and result.delivered == []
    assert isinstance(result.retry_error, errors.AccessDenied)


def claimed(n, device="TS001", kind="data"):
    """Outbox rows (``message``) as the worker hands them to deliver(), one second apart."""
    payload = {"temperature": 3.9} if kind == "data" else {"status": "online"}
    return [message_row("temperature", kind, payload, device_id=device, device_ts=T0 + timedelta(seconds=i),
                        message_key=f"{device}:{kind}:{i}") | {"_table": "message"} for i in range(n)]


def client_for(odoo, protocol):
    return OdooClient(odoo.url, db="farm", user="bot", api_key="sim-key", protocol=protocol,
                      timeout=(1.0, 5.0), retry=RetryPolicy.off())


def lose_the_answer_of(odoo, name, value):
    """The addon answers one entry short whenever a row whose ``name`` is ``value`` is in the call."""
    real = odoo.call

    def call(model, method, rows):
        return [a for values, a in zip(rows, real(model, method, rows)) if values.get(name) != value]
    odoo.call = call


@pytest.mark.parametrize("protocol,version", [("json2", 19), ("jsonrpc", 17)])
def test_a_misaligned_answer_isolates_and_fails_only_its_row(protocol, version):
    """An answer that does not line up with the rows is bisected to the row behind it, which fails;
    the others are delivered and nothing waits for a retry."""
    rows = claimed(5)
    bad = rows[2]
    with simodoo.SimOdoo(version=version) as odoo:
        lose_the_answer_of(odoo, "message_key", bad["message_key"])
        result = deliver(client_for(odoo, protocol), rows)
        calls = [n for _, _, n in odoo.calls]
    assert [row for row, _ in result.delivered] == [rows[0], rows[1], rows[3], rows[4]]
    assert [(row, error) for row, error in result.failed] == [
        (bad, "iot.temperature.reading.ingest: expected a list of 1 results, got 0")]
    assert result.retry == [] and result.retry_error is None
    assert calls == [5, 2, 3, 1, 2]


def test_an_addon_that_never_answers_in_line_fails_the_rows_instead_of_looping():
    """A broken answer for every call ends in failed rows after 2n-1 calls, never a retry."""
    rows, calls = claimed(4), []
    with simodoo.SimOdoo(version=19) as odoo:
        odoo.call = lambda model, method, values: calls.append(len(values)) or [{"created": True} for _ in values]
        result = deliver(client_for(odoo, "json2"), rows)
    assert [row for row, _ in result.failed] == rows and result.retry == [] and result.delivered == []
    assert calls == [4, 2, 1, 1, 2, 1, 1]
    assert all("is neither {'id'} nor {'error'}" in error for _, error in result.failed)


def test_a_misaligned_device_event_answer_fails_its_device_only():
    """Coalesced device events are isolated the same way: the device behind it fails, with its rows."""
    rows = claimed(1, "TS001", "status") + claimed(1, "TS002", "status")
    with simodoo.SimOdoo(version=19) as odoo:
        lose_the_answer_of(odoo, "device_ref", "TS002")
        result = deliver(client_for(odoo, "json2"), rows)
    assert [row["device_id"] for row, _ in result.delivered] == ["TS001"]
    assert [row["device_id"] for row, _ in result.failed] == ["TS002"]
    assert result.retry == []
