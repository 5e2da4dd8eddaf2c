"""Nested get/put over rule data (emqx/emqx:apps/emqx_rule_engine/src/emqx_rule_maps.erl).

Paths are rulesql path lists: ('key', name) and ('index', ('const', n | 'head' | 'tail') | expr).
A string met along a path is JSON-decoded on the fly and silently treated as missing when it
is not JSON. Arrays are 1-based, negative indexes count from the end, [0] is missing on read
and means prepend ([0]) / append ([-0]) on write. Writes never mutate shared values (Erlang
terms are immutable): every level on the write path is copied.
"""
from . import jsonio
from .errors import RuleRuntimeError
from .values import PAYLOAD_ATOM, UNDEFINED

_NOT_FOUND = object()


def _equivalent(key):
    """The atom/binary twin EMQX also tries: only `payload` has both forms here."""
    if key == "payload" and type(key) is str:
        return PAYLOAD_ATOM
    if key is PAYLOAD_ATOM:
        return "payload"
    return None


def find(seg, data, org):
    """general_find/4: (key actually holding the value, value) or (None, _NOT_FOUND)."""
    if type(data) is str:
        try:
            data = jsonio.decode(data)
        except ValueError:
            return None, _NOT_FOUND
    kind, k = seg
    if kind == "key":
        if type(data) is dict:
            v = data.get(k, _NOT_FOUND)
            if v is not _NOT_FOUND:
                return k, v
            eq = _equivalent(k)
            if eq is not None and eq in data:
                return eq, data[eq]
        return None, _NOT_FOUND
    if type(data) is list:
        idx = k[1] if k[0] == "const" else nested_get(k, org)
        return seg, getnth(idx, data)
    return None, _NOT_FOUND


def getnth(i, lst):
    if type(i) is not int or i == 0:
        return _NOT_FOUND
    n = len(lst)
    if i > 0:
        return lst[i - 1] if i <= n else _NOT_FOUND
    return lst[n + i] if -i <= n else _NOT_FOUND


def nested_get(ref, data, default=UNDEFINED):
    """nested_get/3 for ('var', name) or ('path', segments)."""
    if ref[0] == "var":
        _, v = find(("key", ref[1]), data, data)
        return default if v is _NOT_FOUND else v
    return get_path(ref[1], data, default)


def get_path(path, data, default=UNDEFINED):
    org = data
    for seg in path:
        _, v = find(seg, data, org)
        if v is _NOT_FOUND or v is UNDEFINED:
            return default
        data = v
    return data


def nested_put(ref, val, data):
    """nested_put/3: returns the new container (the input is not modified)."""
    if type(data) is not dict and type(data) is not list:
        data = {}
    if ref[0] == "var":
        return _map_put(("key", ref[1]), val, data, data)
    return _put_path(ref[1], val, data, data)


def _put_path(path, val, data, org):
    if not path:
        return val
    seg = path[0]
    _, sub = find(seg, data, org)
    if sub is _NOT_FOUND:
        sub = UNDEFINED
    return _map_put(seg, _put_path(path[1:], val, sub, org), data, org)


def _map_put(seg, val, data, org):
    key, _ = find(seg, data, org)
    if seg[0] == "key":
        k = key if key is not None else seg[1]
        if type(data) is dict:
            new = dict(data)
            new[k] = val
            return new
        return {k: val}
    idx = seg[1]
    i = idx[1] if idx[0] == "const" else nested_get(idx, org)
    return setnth(i, data, val)


def setnth(i, lst, val):
    if type(lst) is not list:
        return [val]
    if i == "head":
        return [val] + lst
    if i == "tail":
        return lst + [val]
    if type(i) is not int or i == 0:
        return lst
    n = len(lst)
    pos = i - 1 if i > 0 else n + i
    if 0 <= pos < n:
        new = list(lst)
        new[pos] = val
        return new
    return lst


def range_gen(begin, end):
    if end < begin - 1:
        raise RuleRuntimeError(f"lists:seq({begin}, {end}) is invalid")
    return list(range(begin, end + 1))


def range_get(begin, end, data):
    if type(data) is not list:
        raise RuleRuntimeError("range_get on non_list_data")
    n = len(data)
    b = _range_index(begin, n)
    e = _range_index(end, n)
    length = e - b + 1
    if b < 1 or b > n + 1 or length < 0:
        raise RuleRuntimeError(f"range [{begin}..{end}] is out of bounds for a list of {n}")
    return data[b - 1:b - 1 + length]


def _range_index(i, n):
    if i == 0:
        raise RuleRuntimeError("invalid_index 0 in range")
    return i if i > 0 else n + i + 1
