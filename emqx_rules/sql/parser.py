"""Recursive-descent parser producing rulesql's parse tree (thalesmg/rulesql:src/rulesql.yrl).

The tree uses the same tuples as rulesql so the runtime can follow emqx_rule_runtime clause by
clause: ('var', name), ('path', [('key', k) | ('index', e)]), ('const', v), ('list', [e]),
('range', (b, e)), ('get_range', (b, e), e), ('fun', ref, [args]), (op, l, r), (op, e) unary,
('case', on | None, [(cond, e)], else | None), ('as', e, alias), 'and'/'or'/'not'/'in'.
"""
from .errors import RuleSyntaxError
from .expressions import ExpressionParser
from .lexer import tokenize



class Statement:
    __slots__ = ("is_foreach", "fields", "doeach", "incase", "from_", "where")

    def __init__(self, is_foreach, fields, doeach, incase, from_, where):
        self.is_foreach = is_foreach
        self.fields = fields
        self.doeach = doeach
        self.incase = incase
        self.from_ = from_
        self.where = where


def parse(sql):
    p = _Parser(tokenize(sql))
    stmt = p.statement()
    if not stmt.from_:
        raise RuleSyntaxError("empty_from_clause")
    return stmt


class _Backtrack(Exception):
    pass


class _Parser(ExpressionParser):
    def __init__(self, tokens):
        self.toks = tokens
        self.i = 0

    # -- token helpers -------------------------------------------------------------------
    @property
    def tok(self):
        return self.toks[self.i]

    def peek(self, k=1):
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def take(self, kind=None):
        t = self.toks[self.i]
        if kind is not None and t.kind != kind:
            self.fail(f"expected {kind}")
        self.i += 1
        return t

    def accept(self, kind):
        if self.tok.kind == kind:
            return self.take()
        return None

    def fail(self, what="syntax error"):
        t = self.tok
        shown = "end of input" if t.kind == "EOF" else repr(t.value)
        raise RuleSyntaxError(f"parse error: {what} before {shown} at offset {t.pos}")

    # -- statement -------------------------------------------------------------------------
    def statement(self):
        if self.accept("SELECT"):
            fields = self.selection()
            from_, where = self.event_exp()
            return Statement(False, fields, [], None, from_, where)
        if self.accept("FOREACH"):
            fields = self.selection()
            doeach = self.selection() if self.accept("DO") else []
            incase = self.search_condition() if self.accept("INCASE") else None
            from_, where = self.event_exp()
            return Statement(True, fields, doeach, incase, from_, where)
        self.fail("expected SELECT or FOREACH")

    def event_exp(self):
        self.take("FROM")
        from_ = [self.from_column()]
        while self.accept(","):
            from_.append(self.from_column())
        where = None
        if self.accept("WHERE"):
            where = self.search_condition()
        if self.tok.kind != "EOF":
            self.fail()
        return from_, where

    def from_column(self):
        t = self.tok
        if t.kind in ("NAME", "STRING"):
            self.i += 1
            return t.value
        self.fail("expected a topic in FROM")

    def selection(self):
        fields = [self.select_field()]
        while self.accept(","):
            fields.append(self.select_field())
        return fields

    def select_field(self):
        if self.accept("*"):
            return "*"
        if self._at_case():
            e = self.case_exp()
            if self.accept("AS"):
                return ("as", e, self.name_or_path_ref())
            if self.tok.kind == "NAME":
                return ("as", e, self.name_or_path_ref())
            return e
        return self.scalar_opt_as_exp()

    def _at_case(self):
        k = 0
        while self.peek(k).kind == "(":
            k += 1
        return self.peek(k).kind == "CASE"

    # -- conditions --------------------------------------------------------------------------
    def search_condition(self):
        left = self.and_condition()
        while self.accept("OR"):
            left = ("or", left, self.and_condition())
        return left

    def and_condition(self):
        left = self.not_condition()
        while self.accept("AND"):
            left = ("and", left, self.not_condition())
        return left

    def not_condition(self):
        if self.tok.kind == "NOT" and self.peek().kind != "IN":
            self.take()
            return ("not", self.not_condition())
        if self.tok.kind == "(":
            saved = self.i
            try:
                self.take()
                cond = self.search_condition()
                self.take(")")
                if self.tok.kind in ("AND", "OR", ")", "EOF", "FROM", "THEN", "WHERE"):
                    return cond
                raise _Backtrack()
            except (RuleSyntaxError, _Backtrack):
                self.i = saved
        return self.predicate()

    def predicate(self):
        e = self.scalar_exp()
        if self.tok.kind == "IN":
            self.take()
            return ("in", e, ("list", self.in_list()))
        if self.tok.kind == "NOT" and self.peek().kind == "IN":
            self.i += 2
            return ("not", ("in", e, ("list", self.in_list())))
        return self.opt_as_after(e)

    def in_list(self):
        self.take("(")
        items = [self.scalar_opt_as_exp()]
        while self.accept(","):
            items.append(self.scalar_opt_as_exp())
        self.take(")")
        return items
