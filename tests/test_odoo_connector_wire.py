"""What goes on the wire: argument shapes per protocol (JSON-2 named, /jsonrpc positional) and
Odoo's datetime format (fields.Datetime.to_datetime: strptime '%Y-%m-%d %H:%M:%S', 16 -> 20)."""
import datetime as dt
import json

import pytest

from odoo_connector import signatures, wire

UTC = dt.timezone.utc


@pytest.mark.parametrize("method, args, kwargs, named", [
    ("create", ([{"a": 1}],), {}, {"vals_list": [{"a": 1}]}),
    ("write", ([1, 2], {"a": 1}), {"context": {"tz": "UTC"}}, {"ids": [1, 2], "vals": {"a": 1}, "context": {"tz": "UTC"}}),
    ("search_read", ([["x", "=", 1]],), {"fields": ["x"], "limit": 5}, {"domain": [["x", "=", 1]], "fields": ["x"], "limit": 5}),
    ("ingest", ([{"message_key": "k"}],), {}, {"rows": [{"message_key": "k"}]}),
    ("anything", (), {"x": 1}, {"x": 1}),
])
def test_json2_takes_named_arguments(method, args, kwargs, named):
    """Positional arguments of known methods get their parameter names (create -> vals_list)."""
    assert signatures.to_named(method, args, kwargs) == named


@pytest.mark.parametrize("method, args", [("unknown_method", (1,)), ("create", (1, 2)), ("write", ([1],))])
def test_json2_refuses_what_it_cannot_name(method, args):
    """Positional arguments of an unknown method, too many, or given twice are refused, not guessed."""
    kwargs = {"ids": [1]} if method == "write" else {}
    with pytest.raises(TypeError):
        signatures.to_named(method, args, kwargs)


@pytest.mark.parametrize("method, args, kwargs, expected", [
    ("create", (), {"vals_list": [{"a": 1}]}, ([[{"a": 1}]], {})),
    ("write", (), {"ids": [3], "vals": {"a": 1}}, ([[3], {"a": 1}], {})),
    ("search_read", ([],), {"fields": ["x"], "limit": 1}, ([[], ["x"]], {"limit": 1})),
    ("ingest", ([{"k": 1}],), {}, ([[{"k": 1}]], {})),
])
def test_jsonrpc_takes_leading_arguments_by_position(method, args, kwargs, expected):
    """execute_kw reads args[0] for create/write: named leading arguments move to positions, in order."""
    args, kwargs = signatures.to_positional(method, args, kwargs)
    assert (args, kwargs) == expected


@pytest.mark.parametrize("value, expected", [
    (dt.datetime(2026, 11, 27, 10, 0, 0, 999999, tzinfo=UTC), "2026-11-27 10:00:00"),
    (dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=3))), "2026-11-26 22:00:00"),
    (dt.datetime(2026, 11, 27, 10, 0), "2026-11-27 10:00:00"),
    ("2026-11-27T10:00:00.000000+00:00", "2026-11-27 10:00:00"),
    ("2026-11-27T10:00:00Z", "2026-11-27 10:00:00"),
])
def test_datetimes_become_naive_utc_seconds(value, expected):
    """Aware values convert to UTC; naive ones are UTC already; no 'T', zone or fraction remains."""
    assert wire.odoo_datetime(value) == expected
    assert dt.datetime.strptime(wire.odoo_datetime(value), "%Y-%m-%d %H:%M:%S")


def test_dates_and_bodies():
    """Dates as 'YYYY-MM-DD'; a request body is compact UTF-8 JSON with those formats."""
    assert wire.odoo_date("2027-01-15") == "2027-01-15"
    assert wire.odoo_date(dt.datetime(2026, 6, 1, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-2)))) == "2026-06-02"
    body = wire.dumps({"at": dt.datetime(2026, 1, 1, tzinfo=UTC), "day": dt.date(2026, 1, 2), "name": "Kuh Ölbach"})
    assert json.loads(body) == {"at": "2026-01-01 00:00:00", "day": "2026-01-02", "name": "Kuh Ölbach"}
    with pytest.raises(TypeError):
        wire.dumps({"x": object()})
