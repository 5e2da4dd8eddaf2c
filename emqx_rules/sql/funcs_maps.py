"""Map and JSON functions (emqx_rule_funcs: map_get/2,3, map_put/3, mget/2,3, mput/3,
map_keys/1, ..., json_encode/1, json_decode/1).

map_get/map_put take a *dotted path* ('a.b'); mget/mput take one literal key (EMQX's docs
say list keys work; the code does not support them). map_get on a JSON string decodes it
(silently missing if not JSON); mget/mput/map_keys require a map or a JSON object string.
"""
from . import jsonio, maps
from .errors import BadArg
from .funcs_types import to_map
from .jsonio import _sort_key
from .registry import sql_function
from .values import PAYLOAD_ATOM, UNDEFINED


def _map_path(key):
    if type(key) is not str:
        raise BadArg(f"map path must be a string, got {key!r}")
    return ("path", [("key", k) for k in key.split(".")])


@sql_function("map_new", 0)
def map_new():
    return {}


@sql_function("map_get", 2, 3)
def map_get(key, data, default=UNDEFINED):
    return maps.get_path(_map_path(key)[1], data, default)


@sql_function("map_put", 3)
def map_put(key, value, data):
    return maps.nested_put(_map_path(key), value, data)


def _twin(m, key):
    """The key EMQX finds for `key` in `m` (exact, then the atom/binary twin)."""
    if key in m if _hashable(key) else False:
        return key
    if key == "payload" and type(key) is str and PAYLOAD_ATOM in m:
        return PAYLOAD_ATOM
    if key is True or key is False or key is None:
        text = {True: "true", False: "false", None: "null"}[key]
        if text in m:
            return text
    if type(key) is str and key in ("true", "false", "null"):
        atom = {"true": True, "false": False, "null": None}[key]
        if atom in m and type(next(k for k in m if k == atom)) is not int:
            return atom
    return None


def _hashable(key):
    return type(key) in (str, int, float, bool) or key is None or key is UNDEFINED


@sql_function("mget", 2, 3)
def mget(key, data, default=UNDEFINED):
    m = to_map(data)
    found = _twin(m, key)
    return default if found is None else m[found]


@sql_function("mput", 3)
def mput(key, value, data):
    if not _hashable(key):
        raise BadArg(f"mput: unsupported key {key!r}")
    m = dict(to_map(data))
    found = _twin(m, key)
    m[key if found is None else found] = value
    return m


def _sorted_keys(m):
    return sorted(m, key=_sort_key)


@sql_function("map_keys", 1)
def map_keys(data):
    return _sorted_keys(to_map(data))


@sql_function("map_values", 1)
def map_values(data):
    m = to_map(data)
    return [m[k] for k in _sorted_keys(m)]


@sql_function("map_to_entries", 1)
def map_to_entries(data):
    m = to_map(data)
    return [{"key": k, "value": m[k]} for k in _sorted_keys(m)]


@sql_function("map_size", 1)
def map_size(data):
    return len(to_map(data))


@sql_function("json_encode", 1)
def json_encode(x):
    try:
        return jsonio.encode(x)
    except ValueError as e:
        raise BadArg(f"json_encode: {e}") from None


@sql_function("json_decode", 1)
def json_decode(s):
    if type(s) is not str:
        raise BadArg(f"json_decode needs a string, got {s!r}")
    try:
        return jsonio.decode(s)
    except ValueError as e:
        raise BadArg(f"json_decode: invalid JSON: {e}") from None
