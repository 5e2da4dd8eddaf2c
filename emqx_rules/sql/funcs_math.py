"""Math and bit functions (emqx_rule_funcs): Erlang's math module and integer BIFs.

abs() takes integers only (the docs' abs(-1.2) raises); ceil/floor/round return integers and
round() rounds half away from zero; sqrt/power/exp/log* always return floats; a domain error
or an overflow raises (badarith), as it does in Erlang.
"""
import math

from .errors import BadArg
from .registry import sql_function


def _num(x, name):
    if type(x) is int or type(x) is float:
        return x
    raise BadArg(f"bad_sql_function_argument: {name}({x!r})")


def _int(x, name):
    if type(x) is int:
        return x
    raise BadArg(f"bad_sql_function_argument: {name}({x!r})")


def _finite(r):
    if math.isinf(r) or math.isnan(r):
        raise BadArg("badarith")
    return r


@sql_function("abs", 1)
def abs_(x):
    return abs(_int(x, "abs"))


@sql_function("ceil", 1)
def ceil(x):
    return math.ceil(_num(x, "ceil"))


@sql_function("floor", 1)
def floor(x):
    return math.floor(_num(x, "floor"))


@sql_function("round", 1)
def round_(x):
    x = _num(x, "round")
    if type(x) is int:
        return x
    low = math.floor(x)
    frac = x - low
    if frac > 0.5 or (frac == 0.5 and x > 0):
        return low + 1
    return low


def _float_fn(name, fn):
    def f(x):
        return _finite(fn(float(_num(x, name))))
    sql_function(name, 1)(f)


for _name, _fn in (("acos", math.acos), ("acosh", math.acosh), ("asin", math.asin),
                   ("asinh", math.asinh), ("atan", math.atan), ("atanh", math.atanh),
                   ("cos", math.cos), ("cosh", math.cosh), ("exp", math.exp),
                   ("log", math.log), ("log10", math.log10), ("log2", math.log2),
                   ("sin", math.sin), ("sinh", math.sinh), ("sqrt", math.sqrt),
                   ("tan", math.tan), ("tanh", math.tanh)):
    _float_fn(_name, _fn)


@sql_function("power", 2)
def power(x, y):
    return _finite(math.pow(float(_num(x, "power")), float(_num(y, "power"))))


@sql_function("fmod", 2)
def fmod(x, y):
    return _finite(math.fmod(float(_num(x, "fmod")), float(_num(y, "fmod"))))


@sql_function("bitnot", 1)
def bitnot(x):
    return ~_int(x, "bitnot")


def _bit2(name, fn):
    def f(x, y):
        return fn(_int(x, name), _int(y, name))
    sql_function(name, 2)(f)


_bit2("bitand", lambda x, y: x & y)
_bit2("bitor", lambda x, y: x | y)
_bit2("bitxor", lambda x, y: x ^ y)
_bit2("bitsl", lambda x, y: x << y if y >= 0 else x >> -y)
_bit2("bitsr", lambda x, y: x >> y if y >= 0 else x << -y)


def _register_operators():
    # `div(7, 2)` and `mod(7, 2)` call emqx_rule_funcs:'div'/2 and mod/2 like the infix forms
    from .arith import BINARY
    for op, fn in BINARY.items():
        sql_function(op, 2)(fn)


_register_operators()
