"""Comparison as emqx_rule_runtime:compare/3 does it, on top of Erlang term order.

One side undefined -> false (both undefined -> compared normally, so `=` is true); a number
against a string parses the string (binary_to_integer, else binary_to_float, else raise);
an atom (true/false/null) against a string compares the atom's text; anything else uses
Erlang's own `==`, `/=`, `<`, ... over the term order number < atom < map < list < binary.
"""
import re

from .errors import RuleRuntimeError
from .topics import topic_match
from .values import UNDEFINED, atom_text, is_atom

_INT = re.compile(r"[+-]?[0-9]+\Z")
_FLOAT = re.compile(r"[+-]?[0-9]+\.[0-9]+(?:[eE][+-]?[0-9]+)?\Z")


def bin_to_number(s):
    """binary_to_integer/1, falling back to binary_to_float/1 (both strict)."""
    if type(s) is bytes:
        raise RuleRuntimeError("badarg: cannot compare a number with a non-text binary")
    if _INT.match(s):
        return int(s)
    if _FLOAT.match(s):
        return float(s)
    raise RuleRuntimeError(f"badarg: cannot compare a number with the string {s!r}")


def _rank(x):
    t = type(x)
    if t is int or t is float:
        return 0
    if is_atom(x):
        return 1
    if t is dict:
        return 7
    if t is list:
        return 9
    return 10  # binary


def erl_eq(a, b):
    """Erlang `==` (1 == 1.0, recursive)."""
    ra, rb = _rank(a), _rank(b)
    if ra != rb:
        return False
    if ra == 0:
        return a == b
    if ra == 1:
        return a is b
    if ra == 9:
        return len(a) == len(b) and all(erl_eq(x, y) for x, y in zip(a, b))
    if ra == 7:
        return a.keys() == b.keys() and all(erl_eq(a[k], b[k]) for k in a)
    return a == b


def exact_eq(a, b):
    """Erlang `=:=` (1 =/= 1.0): IN and the CASE x WHEN v switch use it."""
    ta, tb = type(a), type(b)
    if ta is not tb:
        return False
    if ta is list:
        return len(a) == len(b) and all(exact_eq(x, y) for x, y in zip(a, b))
    if ta is dict:
        return a.keys() == b.keys() and all(exact_eq(a[k], b[k]) for k in a)
    if is_atom(a):
        return a is b
    return a == b


def erl_cmp(a, b):
    """-1 / 0 / 1 by Erlang term order (numbers compared by value)."""
    ra, rb = _rank(a), _rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra == 0:
        return (a > b) - (a < b)
    if ra == 1:
        ta, tb = atom_text(a), atom_text(b)
        return (ta > tb) - (ta < tb)
    if ra == 10:
        ea = a.encode() if type(a) is str else a
        eb = b.encode() if type(b) is str else b
        return (ea > eb) - (ea < eb)
    if ra == 9:
        for x, y in zip(a, b):
            c = erl_cmp(x, y)
            if c:
                return c
        return (len(a) > len(b)) - (len(a) < len(b))
    # maps: by size, then by sorted keys, then by values in key order
    if len(a) != len(b):
        return -1 if len(a) < len(b) else 1
    ka, kb = sorted(a, key=_key_sort), sorted(b, key=_key_sort)
    for x, y in zip(ka, kb):
        c = erl_cmp(x, y) if type(x) is str and type(y) is str else 0
        if c:
            return c
    for k in ka:
        c = erl_cmp(a[k], b.get(k))
        if c:
            return c
    return 0


def _key_sort(k):
    return k.encode() if type(k) is str else b""


def compare(op, left, right):
    if left is UNDEFINED or right is UNDEFINED:
        if not (left is UNDEFINED and right is UNDEFINED):
            return False
    else:
        tl, tr = type(left), type(right)
        sl, sr = tl is str or tl is bytes, tr is str or tr is bytes
        if sr and (tl is int or tl is float):
            right = bin_to_number(right)
        elif sl and (tr is int or tr is float):
            left = bin_to_number(left)
        elif sr and is_atom(left):
            left = atom_text(left)
        elif sl and is_atom(right):
            right = atom_text(right)
    return do_compare(op, left, right)


def do_compare(op, left, right):
    if op == "=":
        return erl_eq(left, right)
    if op in ("!=", "<>"):
        return not erl_eq(left, right)
    if op == "=~":
        return topic_match(left, right)
    if op == "~=":
        raise RuleRuntimeError("the ~= operator is lexed by EMQX but has no runtime clause")
    c = erl_cmp(left, right)
    if op == "<":
        return c < 0
    if op == ">":
        return c > 0
    if op == "<=":
        return c <= 0
    return c >= 0
