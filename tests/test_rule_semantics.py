"""Core rule-SQL semantics of the offline evaluator, as EMQX implements them.

Sources: emqx/emqx:apps/emqx_rule_engine/src/emqx_rule_runtime.erl (select_and_transform/3,
match_conditions/2, compare/3, eval/2), emqx_rule_maps.erl (nested_get/put), and the list in
shared/reference/emqx-rule-semantics.md. Expected values are written as the JSON EMQX sends
(`undefined` -> "undefined"; 2.0 and 2 differ, so results are compared as JSON text).
"""
import json

import pytest

from emqx_rules import RuleError, RuleRuntimeError, evaluate

PAYLOAD = json.dumps({"a": 1, "b": "x", "arr": [1, 2, 3], "n": None, "s": "10", "f": 1.5,
                      "t": True, "obj": {"k": "v"}, "js": '{"x": 5}'})
MSG = {"event": "message.publish", "id": "0006ABC", "clientid": "c1", "username": "u1",
       "topic": "t/1", "qos": 1, "payload": PAYLOAD, "publish_received_at": 1000,
       "timestamp": 1001, "node": "emqx@127.0.0.1", "peerhost": "127.0.0.1",
       "flags": {"retain": False, "dup": False}}


def same(actual, expected):
    return json.dumps(actual, sort_keys=True) == json.dumps(expected, sort_keys=True)


def run(sql, ctx=None):
    return evaluate(sql, MSG if ctx is None else ctx)


