"""String functions (emqx_utils/src/emqx_variform_bif.erl via emqx_rule_funcs).

They raise on null/undefined (so `upper(payload.missing)` fails the rule), take true/false
as text, and otherwise need strings. substr() is 0-based; split() drops empty parts unless
told 'notrim'; tokens() splits on any of the given characters.
"""
from . import graphemes
from .errors import BadArg
from .registry import sql_function
from .strings_core import WHITESPACE, binary, expand_replacement, regex, text
from .values import to_text


@sql_function("lower", 1)
def lower(s):
    return text(s, "lower").lower()


@sql_function("upper", 1)
def upper(s):
    return text(s, "upper").upper()


@sql_function("trim", 1)
def trim(s):
    return text(s, "trim").strip(WHITESPACE)


@sql_function("ltrim", 1)
def ltrim(s):
    return text(s, "ltrim").lstrip(WHITESPACE)


@sql_function("rtrim", 1)
def rtrim(s):
    return text(s, "rtrim").rstrip(WHITESPACE)


@sql_function("rtrim", 2)
def rtrim_chars(s, chars):
    return text(s, "rtrim").rstrip(binary(chars, "rtrim"))


@sql_function("reverse", 1)
def reverse(s):
    return graphemes.reverse(text(s, "reverse"))


@sql_function("strlen", 1)
def strlen(s):
    return graphemes.length(text(s, "strlen"))


@sql_function("rm_prefix", 2)
def rm_prefix(s, prefix):
    s, prefix = text(s, "rm_prefix"), binary(prefix, "rm_prefix")
    return s[len(prefix):] if s.startswith(prefix) else s


@sql_function("substr", 2)
def substr(s, start):
    s = text(s, "substr")
    if type(start) is not int or start < 0:
        raise BadArg(f"substr: bad start {start!r}")
    return graphemes.slice_(s, start)


@sql_function("substr", 3)
def substr_len(s, start, length):
    s = text(s, "substr")
    if type(start) is not int or type(length) is not int or start < 0 or length < 0:
        raise BadArg(f"substr: bad start/length {start!r}, {length!r}")
    return graphemes.slice_(s, start, length)


def _split_all(s, sep):
    return [s] if sep == "" else s.split(sep)


def _split_once(s, sep, from_end):
    if sep == "" or sep not in s:
        return [s]
    return s.rsplit(sep, 1) if from_end else s.split(sep, 1)


@sql_function("split", 2)
def split(s, sep):
    if type(s) is str and type(sep) is str and sep:
        return list(filter(None, s.split(sep)))
    s, sep = text(s, "split"), binary(sep, "split")
    return [p for p in _split_all(s, sep) if p != ""]


@sql_function("split", 3)
def split_opt(s, sep, option):
    s, sep = text(s, "split"), binary(sep, "split")
    if option == "notrim":
        return _split_all(s, sep)
    if option in ("leading", "leading_notrim", "trailing", "trailing_notrim"):
        parts = _split_once(s, sep, option.startswith("trailing"))
        return parts if option.endswith("notrim") else [p for p in parts if p != ""]
    raise BadArg(f"split: unknown option {option!r}")


@sql_function("tokens", 2)
def tokens(s, seps):
    return _lexemes(text(s, "tokens"), set(binary(seps, "tokens")))


@sql_function("tokens", 3)
def tokens_nocrlf(s, seps, option):
    if option != "nocrlf":
        raise BadArg(f"tokens: unknown option {option!r}")
    return _lexemes(text(s, "tokens"), set(binary(seps, "tokens")) | {"\r", "\n"})


def _lexemes(s, seps):
    out, cur = [], []
    for ch in s:
        if ch in seps:
            if cur:
                out.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
    if cur:
        out.append("".join(cur))
    return out


@sql_function("concat", 2)
def concat(a, b):
    return to_text(a) + to_text(b)


@sql_function("concat", 1)
def concat_list(items):
    if type(items) is not list:
        raise BadArg("concat/1 needs a list")
    return "".join(to_text(x) for x in items)


@sql_function("pad", 2, 3, 4)
def pad(s, length, where="trailing", char=" "):
    s = text(s, "pad")
    if type(length) is not int or where not in ("trailing", "leading", "both") \
            or type(char) is not str:
        raise BadArg(f"pad: bad arguments {length!r}, {where!r}, {char!r}")
    missing = length - graphemes.length(s)
    if missing <= 0:
        return s
    if where == "trailing":
        return s + char * missing
    if where == "leading":
        return char * missing + s
    return char * (missing // 2) + s + char * (missing - missing // 2)


@sql_function("replace", 3, 4)
def replace(s, pattern, rep, where="all"):
    s = text(s, "replace")
    pattern, rep = binary(pattern, "replace"), binary(rep, "replace")
    if where not in ("all", "leading", "trailing"):
        raise BadArg(f"replace: unknown option {where!r}")
    if pattern == "" or pattern not in s:
        return s
    if where == "all":
        return s.replace(pattern, rep)
    if where == "leading":
        return s.replace(pattern, rep, 1)
    head, _, tail = s.rpartition(pattern)
    return head + rep + tail


@sql_function("regex_match", 2)
def regex_match(s, pattern):
    return regex(pattern, "regex_match").search(text(s, "regex_match")) is not None


@sql_function("regex_replace", 3)
def regex_replace(s, pattern, rep):
    s = text(s, "regex_replace")
    return regex(pattern, "regex_replace").sub(
        expand_replacement(binary(rep, "regex_replace")), s)


@sql_function("regex_extract", 2)
def regex_extract(s, pattern):
    m = regex(pattern, "regex_extract").search(text(s, "regex_extract"))
    if m is None:
        return []
    return [g or "" for g in m.groups()]


@sql_function("ascii", 1)
def ascii_(s):
    s = text(s, "ascii")
    if not s:
        raise BadArg("ascii('') has no first byte")
    return s.encode()[0]


@sql_function("find", 2, 3)
def find(s, pattern, where="leading"):
    s, pattern = text(s, "find"), binary(pattern, "find")
    if where not in ("leading", "trailing"):
        raise BadArg(f"find: unknown option {where!r}")
    i = s.find(pattern) if where == "leading" else s.rfind(pattern)
    return "" if i < 0 else s[i:]


@sql_function("join_to_string", 1)
def join_to_string(items):
    return join_to_string_sep(", ", items)


@sql_function("join_to_string", 2)
def join_to_string_sep(sep, items):
    if type(items) is not list or type(sep) is not str:
        raise BadArg("join_to_string needs a separator string and a list")
    return sep.join(to_text(x) for x in items)
