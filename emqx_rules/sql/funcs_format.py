"""sprintf/N (io_lib:format via emqx_variform_bif:sprintf_s/2) and unescape/1.

sprintf supports the directives rule SQL uses: ~s ~ts ~p ~tp ~w ~tw ~b ~B ~f ~e ~g ~c ~n ~~
with optional field width and precision; any other directive raises UnsupportedFunction
naming it. ~p prints terms on one line (Erlang breaks lines past 80 columns; rare here).
"""
import re

from .errors import BadArg, UnsupportedFunction
from .registry import sql_function
from .values import UNDEFINED, atom_text, is_atom, printable_list

_DIRECTIVE = re.compile(r"~(-?\d+|\*)?(?:\.(\d+|\*)?)?(?:\.(.))?(t|l)?(.)", re.S)


def erl_term(x):
    t = type(x)
    if t is str:
        if all(32 <= ord(c) < 127 for c in x):
            return '<<"' + x.replace("\\", "\\\\").replace('"', '\\"') + '">>'
        if all(ord(c) < 256 and (ord(c) >= 32 or c in "\n\t\r") for c in x):
            esc = x.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            return '<<"' + esc.replace("\t", "\\t").replace("\r", "\\r") + '">>'
        return "<<" + ",".join(str(b) for b in x.encode()) + ">>"
    if t is int:
        return str(x)
    if t is float:
        r = repr(x)
        if "e" in r:
            mant, _, exp = r.partition("e")
            r = f"{mant if '.' in mant else mant + '.0'}e{int(exp)}"
        return r
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
    if is_atom(arg):
        return atom_text(arg)
    if type(arg) is list and printable_list(arg):
        return "".join(map(chr, arg))
    raise BadArg(f"sprintf: ~s needs a string, got {arg!r}")


def _render(ctl, arg, prec):
    if ctl == "s":
        s = _chars(arg)
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
    if ctl in ("f", "e", "g"):
        if type(arg) is not float:
            raise BadArg(f"sprintf: ~{ctl} needs a float, got {arg!r}")
        p = 6 if prec is None else prec
        return f"{arg:.{p}{ctl}}"
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
