"""Rule SQL as text: comment stripping, comparison form, and the lexical traps lint looks for.

EMQX's lexer skips ``-- ...`` up to a newline, but a comment on the last line (EMQX trims the SQL
first) has no newline and becomes a lex error; so the tool strips comments and sends what it
tested. A scan that knows quotes: ``'...'`` is a string literal (no escapes, ``''`` is not a quote),
``"..."`` is an identifier everywhere except in FROM.
"""
import re

_FROM = re.compile(r"\bFROM\b", re.IGNORECASE)
_WHERE = re.compile(r"\bWHERE\b", re.IGNORECASE)
_PAYLOAD_PATH = re.compile(r"\bpayload\s*[.\[]", re.IGNORECASE)
_SELECT_STAR = re.compile(r"^\s*SELECT\s+(\*|.*,\s*\*\s*(,|FROM\b))", re.IGNORECASE | re.DOTALL)


def _segments(sql):
    """Yield (kind, text) with kind in code | single | double | comment, covering all of sql."""
    i, n, start = 0, len(sql), 0
    while i < n:
        c = sql[i]
        if c in "'\"":
            end = sql.find(c, i + 1)
            end = n - 1 if end < 0 else end
            if start < i:
                yield "code", sql[start:i]
            yield ("single" if c == "'" else "double"), sql[i:end + 1]
            i = start = end + 1
        elif c == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            if start < i:
                yield "code", sql[start:i]
            yield "comment", sql[i:end]
            i = start = end
        else:
            i += 1
    if start < n:
        yield "code", sql[start:]


def strip_comments(sql):
    """The SQL EMQX is sent: comments removed, trailing blanks and empty lines dropped."""
    text = "".join(t for kind, t in _segments(sql) if kind != "comment")
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return "\n".join(line for line in lines if line)


def normalize(sql):
    """Comparison form: comments gone and whitespace outside quotes collapsed to one space."""
    out = []
    for kind, text in _segments(sql):
        if kind == "comment":
            out.append(" ")
        elif kind == "code":
            out.append(re.sub(r"\s+", " ", text))
        else:
            out.append(text)
    return _collapse("".join(out))


def _collapse(text):
    parts = []
    for kind, t in _segments(text):
        parts.append(re.sub(r" +", " ", t) if kind == "code" else t)
    return "".join(parts).strip()


def code_only(sql):
    """The SQL with comments removed and every quoted part blanked (for keyword searches)."""
    return "".join(t if kind == "code" else " " for kind, t in _segments(sql))


def double_quoted_outside_from(sql):
    """Double-quoted tokens outside the FROM clause: identifiers, almost always a mistaken string."""
    found, pos = [], 0
    segments = list(_segments(sql))
    code = "".join(t if k == "code" else " " * len(t) for k, t in segments)
    from_m = _FROM.search(code)
    where_m = _WHERE.search(code, from_m.end()) if from_m else None
    from_span = (from_m.start(), where_m.start() if where_m else len(code)) if from_m else (-1, -1)
    for kind, text in segments:
        if kind == "double" and not (from_span[0] <= pos < from_span[1]):
            found.append(text)
        pos += len(text)
    return found


def reads_payload_fields(sql):
    """True when the SQL drills into the payload (payload.x / payload[..]): that decodes JSON."""
    return bool(_PAYLOAD_PATH.search(code_only(sql)))


def selects_star(sql):
    return bool(_SELECT_STAR.match(code_only(sql)))
