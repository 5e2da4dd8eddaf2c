"""sprintf/N and sprintf_s/2 (io_lib:format via emqx_variform_bif:sprintf_s/2).

Directives: ~s ~ts ~p ~tp ~w ~tw ~b ~B ~f ~e ~c ~n ~~ with field width (right-adjusted, `-`
for left), precision and pad character, laid out as io_lib_format does: a string longer than
its field is cut, a term or number longer than its field becomes a row of `*`, ~Nc repeats the
character. Any other directive (~g, ~x, ...) raises UnsupportedFunction naming it.
"""
import re

from .errors import BadArg, NotRepresentable, RuleError, UnsupportedFunction
from .floats import erl_e, erl_f
from .funcs_format import erl_term
from .registry import sql_function
from .values import atom_text, is_atom, printable_list

_DIRECTIVE = re.compile(r"~(-?\d+|\*)?(?:\.(\d+|\*)?)?(?:\.(.))?(t|l)?(.)", re.S)


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
        return _chars(arg)
    if ctl == "ts":
        s = _chars(arg)
        if any(ord(c) > 255 for c in s):
            # io_lib gives characters > 255 that iolist_to_binary/1 refuses
            raise BadArg("sprintf: ~ts output is not a byte string (iolist_to_binary badarg)")
        if any(ord(c) > 127 for c in s):
            # characters 128..255 become single latin1 bytes: not UTF-8, not representable
            raise RuleError("sprintf: ~ts of non-ASCII text yields a latin1 binary")
        return s
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
        p = int(prec) if prec else None
        text = _render(ctl, queue.pop(0), None if ctl in ("s", "ts", "c") else p)
        out.append(_layout(ctl, text, int(width) if width else None, p, pad or " "))
    out.append(fmt[pos:])
    if queue:
        raise BadArg("sprintf: too many arguments")
    return "".join(out)


@sql_function("sprintf", None)
def sprintf(fmt, *args):
    return sprintf_s(fmt, list(args))


def _adjust(text, fill, left):
    return text + fill if left else fill + text


def _layout(ctl, text, width, prec, pad):
    """io_lib_format's string/6, char/5 and term/5 field rules."""
    left = width is not None and width < 0
    field = abs(width) if width is not None else None
    if ctl in ("s", "ts"):
        if field is None and prec is None:
            return text
        if field is None or (prec is not None and field == prec):
            size = prec if field is None else field
            return text[:size] if len(text) > size else _adjust(text, pad * (size - len(text)),
                                                               left or field is None)
        if prec is None:
            return text[:field] if len(text) > field else _adjust(text, pad * (field - len(text)),
                                                                 left)
        cut = text[:prec] if len(text) > prec else text + pad * (prec - len(text))
        return _adjust(cut, pad * (field - prec), left)
    if ctl == "c":
        if field is None and prec is None:
            return text
        if prec is None or field is None:
            return text * (field or prec)
        return _adjust(text * prec, pad * (field - prec), left)
    if field is None:
        return text
    if len(text) > field:
        return "*" * field
    return _adjust(text, pad * (field - len(text)), left)
