"""Erlang term printing for sprintf's ~p/~w (io_lib_format) and unescape/1
(emqx_variform_bif:unescape/1). ~p prints terms on one line (Erlang breaks lines past 80
columns, which rule payloads rarely reach)."""
import re

from .errors import BadArg, NotRepresentable
from .floats import erl_shortest
from .registry import sql_function
from .values import UNDEFINED, atom_text, is_atom, printable_list


def erl_term(x):
    t = type(x)
    if t is str or t is bytes:
        return _binary_literal(x)
    if t is int:
        return str(x)
    if t is float:
        return erl_shortest(x)
    if is_atom(x):
        return _atom_literal(atom_text(x))
    if t is list:
        if x and printable_list(x):
            return '"' + "".join(map(chr, x)) + '"'
        return "[" + ",".join(erl_term(e) for e in x) + "]"
    if t is dict:
        items = sorted(x.items(), key=lambda kv: (type(kv[0]) is str, str(kv[0])))
        return "#{" + ",".join(f"{erl_term(k)} => {erl_term(v)}" for k, v in items) + "}"
    return repr(x)


_BYTE_ESCAPES = {0x22: '\\"', 0x5C: "\\\\", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t",
                 0x0B: "\\v", 0x08: "\\b", 0x0C: "\\f", 0x1B: "\\e"}


def _binary_literal(text):
    """~p of a binary: its UTF-8 bytes read as latin1 when all are printable (the default
    printable range), which after iolist_to_binary gives back the same UTF-8 text; otherwise
    the byte list."""
    raw = text if type(text) is bytes else text.encode()
    if all(32 <= b <= 126 or b >= 160 or b in _BYTE_ESCAPES for b in raw):
        if type(text) is bytes:
            raise NotRepresentable("sprintf ~p of a printable binary that is not UTF-8")
        out = bytearray()
        for b in raw:
            esc = _BYTE_ESCAPES.get(b)
            out += esc.encode() if esc else bytes([b])
        return '<<"' + out.decode() + '">>'
    return "<<" + ",".join(str(b) for b in raw) + ">>"


_BARE_ATOM = re.compile(r"[a-z][A-Za-z0-9_@]*\Z")
_RESERVED = frozenset("after and andalso band begin bnot bor bsl bsr bxor case catch cond div "
                      "end fun if let maybe not of or orelse receive rem try when xor".split())


def _atom_literal(name):
    """How ~p prints an atom: bare when it is a plain name, else in single quotes."""
    if _BARE_ATOM.match(name) and name not in _RESERVED:
        return name
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


_ESCAPES = {"\\": "\\", "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v",
            "'": "'", '"': '"', "?": "?", "a": "\x07"}
_ESC = re.compile(r"\\x([0-9A-Fa-f]+)|\\(.)", re.S)


@sql_function("unescape", 1)
def unescape(s):
    if s is None or s is UNDEFINED:
        raise BadArg("unescape: null")
    if is_atom(s):
        s = atom_text(s)
    if type(s) is not str:
        raise BadArg("unescape needs a string")

    def one(m):
        if m.group(1):
            return chr(int(m.group(1), 16))
        if m.group(2) not in _ESCAPES:
            raise BadArg(f"unrecognized_escape_sequence \\{m.group(2)}")
        return _ESCAPES[m.group(2)]
    return _ESC.sub(one, s)
