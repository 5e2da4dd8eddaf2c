"""Compile rulesql expression trees into Python closures `f(env, st)`.

`env` is what emqx_rule_runtime:eval/2 receives: in SELECT, DO and FOREACH a pair
(selected-so-far, columns) searched in that order; in WHERE and INCASE one merged dict. The
closures follow eval/2 clause by clause; a tree EMQX has no eval clause for (a bare AND inside
NOT, an `AS` in a WHEN branch, ...) compiles to a closure that raises when reached, because
EMQX accepts such SQL and fails only on the messages that reach it.
"""
from . import arith, maps
from .compare import compare, exact_eq
from .errors import BadArg, RuleRuntimeError, UnsupportedFunction
from .registry import lookup
from .values import PAYLOAD_ATOM, UNDEFINED

_MISSING = object()
_COMPARISONS = frozenset(["=", "!=", "<>", "<", ">", "<=", ">=", "=~", "~="])


class Scope:
    """Where an expression runs: 'list' (pair env) or 'map'; for 'list', the keys the selected
    map can hold at this point (None when unknown, e.g. after `*`), to skip hopeless lookups."""

    __slots__ = ("kind", "known")

    def __init__(self, kind, known=None):
        self.kind = kind
        self.known = known


def _raiser(message):
    def f(env, st):
        raise RuleRuntimeError(message)
    return f


def _get_in_map(node):
    """eval/2 of a var or path against one map."""
    if node[0] == "var":
        name = node[1]
        if name == "payload":
            ref = ("key", "payload")

            def get_payload(m, st):
                _, v = maps.find(ref, m, m)
                return UNDEFINED if v is maps._NOT_FOUND else v
            return get_payload

        def get_var(m, st):
            return m.get(name, UNDEFINED)
        return get_var
    path = node[1]
    if path[0] == ("key", "payload"):
        rest = path[1:]

        def get_payload_path(m, st):
            if PAYLOAD_ATOM in m:
                return maps.get_path(rest, st.decode_payload(m[PAYLOAD_ATOM]))
            if "payload" in m:
                return maps.get_path(rest, st.decode_payload(m["payload"]))
            return UNDEFINED
        return get_payload_path

    def get_path(m, st):
        return maps.get_path(path, m)
    return get_path


def _compile_ref(node, scope):
    getter = _get_in_map(node)
    if scope.kind == "map":
        return getter
    head = node[1] if node[0] == "var" else node[1][0][1]
    if scope.known is not None and head not in scope.known and head != "payload":
        if node[0] == "var":
            name = node[1]
            return lambda env, st: env[1].get(name, UNDEFINED)
        return lambda env, st: getter(env[1], st)

    def get_pair(env, st):
        v = getter(env[0], st)
        if v is UNDEFINED:
            return getter(env[1], st)
        return v
    return get_pair


def compile_expr(node, scope):
    tag = node[0] if type(node) is tuple else node
    if tag == "const":
        value = node[1]
        return lambda env, st: value
    if tag in ("var", "path"):
        return _compile_ref(node, scope)
    if tag == "range":
        b, e = node[1]
        return lambda env, st: maps.range_gen(b, e)
    if tag == "get_range":
        (b, e), inner = node[1], compile_expr(node[2], scope)
        return lambda env, st: maps.range_get(b, e, inner(env, st))
    if tag == "list":
        items = [compile_expr(n, scope) for n in node[1]]
        return lambda env, st: [f(env, st) for f in items]
    if tag in ("+", "-") and len(node) == 2:
        inner = compile_expr(node[1], scope)
        if tag == "+":
            return inner
        return lambda env, st: arith.negate(inner(env, st))
    if tag in arith.BINARY:
        op, lf, rf = arith.BINARY[tag], compile_expr(node[1], scope), compile_expr(node[2], scope)
        return lambda env, st: op(lf(env, st), rf(env, st))
    if tag in _COMPARISONS:
        lf, rf = compile_expr(node[1], scope), compile_expr(node[2], scope)
        return lambda env, st: compare(tag, lf(env, st), rf(env, st))
    if tag == "case":
        return _compile_case(node, scope)
    if tag == "fun":
        return compile_call(node, scope)
    return _raiser(f"EMQX cannot evaluate {tag!r} as a value here")