SELECT_VECTORS = [
    # missing fields are undefined and stay in the output as the string "undefined"
    ("SELECT payload.zzz AS z FROM \"t/#\"", [{"z": "undefined"}]),
    ("SELECT zzz FROM \"t/#\"", [{"zzz": "undefined"}]),
    ("SELECT null AS n FROM \"t/#\"", [{"n": "undefined"}]),
    ("SELECT payload.n AS n FROM \"t/#\"", [{"n": None}]),
    # one undefined side: every comparison is false, including != and <>
    ("SELECT 1 AS x FROM \"t/#\" WHERE payload.zzz != 1", []),
    ("SELECT 1 AS x FROM \"t/#\" WHERE payload.zzz <> 'a'", []),
    ("SELECT payload.zzz != 1 AS x FROM \"t/#\"", [{"x": False}]),
    ("SELECT 1 AS x FROM \"t/#\" WHERE payload.zzz = payload.yyy", [{"x": 1}]),
    ("SELECT 1 AS x FROM \"t/#\" WHERE payload.n = null", []),
    # NOT of a non-boolean is false; IN is exact membership
    ("SELECT 1 AS x FROM \"t/#\" WHERE NOT payload.a", []),
    ("SELECT 1 AS x FROM \"t/#\" WHERE NOT payload.a = 2", [{"x": 1}]),
    ("SELECT 1 AS x FROM \"t/#\" WHERE payload.a IN (1.0, 2)", []),
    ("SELECT 1 AS x FROM \"t/#\" WHERE payload.a IN (1, 2)", [{"x": 1}]),
    ("SELECT 1 AS x FROM \"t/#\" WHERE payload.b IN ('x')", [{"x": 1}]),
    # mixed-type comparison
    ("SELECT payload.s = 10 AS x FROM \"t/#\"", [{"x": True}]),
    ("SELECT '10' < '9' AS x FROM \"t/#\"", [{"x": True}]),
    ("SELECT 10 < 9 AS x FROM \"t/#\"", [{"x": False}]),
    ("SELECT payload.t = 'true' AS x FROM \"t/#\"", [{"x": True}]),
    ("SELECT payload.n = 'null' AS x FROM \"t/#\"", [{"x": True}]),
    ("SELECT 1 = 1.0 AS x FROM \"t/#\"", [{"x": True}]),
    ("SELECT payload.t = 1 AS x FROM \"t/#\"", [{"x": False}]),
    # output shape of paths and aliases
    ("SELECT payload.a FROM \"t/#\"", [{"payload": {"a": 1}}]),
    ("SELECT payload.arr[2] FROM \"t/#\"", [{"payload": {"arr": [2]}}]),
    ("SELECT payload.a, payload.b FROM \"t/#\"", [{"payload": {"a": 1, "b": "x"}}]),
    ("SELECT payload.a AS d.e FROM \"t/#\"", [{"d": {"e": 1}}]),
    ("SELECT 1 AS c[0], 2 AS c[0] FROM \"t/#\"", [{"c": [2, 1]}]),
    ("SELECT 1 AS c[-0], 2 AS c[-0] FROM \"t/#\"", [{"c": [1, 2]}]),
    ("SELECT payload.a AS x, x + 1 AS y FROM \"t/#\" WHERE y = 2", [{"x": 1, "y": 2}]),
    ("SELECT 'str' AS k, 1 AS k.a FROM \"t/#\"", [{"k": {"a": 1}}]),
    ("SELECT payload.obj AS o, 1 AS o.z FROM \"t/#\"", [{"o": {"k": "v", "z": 1}}]),
    ("SELECT 'abc' FROM \"t/#\"", [{"abc": "abc"}]),
    ("SELECT clientid AS topic, topic AS t2 FROM \"t/#\"", [{"topic": "c1", "t2": "c1"}]),
    # payload decoding: lazy, and a JSON string inside is decoded when a path passes through
    ("SELECT payload.js.x AS x FROM \"t/#\"", [{"x": 5}]),
    ("SELECT payload.b.x AS x FROM \"t/#\"", [{"x": "undefined"}]),
    # index bases
    ("SELECT payload.arr[1] AS a, payload.arr[-1] AS b, payload.arr[0] AS c, "
     "payload.arr[9] AS d FROM \"t/#\"", [{"a": 1, "b": 3, "c": "undefined", "d": "undefined"}]),
    ("SELECT payload.arr[1..-1] AS a, payload.arr[2..3] AS b FROM \"t/#\"",
     [{"a": [1, 2, 3], "b": [2, 3]}]),
    ("SELECT [1..3] AS r FROM \"t/#\"", [{"r": [1, 2, 3]}]),
    # numbers
    ("SELECT 4 / 2 AS a, 7 div 2 AS b, -7 div 2 AS c, -7 mod 2 AS d, 3 * 2 AS e, "
     "1.5 + 1 AS f FROM \"t/#\"", [{"a": 2.0, "b": 3, "c": -3, "d": -1, "e": 6, "f": 2.5}]),
    ("SELECT -payload.a AS n, - 2 * 3 AS m FROM \"t/#\"", [{"n": -1, "m": -6}]),
    # strings: literals are verbatim, + concatenates when a side is a string
    ("SELECT 'a\\nb' AS s, strlen('a\\nb') AS n FROM \"t/#\"", [{"s": "a\\nb", "n": 4}]),
    ("SELECT 1 + '1' AS a, 'a' + 1.5 AS b, 'x' + payload.zzz AS c FROM \"t/#\"",
     [{"a": "11", "b": "a1.5", "c": "xundefined"}]),
    ("SELECT 1 AS x FROM \"t/#\" WHERE clientid = \"c1\"", []),
    ("SELECT \"clientid\" AS x FROM \"t/#\"", [{"x": "c1"}]),
    ("SELECT 'it''s' AS x FROM \"t/#\"", [{"x": "it''s"}]),
    # CASE
    ("SELECT CASE WHEN payload.a > 0 THEN 'pos' ELSE 'neg' END AS s FROM \"t/#\"",
     [{"s": "pos"}]),
    ("SELECT CASE WHEN payload.a > 5 THEN 'big' END AS s FROM \"t/#\"", [{"s": "undefined"}]),
    ("SELECT CASE payload.b WHEN 'x' THEN 1 WHEN 'y' THEN 2 ELSE 0 END AS s FROM \"t/#\"",
     [{"s": 1}]),
    ("SELECT CASE payload.a WHEN 1.0 THEN 'float' ELSE 'exact' END AS s FROM \"t/#\"",
     [{"s": "exact"}]),
    # SELECT *: every column, payload raw, metadata added
    ("SELECT * FROM \"t/#\" WHERE qos = 1",
     [dict(MSG, metadata={"namespace": "global"})]),
    ("SELECT *, payload.a FROM \"t/#\"",
     [dict(MSG, payload=json.loads(PAYLOAD), metadata={"namespace": "global"})]),
    # =~ topic matching and functions that only work in SELECT
    ("SELECT topic =~ 't/+' AS m, topic() AS t, topic(2) AS l FROM \"t/#\" "
     "WHERE topic =~ 't/#'", [{"m": True, "t": "t/1", "l": "1"}]),
    ("SELECT 1 AS x FROM \"t/#\" WHERE topic() = 't/1'", []),
    ("SELECT 1 AS x FROM \"t/#\" WHERE clientid() = 'c1'", []),
]


