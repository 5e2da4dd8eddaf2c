"""Recursive-descent parser producing rulesql's parse tree (thalesmg/rulesql:src/rulesql.yrl).

The tree uses the same tuples as rulesql so the runtime can follow emqx_rule_runtime clause by
clause: ('var', name), ('path', [('key', k) | ('index', e)]), ('const', v), ('list', [e]),
('range', (b, e)), ('get_range', (b, e), e), ('fun', ref, [args]), (op, l, r), (op, e) unary,
('case', on | None, [(cond, e)], else | None), ('as', e, alias), 'and'/'or'/'not'/'in'.
"""
from .errors import RuleSyntaxError
from .lexer import tokenize

ARITH = ("+", "-", "*", "/", "div", "mod")
_MUL = ("*", "/", "div", "mod")


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


class _Parser:
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

    # -- scalar expressions -----------------------------------------------------------------
    def scalar_opt_as_exp(self):
        return self.opt_as_after(self.scalar_exp())

    def opt_as_after(self, e):
        if self.tok.kind == "COMPARISON":
            op = self.take().value
            e = (op, e, self.scalar_exp())
            if self.accept("AS"):
                return ("as", e, self.name_or_path_ref())
            return e
        if self.accept("AS") or self.tok.kind == "NAME":
            return ("as", e, self.name_or_path_ref())
        return e

    def scalar_exp(self, in_arg=False):
        left = self.term(in_arg)
        while self.tok.kind in ("+", "-"):
            op = self.take().kind
            left = (op, left, self.term(in_arg))
        return left

    def term(self, in_arg):
        left = self.unary(in_arg)
        while self.tok.kind in _MUL:
            op = self.take().kind
            left = (op, left, self.unary(in_arg))
        return left

    def unary(self, in_arg):
        if self.tok.kind in ("+", "-"):
            op = self.take().kind
            return (op, self.unary(in_arg))
        return self.primary(in_arg)

    def primary(self, in_arg):
        t = self.tok
        k = t.kind
        if k == "STRING":
            self.i += 1
            return ("const", t.value)
        if k == "INTNUM":
            self.i += 1
            return ("const", int(t.value))
        if k == "APPROXNUM":
            self.i += 1
            return ("const", float(t.value))
        if k == "RANGE":
            self.i += 1
            return ("range", t.value)
        if k == "[":
            return self.list_ref()
        if k == "(":
            if in_arg:
                self.take()
                e = self.fun_arg()
                self.take(")")
                return e
            self.take()
            e = self.scalar_exp()
            self.take(")")
            return e
        if k in ("div", "mod") and self.peek().kind == "(":
            self.i += 1
            return ("fun", ("var", k), self.fun_args())
        if k == "CASE" and in_arg:
            return self.case_exp()
        if k == "NAME":
            ref = self.name_or_path_ref()
            if self.tok.kind == "(":
                if ref[0] == "const":
                    self.fail()
                return ("fun", ref, self.fun_args())
            if self.tok.kind == "RANGE":
                return ("get_range", self.take().value, ref)
            return ref
        self.fail()

    def list_ref(self):
        self.take("[")
        items = []
        if self.tok.kind != "]":
            items.append(self.scalar_exp())
            while self.accept(","):
                items.append(self.scalar_exp())
        self.take("]")
        return ("list", items)

    def fun_args(self):
        self.take("(")
        args = []
        if self.tok.kind != ")":
            args.append(self.fun_arg())
            while self.accept(","):
                args.append(self.fun_arg())
        self.take(")")
        return args

    def fun_arg(self):
        left = self.scalar_exp(in_arg=True)
        if self.tok.kind == "COMPARISON":
            op = self.take().value
            left = (op, left, self.scalar_exp(in_arg=True))
            if self.tok.kind == "COMPARISON":
                self.fail("comparison is non-associative")
        return left

    def case_exp(self):
        if self.accept("("):
            e = self.case_exp()
            self.take(")")
            return e
        self.take("CASE")
        on = None
        if self.tok.kind != "WHEN":
            on = self.scalar_opt_as_exp()
        clauses = []
        while self.accept("WHEN"):
            cond = self.search_condition()
            self.take("THEN")
            clauses.append((cond, self.scalar_opt_as_exp()))
        if not clauses:
            self.fail("expected WHEN")
        default = self.scalar_opt_as_exp() if self.accept("ELSE") else None
        self.take("END")
        return ("case", on, clauses, default)

    # -- names and paths ---------------------------------------------------------------------
    def name_or_path_ref(self):
        head = self.var_of(self.take("NAME").value)
        path = None
        while True:
            k = self.tok.kind
            if k == ".":
                self.take()
                t = self.tok
                if t.kind in ("NAME", "INTNUM", "STRING"):
                    self.i += 1
                    seg = self.var_of(t.value) if t.kind == "NAME" else ("var", t.value)
                else:
                    self.fail("expected a key after '.'")
            elif k == "[" and self.peek().kind != "]":
                seg = self.index_ref()
            else:
                break
            if head[0] == "const" or seg[0] == "const":
                self.fail("true/false cannot be a path segment")
            path = path or [("key", head[1])]
            path.append(("key", seg[1]) if seg[0] == "var" else seg)
        return ("path", path) if path else head

    @staticmethod
    def var_of(name):
        if name == "true":
            return ("const", True)
        if name == "false":
            return ("const", False)
        return ("var", name)

    def index_ref(self):
        self.take("[")
        t = self.tok
        if t.kind == "INTNUM":
            self.i += 1
            idx = ("const", "head") if t.value == "0" else ("const", int(t.value))
        elif t.kind in ("+", "-") and self.peek().kind == "INTNUM":
            sign = self.take().kind
            v = self.take().value
            if v == "0":
                idx = ("const", "head" if sign == "+" else "tail")
            else:
                idx = ("const", int(v) if sign == "+" else -int(v))
        elif t.kind == "NAME":
            idx = self.name_or_path_ref()
        else:
            self.fail("bad index")
        self.take("]")
        return ("index", idx)
