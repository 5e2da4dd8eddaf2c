"""FOREACH / DO / INCASE (emqx/emqx:apps/emqx_rule_engine/src/emqx_rule_runtime.erl:
select_and_collect/2, filter_collection/4, evaluate_foreach/5).

WHERE runs once before iterating and sees the FOREACH aliases; INCASE filters each element;
with DO each output holds only the DO fields; without DO each output is all columns plus
metadata plus the element (under `item` or the alias); a non-list gives no output.
"""
import json

import pytest

from emqx_rules import RuleRuntimeError, evaluate

PAYLOAD = json.dumps({"arr": [1, 2, 3], "o": {"x": 1},
                      "rs": [{"v": 1, "s": "a"}, {"v": None, "s": "b"}, {"v": 3, "s": "c"}]})
MSG = {"event": "message.publish", "id": "i1", "clientid": "c1", "topic": "t/1", "qos": 0,
       "payload": PAYLOAD}
COLUMNS = {"event": "message.publish", "id": "i1", "clientid": "c1", "topic": "t/1",
           "qos": 0, "metadata": {"namespace": "global"}}

VECTORS = [
    ("FOREACH payload.arr AS x DO x * 2 AS d FROM \"t/#\"", [{"d": 2}, {"d": 4}, {"d": 6}]),
    ("FOREACH payload.rs AS r DO r.s AS s INCASE is_not_null_var(r.v) FROM \"t/#\"",
     [{"s": "a"}, {"s": "c"}]),
    # JSON null compares greater than any number (atoms sort after numbers)
    ("FOREACH payload.rs AS r DO r.v AS v INCASE r.v > 1 FROM \"t/#\"", [{"v": None}, {"v": 3}]),
    ("FOREACH payload.arr AS x DO x FROM \"t/#\" WHERE length(x) = 3",
     [{"x": 1}, {"x": 2}, {"x": 3}]),
    ("FOREACH payload.arr AS x DO x FROM \"t/#\" WHERE length(x) = 2", []),
    ("FOREACH payload.arr AS x DO x, clientid, topic() AS t FROM \"t/#\"",
     [{"x": i, "clientid": "c1", "t": "t/1"} for i in (1, 2, 3)]),
    ("FOREACH payload.o FROM \"t/#\"", []),
    ("FOREACH payload.zzz AS x DO x FROM \"t/#\"", []),
    ("FOREACH payload AS p DO p FROM \"t/#\"", []),
    ("FOREACH json_decode(payload) AS p DO p FROM \"t/#\"", []),
    ("FOREACH [1, 'a'] AS e DO e FROM \"t/#\"", [{"e": 1}, {"e": "a"}]),
    ("FOREACH payload.arr AS x DO x INCASE x > 5 FROM \"t/#\"", []),
    ("FOREACH map_get('arr', payload) AS x, 1 AS y DO x FROM \"t/#\"", []),
    ("FOREACH 1 AS y, payload.arr AS x DO x + y AS s FROM \"t/#\"",
     [{"s": 2}, {"s": 3}, {"s": 4}]),
]


@pytest.mark.parametrize("sql,expected", VECTORS)
def test_foreach_vector(sql, expected):
    """One output per element that passes INCASE, shaped by DO."""
    assert evaluate(sql, MSG) == expected


def test_without_do_outputs_columns_item_and_rewritten_payload():
    """Without DO and alias: columns + metadata + item, payload cut down to the iterated path."""
    out = evaluate("FOREACH payload.arr FROM \"t/#\"", MSG)
    assert out == [dict(COLUMNS, item=i, payload={"arr": [1, 2, 3]}) for i in (1, 2, 3)]


def test_without_do_alias_names_the_element():
    """With an alias the element is stored under it; the raw payload stays a string."""
    out = evaluate("FOREACH payload.arr AS x FROM \"t/#\"", MSG)
    assert out == [dict(COLUMNS, x=i, payload=PAYLOAD) for i in (1, 2, 3)]


def test_top_level_array_payload():
    """FOREACH payload decodes a top-level JSON array (e5.9+ behaviour)."""
    out = evaluate("FOREACH payload AS r DO r.v AS v FROM \"t/#\"",
                   dict(MSG, payload='[{"v": 1}, {"v": 2}]'))
    assert out == [{"v": 1}, {"v": 2}]


def test_foreach_payload_not_json_raises():
    """FOREACH over a non-JSON payload fails the rule."""
    with pytest.raises(RuleRuntimeError):
        evaluate("FOREACH payload.arr AS x DO x FROM \"t/#\"", dict(MSG, payload="nope"))


def test_incase_non_boolean_raises():
    """INCASE must be boolean; a bare element raises."""
    with pytest.raises(RuleRuntimeError):
        evaluate("FOREACH payload.arr AS x DO x INCASE x FROM \"t/#\"", MSG)
