"""List functions (emqx_rule_funcs: nth/2, length/1, sublist/2,3, first/1, last/1,
contains/2). nth is 1-based and raises when out of range (lists:nth/2), unlike path
indexes, which give undefined."""
from .compare import exact_eq
from .errors import BadArg
from .registry import sql_function


def _list(x, name):
    if type(x) is not list:
        raise BadArg(f"bad_sql_function_argument: {name} needs a list, got {x!r}")
    return x


@sql_function("nth", 2)
def nth(n, lst):
    if type(n) is int and type(lst) is list and 0 < n <= len(lst):
        return lst[n - 1]
    lst = _list(lst, "nth")
    if type(n) is not int or not 1 <= n <= len(lst):
        raise BadArg(f"nth({n!r}, list of {len(lst)}): index out of range")
    return lst[n - 1]


@sql_function("length", 1)
def length(lst):
    return len(_list(lst, "length"))


@sql_function("sublist", 2)
def sublist(n, lst):
    lst = _list(lst, "sublist")
    if type(n) is not int or n < 0:
        raise BadArg(f"sublist({n!r}, ...): bad length")
    return lst[:n]


@sql_function("sublist", 3)
def sublist_from(start, n, lst):
    lst = _list(lst, "sublist")
    if type(start) is not int or type(n) is not int or n < 0 or not 1 <= start <= len(lst) + 1:
        raise BadArg(f"sublist({start!r}, {n!r}, ...): out of range")
    return lst[start - 1:start - 1 + n]


@sql_function("first", 1)
def first(lst):
    lst = _list(lst, "first")
    if not lst:
        raise BadArg("first([]): badarg")
    return lst[0]


@sql_function("last", 1)
def last(lst):
    lst = _list(lst, "last")
    if not lst:
        raise BadArg("last([]): function_clause")
    return lst[-1]


@sql_function("contains", 2)
def contains(x, lst):
    return any(exact_eq(x, e) for e in _list(lst, "contains"))
