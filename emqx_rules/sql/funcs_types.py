"""Type conversion and type tests (emqx_rule_funcs + emqx_utils_conv).

str() writes floats with at most 10 decimals (`float_to_binary(F, [{decimals,10}, compact])`);
int() floors floats and parses '12' or '1.9'; float() parses strictly; bool() knows only
true/false, 'true'/'false' and 1/0. is_null() is true only for a missing value (undefined);
is_null_var() also for JSON null.
"""
import math

from . import jsonio
from .compare import _FLOAT, _INT
from .errors import BadArg, NotRepresentable
from .registry import sql_function
from .floats import float_fixed
from .values import UNDEFINED, to_bin


def _bin_to_float(s):
    if _FLOAT.match(s):
        f = float(s)
        if math.isinf(f):
            raise BadArg(f"badarg: float({s!r})")
        return f
    if _INT.match(s):
        return float(int(s))
    raise BadArg(f"badarg: float({s!r})")


@sql_function("str_utf8", 1)
def to_str_utf8(x):
    if type(x) is bytes:
        raise NotRepresentable("str_utf8() of a binary that is not UTF-8")
    return to_str(x)


@sql_function("str", 1)
def to_str(x):
    try:
        return to_bin(x)
    except ValueError as e:
        raise BadArg(str(e)) from None


@sql_function("bool", 1)
def to_bool(x):
    if x is True or x == "true" and type(x) is str:
        return True
    if x is False or x == "false" and type(x) is str:
        return False
    if type(x) in (int, float):
        if x == 1:
            return True
        if x == 0:
            return False
    raise BadArg(f"badarg: bool({x!r})")


@sql_function("int", 1)
def to_int(x):
    t = type(x)
    if t is str:
        if _INT.match(x):
            return int(x)
        return math.floor(_bin_to_float_strict(x))
    if t is int:
        return x
    if t is float:
        return math.floor(x)
    if x is True:
        return 1
    if x is False:
        return 0
    raise BadArg(f"badarg: int({x!r})")


def _bin_to_float_strict(s):
    if _FLOAT.match(s):
        return float(s)
    raise BadArg(f"badarg: int({s!r})")


@sql_function("float", 1)
def to_float(x):
    t = type(x)
    if t is str:
        return _bin_to_float(x)
    if t is int or t is float:
        return float(x)
    raise BadArg(f"badarg: float({x!r})")


@sql_function("float", 2)
def to_float_decimals(x, decimals):
    if type(decimals) is not int or decimals <= 0 or decimals > 253:
        raise BadArg(f"float/2 needs 1..253 decimals, got {decimals!r}")
    return float(float_fixed(to_float(x), decimals, False))


@sql_function("float2str", 2)
def float2str(x, precision):
    if type(x) is not float or type(precision) is not int or not 0 <= precision <= 253:
        raise BadArg(f"badarg: float2str({x!r}, {precision!r})")
    return float_fixed(x, precision, True)


@sql_function("map", 1)
def to_map(x):
    t = type(x)
    if t is dict:
        return x
    if t is list and not x:
        return {}  # maps:from_list([]); a non-empty list holds no {K, V} tuples here
    if t is str:
        try:
            decoded = jsonio.decode(x)
        except ValueError:
            raise BadArg(f"map({x!r}): not JSON") from None
        if type(decoded) is dict:
            return decoded
    raise BadArg(f"badarg: map({x!r})")


_TESTS = {
    "is_null": lambda x: x is UNDEFINED,
    "is_null_var": lambda x: x is UNDEFINED or x is None,
    "is_not_null": lambda x: x is not UNDEFINED,
    "is_not_null_var": lambda x: not (x is UNDEFINED or x is None),
    "is_str": lambda x: type(x) is str or type(x) is bytes,
    "is_bool": lambda x: x is True or x is False,
    "is_int": lambda x: type(x) is int,
    "is_float": lambda x: type(x) is float,
    "is_num": lambda x: type(x) is int or type(x) is float,
    "is_map": lambda x: type(x) is dict,
    "is_array": lambda x: type(x) is list,
}
for _name, _test in _TESTS.items():
    sql_function(_name, 1)(_test)


@sql_function("is_empty", 1)
def is_empty(x):
    if x == [] or x == "":
        return True
    if type(x) is list:
        return False
    return len(to_map(x)) == 0
