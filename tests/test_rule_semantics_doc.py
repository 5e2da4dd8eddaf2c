"""Every example in shared/reference/emqx-rule-semantics.md, section by section.

The reference lists the semantics most often implemented wrong, each with examples; each
example below is one vector (section number first). Expected values follow EMQX's source,
where the document says the source wins over EMQX's docs.
"""
import json

import pytest

from emqx_rules import RuleRuntimeError, evaluate

PAYLOAD = json.dumps({"a": 1, "b": "x", "s": "10", "arr": [1, 2, 3], "n": None, "t": True,
                      "name": "sensor_1", "obj": {"k": "v", "q": {"r": 1}},
                      "j": '{"b": 7}', "flag": True})
MSG = {"event": "message.publish", "id": "0001", "clientid": "c1", "username": "u1",
       "topic": "t/1", "qos": 1, "payload": PAYLOAD}


def value(expr):
    return evaluate(f"SELECT {expr} AS v FROM \"t/#\"", MSG)[0]["v"]


def where(cond):
    return evaluate(f"SELECT 1 AS v FROM \"t/#\" WHERE {cond}", MSG) == [{"v": 1}]


VALUES = [
    # 1. missing fields are undefined and stay in the output; two missing fields are equal
    ("1", "payload.missing", "undefined"),
    ("1", "payload.missing = payload.other", True),
    ("1", "payload.missing != 1", False),
    ("1", "payload.missing <> 1", False),
    ("1", "null", "undefined"),
    # 3. mixed-type comparison
    ("3", "payload.s = 10", True),
    ("3", "payload.s > 9", True),
    ("3", "'10' < '9'", True),
    ("3", "true = 'true'", True),
    ("3", "payload.t = 'true'", True),
    ("3", "payload.n = 'null'", True),
    ("3", "1 = 1.0", True),
    # 7. index bases
    ("7", "payload.arr[1]", 1), ("7", "payload.arr[-1]", 3), ("7", "payload.arr[0]", "undefined"),
    ("7", "payload.arr[4]", "undefined"), ("7", "payload.arr[1..-1]", [1, 2, 3]),
    ("7", "substr('hello', 0, 2)", "he"), ("7", "topic(1)", "t"), ("7", "nth(1, payload.arr)", 1),
    ("7", "split('a//b', '/')", ["a", "b"]),
    # 8. numbers
    ("8", "4/2", 2.0), ("8", "7 div 2", 3), ("8", "-7 div 2", -3), ("8", "-7 mod 2", -1),
    ("8", "7 mod -2", 1), ("8", "round(2.5)", 3), ("8", "round(-2.5)", -3), ("8", "ceil(1.1)", 2),
    ("8", "floor(1.9)", 1), ("8", "int(1.9)", 1), ("8", "int(-3.14)", -4), ("8", "float(1)", 1.0),
    ("8", "sqrt(4)", 2.0), ("8", "power(2, 2)", 4.0), ("8", "log10(10)", 1.0), ("8", "abs(-2)", 2),
    # 9. strings
    ("9", "strlen('a\\nb')", 4), ("9", "'a\\nb'", "a\\nb"), ("9", "unescape('a\\nb')", "a\nb"),
    ("9", "''", ""), ("9", "1 + '1'", "11"), ("9", "'1' + 1", "11"),
    ("9", "sprintf('~s', 'abc')", "abc"), ("9", "sprintf('~ts', 'abc')", "abc"),
    ("9", "sprintf('~p', 'abc')", '<<"abc">>'), ("9", "str(1/3)", "0.3333333333"),
    ("9", "str(0.300000004)", "0.300000004"), ("9", "upper('hello')", "HELLO"),
    # 10. null helpers
    ("10", "is_null(payload.missing)", True), ("10", "is_null(payload.n)", False),
    ("10", "is_null_var(payload.n)", True), ("10", "coalesce(payload.n, 1)", None),
    ("10", "coalesce(payload.missing, 1)", 1), ("10", "map_get('obj.k', payload)", "v"),
    ("10", "mget('obj.k', payload)", "undefined"), ("10", "mget('obj', payload)",
                                                     {"k": "v", "q": {"r": 1}}),
    ("10", "mget(['obj', 'k'], payload)", "undefined"),
    # docs vs source
    ("docs", "float('3.14e4')", 31400.0),
]


@pytest.mark.parametrize("section,expr,expected", VALUES)
def test_value(section, expr, expected):
    """The expression has the value EMQX computes (compared as JSON, so 2 != 2.0)."""
    assert json.dumps(value(expr)) == json.dumps(expected)


CONDITIONS = [
    ("1", "payload.missing = payload.other", True),
    ("1", "payload.missing != 'x'", False),
    ("1", "payload.n = null", False),
    ("2", "payload.flag = true", True),
    ("2", "NOT payload.a", False),
    ("2", "NOT payload.a = 2", True),
    ("2", "payload.a IN (1.0)", False),
    ("2", "payload.s IN (10)", False),
    ("2", "payload.a IN (1)", True),
    ("9", "payload.name = \"sensor_1\"", False),
    ("9", "payload.name = 'sensor_1'", True),
    ("12", "topic() = 't/1'", False),
    ("12", "is_null(clientid())", True),
    ("12", "topic = 't/1'", True),
]


