"""Output keys of SELECT fields without AS (emqx_rule_runtime:alias/2).

Variables and string constants use their own name, paths keep their shape (`payload.a` gives
{"payload": {"a": ..}}, with `payload` as the atom key when the event has a payload), and
everything computed gets an "ephemeral" key `_v_<type>_<name>_<system time>` that no consumer
can predict: always alias computed fields.
"""
import time

from .errors import RuleRuntimeError
from .values import PAYLOAD_ATOM

_OPS = frozenset(["+", "-", "*", "/", "div", "mod", "=", "!=", "<>", "<", ">", "<=", ">=",
                  "=~", "~="])


def erl_repr(x):
    """Enough of io_lib:format("~p") for the terms an alias name can hold."""
    if isinstance(x, tuple):
        return "{" + ",".join(erl_repr(e) for e in x) + "}"
    if isinstance(x, list):
        return "[" + ",".join(erl_repr(e) for e in x) + "]"
    if isinstance(x, str):
        return '<<"' + x.replace('"', '\\"') + '">>'
    if x is True:
        return "true"
    if x is False:
        return "false"
    if x is None:
        return "null"
    return repr(x)


def ephemeral(kind, name):
    return ("var", f"_v_{kind}_{name}_{time.time_ns()}")


def _var_term(ref):
    if ref[0] == "var":
        return "{var," + erl_repr(ref[1]) + "}"
    return "{path," + erl_repr([tuple(s) for s in ref[1]]) + "}"


def alias_for(field, has_atom_payload):
    """The key a non-AS field is stored under; a callable when it depends on the time."""
    tag = field[0]
    if tag == "var":
        return field
    if tag == "const" and type(field[1]) is str:
        return ("var", field[1])
    if tag == "get_range":
        return alias_for(field[2], has_atom_payload) if field[2][0] == "path" else field[2]
    if tag == "path":
        path = field[1]
        if has_atom_payload and path[0] == ("key", "payload"):
            return ("path", [("key", PAYLOAD_ATOM)] + list(path[1:]))
        return field
    if tag == "list":
        return lambda: ephemeral("list", len(field[1]))
    if tag == "range":
        return lambda: ephemeral("range", "{%d,%d}" % field[1])
    if tag == "const":
        return lambda: ephemeral("const", erl_repr(field[1]))
    if tag in _OPS and len(field) == 3:
        name = tag if tag.isalpha() else f"'{tag}'"
        return lambda: ephemeral("op", name)
    if tag == "case":
        return lambda: ephemeral("case", "<<>>" if field[1] is None else "expr")
    if tag == "fun":
        return lambda: ephemeral("fun", _var_term(field[1]))
    return _no_alias


def _no_alias():
    # alias/2's catch-all returns a bare binary that nested_put/3 has no clause for
    raise RuleRuntimeError("this expression needs an AS alias (EMQX cannot store it)")
