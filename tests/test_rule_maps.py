"""Nested get/put, ported from emqx/emqx:apps/emqx_rule_engine/test/emqx_rule_maps_SUITE.erl.

Paths: ('key', k), ('index', ('const', n | 'head' | 'tail')) and ('index', var/path) for a
dynamic index read from the top-level data. A JSON string met on the way is decoded.
"""
import json

import pytest

from emqx_rules.sql.maps import nested_get, nested_put
from emqx_rules.sql.values import UNDEFINED


def path(*segments):
    out = []
    for s in segments:
        if isinstance(s, tuple) and s[0] == "ic":
            out.append(("index", ("const", s[1])))
        elif isinstance(s, tuple) and s[0] == "iv":
            out.append(("index", ("var", s[1])))
        elif isinstance(s, tuple) and s[0] == "i":
            out.append(("index", s[1]))
        else:
            out.append(("key", s))
    return ("path", out)


PUT = [
    (path("a"), 1, {}, {"a": 1}),
    (path("a"), 1, "not_map", {"a": 1}),
    (path("a", "b", "c"), "c", {}, {"a": {"b": {"c": "c"}}}),
    (path("k"), "v1", {"k": "v0", "a": "b"}, {"k": "v1", "a": "b"}),
    (path("payload", "a"), "v1", {"payload": json.dumps({"b": "v2"})}, {"payload": {"a": "v1"}}),
    (path("payload", "a", "new"), "v1", {"payload": json.dumps({"a": {"old": "v2"}})},
     {"payload": {"a": {"new": "v1", "old": "v2"}}}),
    (path("payload", "a", "new"), "v1", {"payload": "{}"}, {"payload": {"a": {"new": "v1"}}}),
    (path(("ic", 2)), "a", [1, 2, 3], [1, "a", 3]),
    (path(("ic", 0)), "a", [1, 2, 3], [1, 2, 3]),
    (path(("ic", 4)), "a", [1, 2, 3], [1, 2, 3]),
    (path(("ic", 2), ("ic", 1), ("ic", 2)), "a", [1, [[2]], 3], [1, [[2]], 3]),
    (path(("ic", 2), ("i", path(("ic", 3)))), "a", [1, [2], 1], [1, ["a"], 1]),
    (path(("ic", "head")), "a", "not_list", ["a"]),
    (path(("ic", "head")), "a", [1, 2, 3], ["a", 1, 2, 3]),
    (path(("ic", "tail")), "a", [1, 2, 3], [1, 2, 3, "a"]),
    (path(("ic", -1)), "a", [1, 2, 3], [1, 2, "a"]),
    (path(("ic", -4)), "a", [1, 2, 3], [1, 2, 3]),
    (path("a", ("ic", 2)), "a", {}, {"a": ["a"]}),
    (path("a", ("ic", 2), "b"), 0, {}, {"a": [{"b": 0}]}),
    (path("a", ("iv", "b")), "a", {"a": [1, 2, 3], "b": 2}, {"a": [1, "a", 3], "b": 2}),
    (path("a", ("iv", "c")), "a", {"a": [1, 2, 3], "b": 2}, {"a": [1, 2, 3], "b": 2}),
    (path("a", ("ic", "head"), "c"), "a", {"a": [1, 2, 3]}, {"a": [{"c": "a"}, 1, 2, 3]}),
]


@pytest.mark.parametrize("ref,value,data,expected", PUT)
def test_nested_put(ref, value, data, expected):
    """nested_put/3 builds exactly what emqx_rule_maps builds."""
    assert nested_put(ref, value, data) == expected


def test_nested_put_does_not_modify_its_input():
    """Erlang terms are immutable: the original container is untouched."""
    data = {"a": {"b": [1, 2]}}
    nested_put(path("a", "b", ("ic", 1)), 9, data)
    assert data == {"a": {"b": [1, 2]}}


GET = [
    (path("a"), "not_map", UNDEFINED),
    (path("a", "b", "c"), {"a": {"b": {}}}, UNDEFINED),
    (path("a"), '{"a": 1}', 1),
    (path("a"), {"a": '{"b": 1}'}, '{"b": 1}'),
    (path("a", "b"), {"a": '{"b": 1}'}, 1),
    (path(("ic", 0)), [1, 2, 3], UNDEFINED),
    (path(("ic", 4)), [1, 2, 3], UNDEFINED),
    (path(("ic", -3)), [1, 2, 3], 1),
    (path(("ic", -4)), [1, 2, 3], UNDEFINED),
    (path(("ic", 2), ("ic", 3), ("ic", 1)), [1, ["a", "b", ["I", "II"]], 3], "I"),
    (path(("ic", 2), "c", "d"), [1, {"c": {"d": "I"}}, 3], "I"),
    (path("a", ("iv", "b")), {"a": [1, 2, 3], "b": 1}, 1),
    (path("a", ("iv", "b")), {"a": [1, 2, 3], "b": 4}, UNDEFINED),
    (path(("i", path(("ic", 3))), "c", "d"), [1, {"c": {"d": "I"}}, 2], "I"),
    (path("a", ("i", path("b", ("ic", 1), "c"))), {"a": [1, 2, 3], "b": [{"c": 3}]}, 3),
]


@pytest.mark.parametrize("ref,data,expected", GET)
def test_nested_get(ref, data, expected):
    """nested_get/2 finds (or misses) what emqx_rule_maps finds."""
    assert nested_get(ref, data) == expected


def test_nested_get_default():
    """A miss returns the given default instead of undefined."""
    assert nested_get(path("a", ("ic", 0)), {"a": [1]}, "not_found") == "not_found"
