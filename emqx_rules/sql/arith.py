"""Arithmetic operators (emqx_rule_funcs:'+'/2 ... mod/2): type rules as in Erlang.

`+` adds numbers or, when either side is a string, concatenates their str() forms; `-`, `*`,
`/` need numbers and `/` always gives a float; `div` truncates toward zero and `mod` is `rem`
(the sign follows the dividend), both on integers only. A float overflow raises (badarith)."""
import math

from .errors import BadArg, NotRepresentable, RuleRuntimeError
from .values import to_bin


def _num(x):
    t = type(x)
    return t is int or t is float


def _check(r):
    if type(r) is float and (math.isinf(r) or math.isnan(r)):
        raise RuleRuntimeError("badarith: float overflow")
    return r


def add(x, y):
    if _num(x) and _num(y):
        return _check(x + y)
    if type(x) is bytes or type(y) is bytes:
        raise NotRepresentable("'+' with a binary that is not UTF-8 text")
    if type(x) is str or type(y) is str:
        try:
            return to_bin(x) + to_bin(y)
        except ValueError as e:
            raise BadArg(f"'+': cannot concatenate {x!r} and {y!r}") from e
    raise BadArg(f"bad_sql_function_argument: '+'({x!r}, {y!r})")


def sub(x, y):
    if _num(x) and _num(y):
        return _check(x - y)
    raise BadArg(f"bad_sql_function_argument: '-'({x!r}, {y!r})")


def mul(x, y):
    if _num(x) and _num(y):
        return _check(x * y)
    raise BadArg(f"bad_sql_function_argument: '*'({x!r}, {y!r})")


def div_float(x, y):
    if _num(x) and _num(y):
        if y == 0:
            raise RuleRuntimeError("badarith: division by zero")
        try:
            return _check(float(x) / float(y))
        except OverflowError:
            raise RuleRuntimeError("badarith: float overflow") from None
    raise BadArg(f"bad_sql_function_argument: '/'({x!r}, {y!r})")


def int_div(x, y):
    if type(x) is int and type(y) is int:
        if y == 0:
            raise RuleRuntimeError("badarith: integer division by zero")
        q = abs(x) // abs(y)
        return q if (x >= 0) == (y >= 0) else -q
    raise BadArg(f"bad_sql_function_argument: div({x!r}, {y!r})")


def rem(x, y):
    if type(x) is int and type(y) is int:
        if y == 0:
            raise RuleRuntimeError("badarith: integer division by zero")
        return x - y * int_div(x, y)
    raise BadArg(f"bad_sql_function_argument: mod({x!r}, {y!r})")


def negate(x):
    if _num(x):
        return -x
    raise RuleRuntimeError(f"badarith: -({x!r})")


BINARY = {"+": add, "-": sub, "*": mul, "/": div_float, "div": int_div, "mod": rem}
