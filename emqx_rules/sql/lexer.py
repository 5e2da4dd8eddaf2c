"""Tokenizer equivalent to rulesql's leex lexer (thalesmg/rulesql:src/sql_lex.xrl).

leex takes the longest match over all rules and, on a tie, the earliest rule; the table below
keeps the rules in the xrl order so `div` is an operator but `divide` a name, `12` an integer
but `1.5` a decimal, and `[1..3]` one RANGE token. Literals are taken verbatim: the lexer knows
no escapes, and trims *every* leading and trailing quote (`string:trim(S, both, "'")`).
"""
import re

from .errors import RuleSyntaxError

KEYWORDS = frozenset(
    "AND AS CASE IF ELSE ELSIF FROM IN NOT OR SELECT WHEN THEN FOREACH INCASE END DO WHERE".split()
)

# (kind, compiled regex) in the order of sql_lex.xrl; erlang `fun ... end.` literals are not
# supported (they only exist for legacy plugin use).
_RULES = [
    ("STRING", re.compile(r"'(?:[^']|'')*'")),
    ("QNAME", re.compile(r'"(?:[^"]|"")*"')),
    ("COMPARISON", re.compile(r"=~|~=|!=|<>|<=|>=|=|<|>")),
    ("PUNCT", re.compile(r"[-+*/()\[\],.]|div|mod")),
    ("RANGE", re.compile(r"\[([-+]?[0-9]+)\.\.([-+]?[0-9]+)\]")),
    ("WORD", re.compile(r"[A-Za-z][A-Za-z0-9_$@~]*")),
    ("INTNUM", re.compile(r"[0-9]+")),
    ("APPROXNUM", re.compile(r"[0-9]+\.?[0-9]+(?:[eE][-+]?[0-9]+)?[fFdD]?")),
    ("SKIP", re.compile(r"[ \t\r\n]+")),
    ("SKIP", re.compile(r"--[^\n]*\n")),
]
_FLOAT_OK = re.compile(r"[0-9]+\.[0-9]+(?:[eE][-+]?[0-9]+)?\Z")


class Token:
    __slots__ = ("kind", "value", "pos")

    def __init__(self, kind, value, pos):
        self.kind = kind
        self.value = value
        self.pos = pos

    def __repr__(self):
        return f"{self.kind}({self.value!r})@{self.pos}"


def clean(sql):
    """rulesql:sql_clean/1: trim, drop every "\\n/", reject blank SQL."""
    if not isinstance(sql, str):
        raise RuleSyntaxError("rule SQL must be a string")
    sql = re.sub(r"^[ \r\n]+|[ \r\n]+$", "", sql)
    sql = sql.replace("\n/", "")
    if not sql.strip():
        raise RuleSyntaxError("empty SQL (invalid_string)")
    return sql.strip()


def tokenize(sql):
    text = clean(sql)
    tokens = []
    pos, n = 0, len(text)
    while pos < n:
        best_len, best_kind, best_m = 0, None, None
        for kind, rx in _RULES:
            m = rx.match(text, pos)
            if m and m.end() - pos > best_len:
                best_len, best_kind, best_m = m.end() - pos, kind, m
        if best_kind is None:
            raise RuleSyntaxError(f"lex error: illegal character {text[pos]!r} at offset {pos}")
        lexeme = best_m.group(0)
        if best_kind != "SKIP":
            tokens.append(_token(best_kind, lexeme, best_m, pos))
        pos += best_len
    tokens.append(Token("EOF", None, n))
    return tokens


def _token(kind, lexeme, m, pos):
    if kind == "STRING":
        return Token("STRING", lexeme.strip("'"), pos)
    if kind == "QNAME":
        return Token("NAME", lexeme.strip('"'), pos)
    if kind == "COMPARISON":
        return Token("COMPARISON", lexeme, pos)
    if kind == "PUNCT":
        return Token(lexeme, lexeme, pos)
    if kind == "RANGE":
        return Token("RANGE", (int(m.group(1)), int(m.group(2))), pos)
    if kind == "WORD":
        upper = lexeme.upper()
        if upper in KEYWORDS:
            return Token(upper, lexeme, pos)
        return Token("NAME", lexeme, pos)
    if kind == "INTNUM":
        return Token("INTNUM", lexeme, pos)
    if not _FLOAT_OK.match(lexeme):
        # list_to_float/1 rejects it; the parser crashes and EMQX reports a parse error
        raise RuleSyntaxError(f"invalid number literal {lexeme!r} at offset {pos}")
    return Token("APPROXNUM", lexeme, pos)
