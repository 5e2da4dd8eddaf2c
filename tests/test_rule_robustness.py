"""The evaluator fails only with its own errors: arbitrary SQL either compiles or raises
RuleSyntaxError, and evaluating any compiled rule on odd messages returns bodies or raises a
RuleError, never a Python exception (which would hide whether EMQX fails too)."""
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from emqx_rules import RuleError, RuleSyntaxError, compile_rule

TOKENS = ["SELECT", "FOREACH", "DO", "INCASE", "FROM", "WHERE", "AS", "AND", "OR", "NOT", "IN",
          "CASE", "WHEN", "THEN", "ELSE", "END", "*", ",", "(", ")", "[", "]", ".", "+", "-",
          "/", "div", "mod", "=", "!=", "<", ">=", "=~", "'t/#'", "\"t/#\"", "'a'", "1", "2.5",
          "[1..2]", "payload", "payload.a", "payload.arr[1]", "topic", "x", "true", "null",
          "upper(x)", "nth(1, payload.arr)", "split(topic, '/')", "str(payload)", "--c\n"]
SQL = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14).map(" ".join)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-1e6, 1e6) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abx"), inner,
                                                               max_size=3),
    max_leaves=6)


@settings(max_examples=400, deadline=None)
@given(sql=SQL)
def test_any_sql_compiles_or_raises_syntax_error(sql):
    """Random token soup is either valid rule SQL or a RuleSyntaxError."""
    try:
        compile_rule(sql)
    except RuleSyntaxError:
        pass


RULES = [
    "SELECT payload.a AS a, upper(x) AS u, nth(1, payload.arr) AS n FROM \"t/#\" "
    "WHERE payload.a > 1 OR x = 'y'",
    "SELECT *, payload.a, str(x) AS s, x + 1 AS p FROM \"t/#\"",
    "FOREACH payload.arr AS e DO e, e.a AS ea INCASE e.a != 0 FROM \"t/#\" WHERE x IN (1, 'a')",
    "SELECT CASE x WHEN 1 THEN json_encode(payload) ELSE map_get('a', payload) END AS c, "
    "split(topic, '/') AS parts, sprintf('~p', x) AS f FROM \"t/#\"",
]


@settings(max_examples=300, deadline=None)
@given(x=VALUES, payload=VALUES, raw=st.booleans())
def test_evaluation_raises_only_rule_errors(x, payload, raw):
    """Whatever the columns hold, evaluation gives bodies or a RuleError."""
    ctx = {"topic": "t/1", "x": x,
           "payload": payload if raw and isinstance(payload, str) else json.dumps(payload)}
    for sql in RULES:
        try:
            compile_rule(sql).evaluate(ctx)
        except RuleError:
            pass
