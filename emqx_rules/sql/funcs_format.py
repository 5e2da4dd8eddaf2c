"""sprintf/N (io_lib:format via emqx_variform_bif:sprintf_s/2) and unescape/1.

sprintf supports the directives rule SQL uses: ~s ~ts ~p ~tp ~w ~tw ~b ~B ~f ~e ~c ~n ~~
with optional field width and precision; any other directive (~g, ~x, ...) raises
UnsupportedFunction naming it. ~p prints terms on one line (Erlang breaks lines past 80
columns, which rule payloads rarely reach).
"""
import re

from .errors import BadArg, NotRepresentable, RuleError, UnsupportedFunction
from .floats import erl_e, erl_f, erl_shortest
from .registry import sql_function
from .values import UNDEFINED, atom_text, is_atom, printable_list

_DIRECTIVE = re.compile(r"~(-?\d+|\*)?(?:\.(\d+|\*)?)?(?:\.(.))?(t|l)?(.)", re.S)


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


def _chars(arg):
    if type(arg) is str:
        return arg
    if type(arg) is bytes:
        raise NotRepresentable("sprintf ~s of a binary that is not UTF-8")
    if is_atom(arg):
        return atom_text(arg)
    if type(arg) is list and printable_list(arg):
        return "".join(map(chr, arg))
    raise BadArg(f"sprintf: ~s needs a string, got {arg!r}")


def _render(ctl, arg, prec):
    if ctl == "s":
        s = _chars(arg)
        return s[:prec] if prec is not None else s
    if ctl == "ts":
        s = _chars(arg)
        if any(ord(c) > 255 for c in s):
            # io_lib gives characters > 255 that iolist_to_binary/1 refuses
            raise BadArg("sprintf: ~ts output is not a byte string (iolist_to_binary badarg)")
        if any(ord(c) > 127 for c in s):
            # characters 128..255 become single latin1 bytes: not UTF-8, not representable
            raise RuleError("sprintf: ~ts of non-ASCII text yields a latin1 binary")
        return s[:prec] if prec is not None else s
    if ctl in ("p", "w"):
        return erl_term(arg)
    if ctl in ("b", "B"):
        if type(arg) is not int:
            raise BadArg("sprintf: ~b needs an integer")
        base = prec or 10
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        n, out = abs(arg), ""
        while True:
            n, r = divmod(n, base)
            out = digits[r] + out
            if not n:
                break
        out = ("-" if arg < 0 else "") + out
        return out.lower() if ctl == "b" else out
    if ctl == "f":
        if type(arg) is not float:
            raise BadArg(f"sprintf: ~f needs a float, got {arg!r}")
        return erl_f(arg, 6 if prec is None else prec)
    if ctl == "e":
        if type(arg) is not float:
            raise BadArg(f"sprintf: ~e needs a float, got {arg!r}")
        return erl_e(arg, 6 if prec is None else prec)
    if ctl == "c":
        if type(arg) is not int:
            raise BadArg("sprintf: ~c needs a character code")
        return chr(arg)
    raise UnsupportedFunction("sprintf", f"directive ~{ctl}")


@sql_function("sprintf_s", 2)
def sprintf_s(fmt, args):
    if type(fmt) is not str or type(args) is not list:
        raise BadArg("sprintf needs a format string")
    out, pos, queue = [], 0, list(args)
    for m in _DIRECTIVE.finditer(fmt):
        out.append(fmt[pos:m.start()])
        pos = m.end()
        width, prec, pad, _mod, ctl = m.groups()
        if ctl == "n":
            out.append("\n")
            continue
        if ctl == "~":
            out.append("~")
            continue
        if width == "*" or prec == "*":
            raise UnsupportedFunction("sprintf", "* field widths")
        if not queue:
            raise BadArg("sprintf: too few arguments")
        if _mod == "t" and ctl == "s":
            ctl = "ts"
        text = _render(ctl, queue.pop(0), int(prec) if prec else None)
        if width:
            w = int(width)
            text = text.ljust(-w, pad or " ") if w < 0 else text.rjust(w, pad or " ")
        out.append(text)
    out.append(fmt[pos:])
    if queue:
        raise BadArg("sprintf: too many arguments")
    return "".join(out)


@sql_function("sprintf", None)
def sprintf(fmt, *args):
    return sprintf_s(fmt, list(args))


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
