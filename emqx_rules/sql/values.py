"""How Erlang terms of the rule engine are represented in Python.

    undefined (missing field)  -> UNDEFINED          JSON null (atom null) -> None
    true / false               -> True / False       binary                -> str
    integer / float            -> int / float        list / map            -> list / dict

Python's `bool` is an `int`; every numeric check here uses `type(x) in (int, float)` so that
`true + 1` raises and `1 = true` is false, as in Erlang. Column keys in EMQX are atoms and SQL
keys are binaries; the two are "equivalent" in lookups, and the difference is observable only
for `payload` (emqx_rule_runtime:ensure_decoded_payload/2), so only that key has an atom form:
PAYLOAD_ATOM.
"""
import math

from .floats import float_fixed


class _Undefined:
    __slots__ = ()

    def __repr__(self):
        return "undefined"

    def __bool__(self):
        return False


UNDEFINED = _Undefined()


class _AtomKey:
    """A map key that is an Erlang atom (only `payload` needs one, see module docstring)."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"atom:{self.name}"


PAYLOAD_ATOM = _AtomKey("payload")


class Atom:
    """An Erlang atom other than true/false/null/undefined, e.g. the `event` column
    'client.connected'. Interned, so identity is equality, as for atoms in Erlang."""

    __slots__ = ("name",)
    _table = {}

    def __new__(cls, name):
        atom = cls._table.get(name)
        if atom is None:
            atom = object.__new__(cls)
            atom.name = name
            cls._table[name] = atom
        return atom

    def __repr__(self):
        return f"Atom({self.name!r})"
NUMBER_TYPES = (int, float)


def is_number(x):
    t = type(x)
    return t is int or t is float


def is_atom(x):
    return x is None or x is True or x is False or x is UNDEFINED or type(x) is Atom


def atom_text(x):
    if type(x) is Atom:
        return x.name
    if x is None:
        return "null"
    if x is True:
        return "true"
    if x is False:
        return "false"
    return "undefined"


def float_to_str(f):
    """`float_to_binary(F, [{decimals, 10}, compact])`, the form str() and `+` use."""
    return float_fixed(f, 10, True)


def printable_list(lst):
    """io_lib:printable_list/1 in the default latin1 range: a list of character codes."""
    for c in lst:
        if type(c) is not int:
            return False
        if not (32 <= c <= 126 or 160 <= c <= 255 or c in (8, 9, 10, 11, 12, 13, 27)):
            return False
    return True


def bin_value(raw):
    """An Erlang binary from bytes: text (str) when it is UTF-8, else the bytes themselves.

    Binaries that are not UTF-8 (gzip output, hexstr2bin of arbitrary bytes, ...) travel as
    Python bytes; binary-aware functions accept them, and anything that would have to write
    them as text raises NotRepresentable."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return bytes(raw)


def to_bytes(x):
    """The bytes of a binary value (str is UTF-8 text)."""
    return x if type(x) is bytes else x.encode()


def to_bin(x):
    """emqx_utils_conv:bin/1: what str(), concat() and `+` make of any value."""
    t = type(x)
    if t is str or t is bytes:
        return x
    if t is int:
        return str(x)
    if t is float:
        return float_to_str(x)
    if is_atom(x):
        return atom_text(x)
    if t is dict:
        from .jsonio import encode
        return encode(x)
    if t is list:
        if printable_list(x):
            return "".join(map(chr, x))
        from .jsonio import encode
        return encode(x)
    raise ValueError(f"invalid_bin: {x!r}")


_PLAIN = frozenset([str, int, bool])
_SCALARS = frozenset([str, int, bool, float, type(None)])


def to_text(x):
    """to_bin/1 where the result must be text (concatenations): a non-UTF-8 binary there makes
    unicode:characters_to_binary/1 return an error tuple EMQX then carries on with."""
    text = to_bin(x)
    if type(text) is bytes:
        from .errors import NotRepresentable
        raise NotRepresentable("concatenating a binary that is not UTF-8 text")
    return text


def to_output(x):
    """The value as jiffy writes it and a JSON decoder reads it back."""
    t = type(x)
    # fast path: a fresh top-level map of plain scalars is already its own JSON image
    # (floats are always finite here: every float-producing path rejects inf and nan)
    if t is dict and PAYLOAD_ATOM not in x and _SCALARS.issuperset(map(type, x.values())):
        return x
    return _convert(x)


def _convert(x):
    """to_output for any value; always returns fresh containers (never shares the input's)."""
    t = type(x)
    if t is dict and PAYLOAD_ATOM not in x:
        out = {}
        for k, v in x.items():
            if type(k) is not str:
                k = output_key(k)
            tv = type(v)
            if tv in _PLAIN or v is None:
                out[k] = v
            else:
                out[k] = _convert(v)
        return out
    if t is dict:
        out = {}
        atom_payload = None
        for k, v in x.items():
            if k is PAYLOAD_ATOM:
                atom_payload = (v,)
                continue
            out[output_key(k)] = _convert(v)
        if atom_payload is not None:
            # jiffy writes small maps in reverse term order; atoms sort before binaries, so the
            # atom key comes last and a decoder keeps its value.
            out["payload"] = _convert(atom_payload[0])
        return out
    if t is list:
        return [_convert(v) for v in x]
    if x is UNDEFINED:
        return "undefined"
    if t is Atom:
        return x.name
    if t is bytes:
        from .errors import NotRepresentable
        raise NotRepresentable("the output holds a binary that is not UTF-8 text")
    if t is float and (math.isinf(x) or math.isnan(x)):
        raise ValueError("jiffy cannot encode a non-finite float")
    return x


def output_key(k):
    if type(k) is str:
        return k
    if k is PAYLOAD_ATOM:
        return "payload"
    if is_atom(k):
        return atom_text(k)
    if is_number(k):
        return to_bin(k)
    raise ValueError(f"invalid JSON object key {k!r}")
