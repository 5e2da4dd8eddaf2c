"""Which SQL EMQX accepts, and how it reads it (thalesmg/rulesql:src/sql_lex.xrl and
src/rulesql.yrl, the grammar EMQX pins as rulesql 0.2.1; emqx/emqx:apps/emqx_rule_engine/src/
emqx_rule_sqlparser.erl rejects an empty FROM)."""
import json

import pytest

from emqx_rules import RuleSyntaxError, compile_rule, evaluate

MSG = {"event": "message.publish", "id": "i1", "clientid": "c1", "topic": "t/1", "qos": 1,
       "payload": json.dumps({"a": 1, "end": 2, "User-Property": {"foo": "bar"},
                              "arr": [10, 20, 30], "i": 2, "1": "one"})}

ACCEPTED = [
    ("select payload.a as x from \"t/#\"", [{"x": 1}]),
    ("SELECT payload.a x FROM \"t/#\"", [{"x": 1}]),
    ("SELECT payload.a AS x FROM 't/#'", [{"x": 1}]),
    ("SELECT payload.a AS x FROM t", []),
    ("SELECT payload.a AS x -- the reading\nFROM \"t/#\"", [{"x": 1}]),
    ("\n  SELECT payload.a AS x\n  FROM \"t/#\"\n\n", [{"x": 1}]),
    ("SELECT payload.'end' AS e, payload.'User-Property'.foo AS f, payload.1 AS o "
     "FROM \"t/#\"", [{"e": 2, "f": "bar", "o": "one"}]),
    ("SELECT payload.arr[i] AS a, payload.arr[payload.i] AS b FROM \"t/#\"",
     [{"a": 20, "b": "undefined"}]),
    ("SELECT [1, 'a', payload.a] AS l, [] AS e, [2..4] AS r FROM \"t/#\"",
     [{"l": [1, "a", 1], "e": [], "r": [2, 3, 4]}]),
    ("SELECT (CASE WHEN qos = 1 THEN 'one' END) AS q FROM \"t/#\"", [{"q": "one"}]),
    ("SELECT coalesce(CASE WHEN qos = 2 THEN 'two' END, 'x') AS q FROM \"t/#\"",
     [{"q": "x"}]),
    ("SELECT upper(concat('a', qos = 1)) AS u FROM \"t/#\"", [{"u": "ATRUE"}]),
    ("SELECT 1 AS x FROM \"t/#\" WHERE ((qos = 1 OR qos = 2) AND (payload.a + 1) * 2 = 4)",
     [{"x": 1}]),
    ("SELECT 1 AS x FROM \"t/#\" WHERE NOT qos = 2 AND NOT (qos = 3)", [{"x": 1}]),
    ("SELECT 2 - 1 - 1 AS a, 2 * 3 + 4 AS b, 2 + 3 * 4 AS c, (2 + 3) * 4 AS d, -2 * -3 AS e "
     "FROM \"t/#\"", [{"a": 0, "b": 10, "c": 14, "d": 20, "e": 6}]),
    ("SELECT 1.5 AS f, 007 AS i, 1.5e2 AS g FROM \"t/#\"", [{"f": 1.5, "i": 7, "g": 150.0}]),
    ("SELECT payload.a AS x FROM \"a/#\", \"t/#\", \"$events/client_connected\"",
     [{"x": 1}]),
    ("SELECT payload.a AS out.inner, qos AS out.q FROM \"t/#\"",
     [{"out": {"inner": 1, "q": 1}}]),
    ("SELECT \"payload\".a AS x FROM \"t/#\"", [{"x": 1}]),
    ("SELECT true AS t, false AS f FROM \"t/#\"", [{"t": True, "f": False}]),
    ("SELECT TRUE AS t FROM \"t/#\"", [{"t": "undefined"}]),
]


@pytest.mark.parametrize("sql,expected", ACCEPTED)
def test_accepted(sql, expected):
    """EMQX accepts the SQL and evaluates it as shown."""
    assert evaluate(sql, MSG) == expected


REJECTED = [
    "",
    "   \n ",
    "SELECT payload.a AS x",                          # FROM is mandatory
    "SELECT FROM \"t/#\"",
    "SELECT payload.a AS x FROM",
    "SELECT a FROM t/1",                               # a bare topic cannot contain '/'
    "SELECT a FROM \"t\" WHERE a = 1 = 2",              # comparison is non-associative
    "SELECT 15e3 AS x FROM \"t\"",                     # list_to_float/1 needs a dot
    "SELECT payload.end FROM \"t\"",                   # reserved word as a bare key
    "SELECT json_decode(payload).readings FROM \"t\"",  # no path after a call
    "SELECT 'abc AS x FROM \"t\"",                     # unterminated string
    "SELECT a, FROM \"t\"",
    "SELECT CASE WHEN a = 1 THEN 2 AS x FROM \"t\"",   # CASE without END
    "SELECT CASE WHEN a = 1 THEN 2 END + 1 AS x FROM \"t\"",
    "SELECT a FROM \"t\" WHERE",
    "SELECT a FROM \"t\" extra",
    "SELECT a ; FROM \"t\"",
    "SELECT a FROM \"t\" -- a comment without a newline",
    "SELECT true.x FROM \"t\"",
    "SELECT a FROM \"t\" WHERE IF a = 1",
    "UPDATE t SET a = 1",
    "FOREACH payload.arr DO FROM \"t\"",
    "SELECT a[1..2].b FROM \"t\"",
]


@pytest.mark.parametrize("sql", REJECTED)
def test_rejected(sql):
    """EMQX refuses to create a rule with this SQL."""
    with pytest.raises(RuleSyntaxError):
        compile_rule(sql)


def test_double_quotes_are_identifiers_except_in_from():
    """"sensor_1" is a variable (undefined), so the docs' WHERE x = "sensor_1" never matches."""
    sql = "SELECT 1 AS x FROM \"t/#\" WHERE clientid = \"c1\""
    assert evaluate(sql, MSG) == []
    assert evaluate(sql.replace('"c1"', "'c1'"), MSG) == [{"x": 1}]


def test_literals_have_no_escapes():
    """A backslash in a literal is just a character; '' inside quotes is kept verbatim."""
    out = evaluate("SELECT 'a\\tb' AS s, strlen('a\\tb') AS n, 'x''y' AS q FROM \"t/#\"", MSG)
    assert out == [{"s": "a\\tb", "n": 4, "q": "x''y"}]


def test_compile_is_cached_by_sql_text():
    """The same SQL text compiles once; evaluate() reuses the compiled rule."""
    sql = "SELECT qos FROM \"t/#\""
    assert compile_rule(sql) is compile_rule(sql)


def test_compiled_rule_evaluates_many_messages():
    """A compiled rule evaluates message after message independently (no shared state)."""
    rule = compile_rule("SELECT payload.a AS a FROM \"t/#\"")
    assert rule.evaluate(MSG) == [{"a": 1}]
    assert rule.evaluate(dict(MSG, payload='{"a": 2}')) == [{"a": 2}]
    assert rule.evaluate(MSG) == [{"a": 1}]
    assert not rule.is_foreach and rule.from_topics == ["t/#"]
