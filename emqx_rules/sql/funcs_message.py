"""Message accessors and null helpers (emqx_rule_funcs: topic/0,1, clientid/0, payload/0,1,
coalesce/1,2, ...).

EMQX's accessors return a closure applied to the evaluation context; only SELECT/DO/FOREACH
pass the (selected, columns) pair that the closure matches, so in WHERE they give undefined
(`flags()` gives an empty map there).
"""
from . import jsonio, maps
from .compare import erl_eq, exact_eq
from .errors import BadArg, RuleRuntimeError
from .registry import sql_function
from .topics import topic_match
from .values import PAYLOAD_ATOM, UNDEFINED

_ABSENT = object()


def _column(name):
    def accessor(cols):
        if cols is None:
            return UNDEFINED
        v = cols.get(name, _ABSENT)
        return UNDEFINED if v is _ABSENT else v
    return accessor


for _sql, _col in (("msgid", "id"), ("qos", "qos"), ("topic", "topic"),
                   ("clientid", "clientid"), ("username", "username"),
                   ("peerhost", "peerhost"), ("clientip", "peerhost")):
    sql_function(_sql, 0, env=True)(_column(_col))


@sql_function("payload", 0, env=True)
def payload(cols):
    return UNDEFINED if cols is None else cols.get(PAYLOAD_ATOM, UNDEFINED)


@sql_function("payload", 1, env=True)
def payload_path(cols, path):
    if type(path) is not str:
        raise BadArg("payload/1 needs a string path")
    raw = UNDEFINED if cols is None else cols.get(PAYLOAD_ATOM, UNDEFINED)
    if type(raw) is not str:
        return UNDEFINED
    try:
        data = jsonio.decode(raw)
    except ValueError:
        # jiffy raises {Pos, invalid_json}, which payload/1 does not catch
        raise RuleRuntimeError("payload/1: the payload is not JSON") from None
    return maps.get_path([("key", k) for k in path.split(".")], data)


@sql_function("topic", 1, env=True)
def topic_level(cols, index):
    if type(index) is not int:
        raise BadArg("topic/1 needs an integer")
    if cols is None or "topic" not in cols:
        return UNDEFINED
    levels = cols["topic"].split("/")
    if not 1 <= index <= len(levels):
        raise RuleRuntimeError(f"topic({index}): the topic has {len(levels)} levels")
    return levels[index - 1]


@sql_function("flags", 0, env=True)
def flags(cols):
    if cols is None or "flags" not in cols:
        return {}
    return cols["flags"]


@sql_function("flag", 1, env=True)
def flag(cols, name):
    if cols is None or "flags" not in cols:
        return UNDEFINED
    return maps.nested_get(("var", name), cols["flags"])


@sql_function("null", 0)
def null():
    return UNDEFINED


def _coalesce(values, skip_empty):
    if type(values) is not list:
        raise BadArg("coalesce/1 needs a list")
    for v in values:
        if v is UNDEFINED or (skip_empty and v == ""):
            continue
        return v
    return UNDEFINED


@sql_function("coalesce", 1)
def coalesce_list(values):
    return _coalesce(values, False)


@sql_function("coalesce", 2)
def coalesce(a, b):
    return _coalesce([a, b], False)


@sql_function("coalesce_ne", 1)
def coalesce_ne_list(values):
    return _coalesce(values, True)


@sql_function("coalesce_ne", 2)
def coalesce_ne(a, b):
    return _coalesce([a, b], True)


@sql_function("eq", 2)
def eq(a, b):
    return erl_eq(a, b)


def _find_filter(filters, topic, match):
    if type(filters) is not list:
        raise BadArg("contains_topic needs a list of subscriptions")
    for sub in filters:
        if type(sub) is dict and "topic" in sub and match(sub["topic"], topic):
            return sub
    return None


@sql_function("contains_topic", 2)
def contains_topic(filters, topic):
    return _find_filter(filters, topic, exact_eq) is not None


@sql_function("contains_topic", 3)
def contains_topic_qos(filters, topic, qos):
    sub = _find_filter(filters, topic, exact_eq)
    return sub is not None and exact_eq(sub.get("qos", _ABSENT), qos)


@sql_function("contains_topic_match", 2)
def contains_topic_match(filters, topic):
    return _find_filter(filters, topic, lambda f, t: topic_match(f, t)) is not None


@sql_function("contains_topic_match", 3)
def contains_topic_match_qos(filters, topic, qos):
    sub = _find_filter(filters, topic, lambda f, t: topic_match(f, t))
    return sub is not None and exact_eq(sub.get("qos", _ABSENT), qos)