@pytest.mark.parametrize("section,cond,matches", CONDITIONS)
def test_where(section, cond, matches):
    """WHERE keeps or drops the message as EMQX does."""
    assert where(cond) is matches


RAISES = [
    ("2", "WHERE payload.flag"),
    ("2", "WHERE payload.a NOT IN (2)"),
    ("3", "WHERE payload.b = 1"),
    ("7", "SELECT nth(0, payload.arr) AS v"),
    ("7", "SELECT nth(9, payload.arr) AS v"),
    ("8", "SELECT abs(-1.2) AS v"),
    ("9", "SELECT 'a' - 1 AS v"), ("9", "SELECT 'a' * 2 AS v"), ("9", "SELECT '4' / 2 AS v"),
    ("9", "SELECT upper(payload.missing) AS v"),
    ("6", "SELECT payload.x AS v"),  # with the non-JSON payload below
]


@pytest.mark.parametrize("section,clause", RAISES)
def test_raises(section, clause):
    """EMQX's rule raises here, so no action runs."""
    ctx = dict(MSG, payload="not json") if section == "6" else MSG
    sql = clause if clause.startswith("SELECT") else f"SELECT 1 AS v {clause}"
    head, _, tail = sql.partition(" WHERE ")
    sql = f"{head} FROM \"t/#\"" + (f" WHERE {tail}" if tail else "")
    with pytest.raises(RuleRuntimeError):
        evaluate(sql, ctx)


def test_4_select_star_keeps_payload_raw_and_adds_metadata():
    """4: SELECT * copies every column, payload stays the raw string, metadata is added."""
    out = evaluate("SELECT * FROM \"t/#\"", MSG, rule_id="r1")
    assert out == [dict(MSG, metadata={"rule_id": "r1", "namespace": "global"})]


def test_4_select_star_with_payload_path_decodes_payload():
    """4: SELECT *, payload.a turns the output payload into the decoded object."""
    assert evaluate("SELECT *, payload.a FROM \"t/#\"", MSG)[0]["payload"] == json.loads(PAYLOAD)


@pytest.mark.parametrize("sql,expected", [
    ("SELECT payload.a FROM \"t/#\"", {"payload": {"a": 1}}),
    ("SELECT payload.arr[2] FROM \"t/#\"", {"payload": {"arr": [2]}}),
    ("SELECT payload.a AS x.y FROM \"t/#\"", {"x": {"y": 1}}),
    ("SELECT 1 AS c[0], 2 AS c[0] FROM \"t/#\"", {"c": [2, 1]}),
    ("SELECT 1 AS c[-0], 2 AS c[-0] FROM \"t/#\"", {"c": [1, 2]}),
    ("SELECT payload.a AS x, x + 1 AS y FROM \"t/#\" WHERE y = 2", {"x": 1, "y": 2}),
    ("SELECT 'str' AS k, 1 AS k.z FROM \"t/#\"", {"k": {"z": 1}}),
    ("SELECT payload.obj AS k, 1 AS k.z FROM \"t/#\"", {"k": {"k": "v", "q": {"r": 1}, "z": 1}}),
    ("SELECT payload.j.b AS b FROM \"t/#\"", {"b": 7}),
])
def test_5_6_output_shapes(sql, expected):
    """5/6: paths without alias keep their shape, dotted and indexed aliases build values."""
    assert evaluate(sql, MSG) == [expected]


def test_6_select_payload_never_decodes():
    """6: plain `SELECT payload` passes a non-JSON payload through untouched."""
    assert evaluate("SELECT payload FROM \"t/#\"", dict(MSG, payload="not json")) == [
        {"payload": "not json"}]


def test_11_foreach_rules():
    """11: WHERE once with aliases, INCASE per element, DO shapes, non-list gives nothing."""
    sql = ("FOREACH payload.arr AS x DO x AS v INCASE x > 1 FROM \"t/#\" "
           "WHERE length(x) = 3")
    assert evaluate(sql, MSG) == [{"v": 2}, {"v": 3}]
    assert evaluate("FOREACH payload.obj AS x DO x FROM \"t/#\"", MSG) == []
    no_do = evaluate("FOREACH payload.arr FROM \"t/#\"", MSG)
    assert [o["item"] for o in no_do] == [1, 2, 3]
    assert no_do[0]["payload"] == {"arr": [1, 2, 3]} and "metadata" in no_do[0]


@pytest.mark.parametrize("flt,topic,matches", [
    ("t/#", "t", True), ("#", "$SYS/x", False), ("+/x", "$SYS/x", False),
])
def test_12_topic_filters(flt, topic, matches):
    """12: `t/#` matches `t`; `#` and `+` never match a topic starting with `$`."""
    out = evaluate(f"SELECT topic FROM \"{flt}\"", {"topic": topic})
    assert bool(out) is matches


@pytest.mark.parametrize("source", ["$events/client/connected", "$events/client_connected",
                                    "$events/client/+"])
def test_12_event_names(source):
    """12: new, legacy and wildcard event topic names all match the event; no payload."""
    ctx = {"event": "client.connected", "clientid": "c1"}
    assert evaluate(f"SELECT clientid, payload FROM \"{source}\"", ctx) == [
        {"clientid": "c1", "payload": "undefined"}]


def test_json_encode_key_order():
    """json-encode-key-order: small objects are written with keys in reverse sorted order."""
    assert value("json_encode(payload.obj)") == '{"q":{"r":1},"k":"v"}'
