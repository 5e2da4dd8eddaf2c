"""SELECT/DO fields compiled to one generated Python function (the hot path of every rule).

Simple expressions (constants, columns, function calls) become inline Python; anything else
calls the closure compile_expr built, so semantics stay in one place (compiler.py). For
`SELECT id AS msg_id, nth(2, split(topic, '/')) AS farm_id` the generated body is roughly

    action = {}
    action['msg_id'] = cols.get('id', U)
    action['farm_id'] = f_nth(2, f_split(pair(action, cols, 'topic'), '/'))
    return action
"""
from .compiler import Scope, compile_expr
from .errors import BadArg, RuleRuntimeError
from .registry import lookup
from .select import _field_key, _head, _head_of_field, put
from .values import PAYLOAD_ATOM, UNDEFINED

_MAPPED = (TypeError, ValueError, ArithmeticError, IndexError, KeyError, AttributeError,
           UnicodeError)


_ABSENT = object()


def _pair_payload(action, cols):
    """eval({var, <<"payload">>}, [Action, Columns]): the binary key, else its atom twin."""
    for m in (action, cols):
        v = m.get("payload", _ABSENT)
        if v is _ABSENT:
            v = m.get(PAYLOAD_ATOM, UNDEFINED)
        if v is not UNDEFINED:
            return v
    return UNDEFINED


def _put_payload_var(action, value):
    """general_map_put({key, <<"payload">>}): an existing atom-keyed payload is replaced."""
    if "payload" not in action and PAYLOAD_ATOM in action:
        action[PAYLOAD_ATOM] = value
    else:
        action["payload"] = value
    return action


def _pair(action, cols, key):
    v = action.get(key, UNDEFINED)
    return cols.get(key, UNDEFINED) if v is UNDEFINED else v


class _Gen:
    def __init__(self):
        self.ns = {"U": UNDEFINED, "pair": _pair, "pair_payload": _pair_payload,
                   "put_payload_var": _put_payload_var, "put": put, "BadArg": BadArg,
                   "RuleRuntimeError": RuleRuntimeError, "MAPPED": _MAPPED,
                   "NOMEMO": object()}
        self.n = 0
        self.memo_init = []
        self.memos = {}

    def memo(self):
        """Locals remembering the last (argument, result) of a pure call: the four
        split(topic, '/') of a telemetry rule split the same string object once."""
        arg, res = self.temp(), self.temp()
        self.memo_init.append(f"    {arg} = NOMEMO")
        self.memo_init.append(f"    {res} = None")
        return arg, res

    def memo_for(self, key):
        if key not in self.memos:
            self.memos[key] = self.memo()
        return self.memos[key]

    def bind(self, value, prefix="k"):
        if type(value) in (str, int, float, bool) or value is None:
            return repr(value)  # a literal: a constant in the bytecode
        self.n += 1
        name = f"{prefix}{self.n}"
        self.ns[name] = value
        return name

    def temp(self):
        self.n += 1
        return f"t{self.n}"

    def inline_call(self, name, args, found, scope):
        """Inline the common topic-splitting calls, guarded so any other input takes the
        general implementation (and so raises exactly as it would)."""
        if type(found) is not tuple:
            return None
        func = self.bind(found[0], "f")
        if name == "split" and len(args) == 3 and args[1][0] == "const" \
                and type(args[1][1]) is str and args[1][1] and args[2] == ("const", "notrim"):
            t, sep = self.temp(), self.bind(args[1][1])
            arg, res = self.memo_for(("split3", args[1][1]))
            value = self.expr(args[0], scope)
            return (f"({res} if ({t} := {value}) is {arg} else "
                    f"({arg} := {t}, {res} := {t}.split({sep}))[1] if type({t}) is str "
                    f"else {func}({t}, {sep}, 'notrim'))")
        if len(args) != 2:
            return None
        if name == "split" and args[1][0] == "const" and type(args[1][1]) is str \
                and args[1][1]:
            t, sep = self.temp(), self.bind(args[1][1])
            arg, res = self.memo_for(("split2", args[1][1]))
            value = self.expr(args[0], scope)
            return (f"({res} if ({t} := {value}) is {arg} else "
                    f"({arg} := {t}, {res} := list(filter(None, {t}.split({sep}))))[1] "
                    f"if type({t}) is str else {func}({t}, {sep}))")
        if name == "nth" and args[0][0] == "const" and type(args[0][1]) is int \
                and args[0][1] > 0:
            t, n = self.temp(), args[0][1]
            value = self.expr(args[1], scope)
            return (f"({t}[{n - 1}] if type({t} := {value}) is list and len({t}) >= {n} "
                    f"else {func}({n}, {t}))")
        return None

    def expr(self, node, scope):
        tag = node[0] if type(node) is tuple else node
        if tag == "const":
            return self.bind(node[1])
        if tag == "var" and node[1] != "payload":
            key = self.bind(node[1])
            if scope.known is not None and node[1] not in scope.known:
                return f"cols.get({key}, U)"
            t = self.temp()
            return f"({t} if ({t} := action.get({key}, U)) is not U else cols.get({key}, U))"
        if tag == "var":
            return "pair_payload(action, cols)"
        if tag == "fun" and node[1][0] == "var":
            found = lookup(node[1][1], len(node[2]))
            fast = self.inline_call(node[1][1], node[2], found, scope)
            if fast is not None:
                return fast
            if type(found) is tuple:
                func, needs_env = found
                args = [self.expr(a, scope) for a in node[2]]
                if needs_env:
                    args.insert(0, "cols")
                return f"{self.bind(func, 'f')}({', '.join(args)})"
        closure = self.bind(compile_expr(node, scope), "c")
        return f"{closure}((action, cols), st)"