@pytest.mark.parametrize("sql,expected", SELECT_VECTORS)
def test_select_vector(sql, expected):
    """Each vector's output is exactly what EMQX sends for the standard message."""
    assert same(run(sql), expected), run(sql)


RAISING = [
    "SELECT 1 AS x FROM \"t/#\" WHERE payload.a",                 # bare field in WHERE
    "SELECT 1 AS x FROM \"t/#\" WHERE payload.a NOT IN (2, 3)",   # eval/2 has no `in` clause
    "SELECT payload.b = 1 AS x FROM \"t/#\"",                      # non-numeric string vs number
    "SELECT nth(0, payload.arr) AS x FROM \"t/#\"",
    "SELECT nth(4, payload.arr) AS x FROM \"t/#\"",
    "SELECT abs(-1.2) AS x FROM \"t/#\"",
    "SELECT upper(payload.zzz) AS x FROM \"t/#\"",
    "SELECT 'a' - 1 AS x FROM \"t/#\"",
    "SELECT payload.zzz + 1 AS x FROM \"t/#\"",
    "SELECT 1 / 0 AS x FROM \"t/#\"",
    "SELECT payload.arr[3..1] AS x FROM \"t/#\"",
    "SELECT true + 1 AS x FROM \"t/#\"",
    "SELECT -1 FROM \"t/#\"",                                      # alias/2 has no key for it
    "SELECT 1 AS x FROM \"t/#\" WHERE NOT (payload.a = 1 AND payload.b = 'x')",
    "SELECT no_such_function(1) AS x FROM \"t/#\"",
    "SELECT 1 AS x FROM \"t/#\" WHERE payload.a = 1 AND 'x'",
    "SELECT 1 AS x FROM \"t/#\" WHERE upper('a')",                # a non-boolean WHERE
]


@pytest.mark.parametrize("sql", RAISING)
def test_runtime_exception(sql):
    """EMQX raises on these (failed.exception) and sends nothing; so does the evaluator."""
    with pytest.raises(RuleRuntimeError):
        run(sql)


def test_non_json_payload_passes_through_raw():
    """`SELECT payload` never decodes, so a non-JSON payload is carried as a string."""
    assert run("SELECT payload FROM \"t/#\"", dict(MSG, payload="not json")) == [
        {"payload": "not json"}]


def test_non_json_payload_fails_a_rule_reading_payload_fields():
    """Reading payload.x of a non-JSON payload raises: the rule emits nothing at all."""
    with pytest.raises(RuleRuntimeError, match="decode_json_failed"):
        run("SELECT payload.x AS x FROM \"t/#\"", dict(MSG, payload="not json"))


def test_non_json_payload_fails_in_where_too():
    """The decode failure also happens in WHERE, before any output exists."""
    with pytest.raises(RuleError):
        run("SELECT payload FROM \"t/#\" WHERE payload.x = 1", dict(MSG, payload="{bad"))


def test_integers_stay_integers():
    """JSON integers come out as integers and floats as floats (1 and 1.0 differ)."""
    out = run("SELECT payload.a AS i, payload.f AS f, payload.a * 1.0 AS g FROM \"t/#\"")
    assert out == [{"i": 1, "f": 1.5, "g": 1.0}]
    assert type(out[0]["i"]) is int and type(out[0]["g"]) is float
