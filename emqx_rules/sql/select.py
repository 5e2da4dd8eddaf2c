"""SELECT, FOREACH, DO and INCASE evaluation (emqx_rule_runtime:select_and_transform/3,
select_and_collect/2, filter_collection/4).

Fields are evaluated left to right against (selected-so-far, columns), so later fields and
WHERE see earlier aliases. Each result is stored under its alias or alias/2 key even when
it is undefined. Before storing under a `payload.x` path, a payload still held as a string in
the selected map is JSON-decoded (ensure_decoded_payload/2), which is why `SELECT *, payload.a`
outputs the whole decoded payload.

compile_fields/run_fields are the step-by-step reference interpreter of SELECT fields; rules
run the equivalent generated code from codegen.py (faster), and a property test keeps the two
in agreement. FOREACH's own clause is compiled here (compile_collect).
"""
from . import maps
from .aliases import alias_for
from .compiler import Scope, compile_expr
from .errors import RuleRuntimeError
from .values import PAYLOAD_ATOM


def _ensure_decoded(alias, target, st):
    if alias[0] != "path":
        return target
    head = alias[1][0][1]
    if head is PAYLOAD_ATOM and PAYLOAD_ATOM in target:
        key = PAYLOAD_ATOM
    elif type(head) is str and head == "payload" and "payload" in target:
        key = "payload"
    else:
        return target
    new = dict(target)
    new[key] = st.decode_payload(target[key])
    return new


def put(alias, value, target, st):
    """nested_put/3 with the payload pre-decoding; mutates `target` only for plain keys."""
    if alias[0] == "var" and alias[1] != "payload":
        target[alias[1]] = value
        return target
    return maps.nested_put(alias, value, _ensure_decoded(alias, target, st))


def _field_key(field):
    """Static alias when known at compile time, else a function of (columns) -> alias."""
    if field[0] == "path" or (field[0] == "get_range" and field[2][0] == "path"):
        with_atom, plain = alias_for(field, True), alias_for(field, False)
        return lambda cols: with_atom if PAYLOAD_ATOM in cols else plain
    key = alias_for(field, False)
    if callable(key):
        return lambda cols: key()
    return lambda cols: key


def _head(alias):
    if alias[0] == "var":
        return alias[1]
    head = alias[1][0]
    return head[1] if head[0] == "key" and type(head[1]) is str else None


def compile_fields(fields):
    """[step(action, columns, st) -> action] for SELECT/DO fields."""
    steps, known = [], set()
    for field in fields:
        if field == "*":
            steps.append(lambda action, cols, st: {**action, **cols})
            known = None
            continue
        scope = Scope("list", None if known is None else frozenset(known))
        if field[0] == "as":
            alias = field[2]
            steps.append(_as_step(compile_expr(field[1], scope), alias))
        else:
            alias = None
            steps.append(_key_step(compile_expr(field, scope), _field_key(field)))
        if known is not None:
            head = _head(alias) if alias is not None else _head_of_field(field)
            if head is None:
                known = None
            else:
                known.add(head)
    return steps


def _head_of_field(field):
    if field[0] in ("var", "path"):
        return _head(field)
    if field[0] == "const" and type(field[1]) is str:
        return field[1]
    if field[0] == "get_range":
        return _head(field[2])
    return "\0ephemeral"


def _as_step(expr, alias):
    if alias[0] == "var" and alias[1] != "payload":
        name = alias[1]

        def step(action, cols, st):
            action[name] = expr((action, cols), st)
            return action
        return step

    def step_put(action, cols, st):
        return put(alias, expr((action, cols), st), action, st)
    return step_put


def _key_step(expr, key_of):
    def step(action, cols, st):
        value = expr((action, cols), st)
        return put(key_of(cols), value, action, st)
    return step


def run_fields(steps, cols, st):
    action = {}
    for step in steps:
        action = step(action, cols, st)
    return action


def compile_collect(fields):
    """select_and_collect/2: returns run(cols, st) -> (selected, (item_key, items))."""
    plan = []
    for i, field in enumerate(fields):
        if field == "*":
            raise_star = RuleRuntimeError("FOREACH * has no runtime clause in EMQX")
            plan.append(("star", raise_star, None, None))
            continue
        scope = Scope("list", None)
        last = i == len(fields) - 1
        if field[0] == "as":
            inner, alias = field[1], field[2]
            item_key = alias[1] if alias[0] == "var" else ("\0path", repr(alias[1]))
            plan.append(("as", compile_expr(inner, scope), alias, (last, item_key, inner)))
        else:
            plan.append(("key", compile_expr(field, scope), _field_key(field), (last, "item", field)))

    def run(cols, st):
        action, collection = {}, ("item", [])
        for kind, expr, alias, (last, item_key, inner) in plan:
            if kind == "star":
                raise expr
            value = expr((action, cols), st)
            key = alias if kind == "as" else alias(cols)
            action = put(key, value, action, st)
            if last:
                collection = (item_key, _ensure_list(inner, value, st))
            elif kind == "as":
                cols = maps.nested_put(alias, value, _ensure_decoded(alias, cols, st))
        return action, collection
    return run


def _ensure_list(field, value, st):
    if field == ("var", "payload"):
        value = st.decode_payload(value)
    return value if type(value) is list else []