def compile_fields(fields):
    """A function (cols, st) -> selected map, for SELECT or DO fields."""
    gen = _Gen()
    lines = ["    action = {}", "    try:"]
    known = set()
    for field in fields:
        if field == "*":
            lines.append("        action = {**action, **cols}")
            known = None
            continue
        scope = Scope("list", None if known is None else frozenset(known))
        if field[0] == "as":
            alias = field[2]
            value = gen.expr(field[1], scope)
            if alias[0] == "var" and alias[1] != "payload":
                lines.append(f"        action[{gen.bind(alias[1])}] = {value}")
            elif alias == ("var", "payload"):
                lines.append(f"        action = put_payload_var(action, {value})")
            else:
                lines.append(f"        action = put({gen.bind(alias)}, {value}, action, st)")
            head = _head(alias)
        else:
            value = gen.expr(field, scope)
            if field[0] == "var" and field[1] != "payload":
                lines.append(f"        action[{gen.bind(field[1])}] = {value}")
            elif field == ("var", "payload"):
                lines.append(f"        action = put_payload_var(action, {value})")
            else:
                key_of = gen.bind(_field_key(field), "a")
                lines.append(f"        action = put({key_of}(cols), {value}, action, st)")
            head = _head_of_field(field)
        if known is not None:
            if head is None:
                known = None
            else:
                known.add(head)
    lines += [
        "    except (BadArg, RuleRuntimeError):",
        "        raise",
        "    except MAPPED as e:",
        "        raise BadArg(f'bad_sql_function_argument: {type(e).__name__}: {e}') from None",
        "    return action",
    ]
    # every helper becomes a keyword default, i.e. a fast local inside the function
    names = [n for n in gen.ns if not n.startswith("__")]
    header = f"def run(cols, st, *, {', '.join(f'{n}={n}' for n in names)}):"
    source = "\n".join([header] + gen.memo_init + lines)
    exec(compile(source, "<rule-sql>", "exec"), gen.ns)  # noqa: S102 - our own code
    return gen.ns["run"]
