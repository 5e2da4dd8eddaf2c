"""Shared pieces of the string functions: the null/atom argument rules of
emqx_variform_bif (null or undefined raises, true/false become their text), Erlang's
whitespace set for trim, and PCRE-style replacement strings for regex_replace."""
import re

from .errors import BadArg, NotRepresentable, UnsupportedFunction
from .values import UNDEFINED, atom_text, is_atom

# unicode_util:whitespace/0, which string:trim/1 uses (no NBSP, unlike str.strip())
WHITESPACE = " \t\n\x0b\x0c\r\x85\u200e\u200f\u2028\u2029"


def text(s, name):
    """The subject string of a string function, or raise as EMQX does."""
    if type(s) is str:
        return s
    if type(s) is bytes:
        raise NotRepresentable(f"{name}() on a binary that is not UTF-8 text")
    if s is None or s is UNDEFINED:
        raise BadArg(f"badarg: {name}() on a null or missing value")
    if is_atom(s):
        return atom_text(s)
    raise BadArg(f"bad_sql_function_argument: {name}({s!r})")


def binary(s, name):
    """An argument that must already be a binary (no atom conversion)."""
    if type(s) is str:
        return s
    if type(s) is bytes:
        raise NotRepresentable(f"{name}() on a binary that is not UTF-8 text")
    raise BadArg(f"bad_sql_function_argument: {name} needs a string, got {s!r}")


_PCRE_SPELLINGS = ((re.compile(r"\(\?<(?=[A-Za-z_])"), "(?P<"), (re.compile(r"\\z"), r"\\Z"))


def regex(pattern, name):
    """Compile a PCRE pattern (Erlang's re) with Python's re: ASCII classes as in PCRE's
    default (non-UCP) mode, PCRE's (?<name>...) and \\z spelled the Python way. A pattern
    Python cannot compile raises UnsupportedFunction: it may be valid PCRE, and we will not
    claim EMQX fails on it."""
    if type(pattern) is not str:
        raise BadArg(f"{name}: the regular expression must be a string")
    python_pattern = pattern
    for rx, repl in _PCRE_SPELLINGS:
        python_pattern = rx.sub(repl, python_pattern)
    try:
        return re.compile(python_pattern, re.ASCII)
    except re.error as e:
        raise UnsupportedFunction(name, f"cannot compile {pattern!r} offline: {e}") from None


_REPL_TOKEN = re.compile(r"\\g\{(\d+)\}|\\g(\d+)|\\(\d+)|\\(.)|&", re.S)


def expand_replacement(template):
    """re:replace/4 replacement: & is the match, \\N and \\g{N} groups, \\& a literal &."""
    parts = []
    pos = 0
    for m in _REPL_TOKEN.finditer(template):
        parts.append(template[pos:m.start()])
        pos = m.end()
        if m.group(0) == "&":
            parts.append(0)
        elif m.group(4) is not None:
            parts.append(m.group(4))
        else:
            parts.append(int(m.group(1) or m.group(2) or m.group(3)))
    parts.append(template[pos:])

    def replace(match):
        out = []
        for p in parts:
            if type(p) is int:
                try:
                    out.append(match.group(p) or "")
                except IndexError:
                    out.append("")
            else:
                out.append(p)
        return "".join(out)
    return replace
