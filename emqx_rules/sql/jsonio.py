"""JSON as EMQX reads and writes it (jiffy via emqx_utils_json).

Decoding: strict RFC 8259 (no NaN/Infinity), `null` -> None, objects -> dicts.
Encoding: compact, UTF-8 unescaped, `undefined` -> "undefined", and object keys in *reverse*
sorted order, which is what jiffy produces for maps of up to 32 keys (the order matters for
json_encode(), whose result is a string compared byte for byte).
"""
import json
import math

from .errors import NotRepresentable
from .floats import jiffy as jiffy_float
from .values import PAYLOAD_ATOM, UNDEFINED, Atom, atom_text, is_atom

def _finite_float(text):
    f = float(text)
    if math.isinf(f):
        raise ValueError(f"number out of range: {text}")
    return f


_decoder = json.JSONDecoder(parse_constant=lambda name: _reject(name), parse_float=_finite_float)


def _reject(name):
    raise ValueError(f"invalid JSON constant {name}")


def decode(text):
    """Decode or raise ValueError (callers map it to the error EMQX raises there)."""
    if type(text) is not str:
        raise ValueError("not a binary")
    return _decoder.decode(text)


def _key(k):
    if type(k) is str:
        return k
    if k is PAYLOAD_ATOM:
        return "payload"
    if is_atom(k):
        return atom_text(k)
    raise ValueError(f"jiffy cannot encode key {k!r}")


def _float(f):
    try:
        return jiffy_float(f)
    except ValueError:
        raise ValueError("jiffy cannot encode a non-finite float") from None


def _enc(x, out):
    t = type(x)
    if t is str:
        out.append(json.dumps(x, ensure_ascii=False))
    elif x is True:
        out.append("true")
    elif x is False:
        out.append("false")
    elif x is None:
        out.append("null")
    elif x is UNDEFINED:
        out.append('"undefined"')
    elif t is Atom:
        out.append(json.dumps(x.name, ensure_ascii=False))
    elif t is bytes:
        raise NotRepresentable("json_encode of a binary that is not UTF-8 text")
    elif t is int:
        out.append(str(x))
    elif t is float:
        out.append(_float(x))
    elif t is list:
        out.append("[")
        for i, v in enumerate(x):
            if i:
                out.append(",")
            _enc(v, out)
        out.append("]")
    elif t is dict:
        items = sorted(((_sort_key(k), _key(k), v) for k, v in x.items()), reverse=True)
        out.append("{")
        for i, (_, k, v) in enumerate(items):
            if i:
                out.append(",")
            out.append(json.dumps(k, ensure_ascii=False))
            out.append(":")
            _enc(v, out)
        out.append("}")
    else:
        raise ValueError(f"jiffy cannot encode {x!r}")


def _sort_key(k):
    # Erlang term order: atoms before binaries; binaries compare as UTF-8 bytes.
    if type(k) is str:
        return (1, k.encode())
    return (0, _key(k).encode())


def encode(x):
    out = []
    _enc(x, out)
    return "".join(out)