def _compile_case(node, scope):
    _, on, clauses, default = node
    other = compile_expr(default, scope) if default is not None else (lambda env, st: UNDEFINED)
    if on is None:
        branches = [(compile_cond(c, scope), compile_expr(e, scope)) for c, e in clauses]

        def case(env, st):
            for cond, expr in branches:
                if cond(env, st) is True:
                    return expr(env, st)
            return other(env, st)
        return case
    subject = compile_expr(on, scope)
    arms = [(compile_expr(c, scope), compile_expr(e, scope)) for c, e in clauses]

    def switch(env, st):
        for value, expr in arms:
            wanted = value(env, st)
            if exact_eq(subject(env, st), wanted):
                return expr(env, st)
        return other(env, st)
    return switch


def compile_call(node, scope):
    ref, args = node[1], node[2]
    if ref[0] != "var":
        raise UnsupportedFunction(".".join(str(k) for _, k in ref[1]),
                                  "external module functions exist only with plugins")
    name = ref[1]
    found = lookup(name, len(args))
    if found == "unknown":
        return _raiser(f"sql_function_not_supported: {name}/{len(args)}")
    if found == "unsupported":
        raise UnsupportedFunction(name, f"arity {len(args)}")
    func, needs_env = found
    argfs = [compile_expr(a, scope) for a in args]
    list_env = scope.kind == "list"

    def call(env, st):
        values = [f(env, st) for f in argfs]
        try:
            if needs_env:
                return func(env[1] if list_env else None, *values)
            return func(*values)
        except (BadArg, RuleRuntimeError):
            raise
        except (TypeError, ValueError, ArithmeticError, IndexError, KeyError, AttributeError,
                UnicodeError) as e:
            raise BadArg(f"bad_sql_function_argument: {name}{tuple(values)!r}: {e}") from None
    if len(argfs) == 1 and not needs_env:
        a0 = argfs[0]

        def call1(env, st):
            v = a0(env, st)
            try:
                return func(v)
            except (BadArg, RuleRuntimeError):
                raise
            except (TypeError, ValueError, ArithmeticError, IndexError, KeyError,
                    AttributeError, UnicodeError) as e:
                raise BadArg(f"bad_sql_function_argument: {name}({v!r}): {e}") from None
        return call1
    return call


def compile_cond(node, scope):
    """match_conditions/2: returns the raw result (WHERE itself insists on a boolean)."""
    if node is None:
        return lambda env, st: True
    tag = node[0]
    if tag in ("and", "or"):
        lf, rf = compile_cond(node[1], scope), compile_cond(node[2], scope)
        is_and = tag == "and"

        def junction(env, st):
            left = lf(env, st)
            if left is True:
                return rf(env, st) if is_and else True
            if left is False:
                return False if is_and else rf(env, st)
            raise RuleRuntimeError(f"badarg: {tag.upper()} on the non-boolean {left!r}")
        return junction
    if tag == "not":
        inner = compile_expr(node[1], scope)

        def negation(env, st):
            v = inner(env, st)
            return (not v) if (v is True or v is False) else False
        return negation
    if tag == "in":
        subject = compile_expr(node[1], scope)
        items = [compile_expr(n, scope) for n in node[2][1]]

        def member(env, st):
            v = subject(env, st)
            candidates = [f(env, st) for f in items]
            return any(exact_eq(v, c) for c in candidates)
        return member
    if tag == "fun":
        return compile_call(node, scope)
    if tag in _COMPARISONS:
        return compile_expr(node, scope)
    if tag == "const" and (node[1] is True or node[1] is False):
        value = node[1]
        return lambda env, st: value
    return _raiser(f"a condition must be a comparison or boolean function, not {tag!r}")
