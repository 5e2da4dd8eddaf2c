"""Expressions of rulesql's grammar: scalars, function calls and their arguments, CASE, lists,
names, paths and indexes (thalesmg/rulesql:src/rulesql.yrl, scalar_exp ... index_ref).

Precedence, low to high: comparison (non-associative) < + - < * / div mod < unary + -.
Function arguments use the `fun_arg` rules, which also allow comparisons and CASE; a path
cannot follow a call (`json_decode(payload).a` is a syntax error in EMQX too).
"""

_MUL = ("*", "/", "div", "mod")


class ExpressionParser:
    """Mixed into the statement parser; relies on its token helpers."""

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
