"""A compiled rule: FROM matching, then SELECT or FOREACH, then the JSON EMQX would send.

Parsing and compiling happen once per SQL text (`compile_rule` is cached); `evaluate` does only
the per-message work. The output is what the HTTP action's body decodes to: one dict for a
SELECT, one per emitted element for FOREACH, [] when FROM does not match or WHERE is false.
"""
import functools

from .codegen import compile_fields
from .compiler import Scope, compile_cond
from .errors import RuleRuntimeError
from .parser import parse
from .select import compile_collect
from .state import EvalState
from .topics import compile_sources
from .values import _SCALARS, PAYLOAD_ATOM, Atom, bin_value, to_output

_MAP = Scope("map")


class CompiledRule:
    """One rule SQL, ready to evaluate many messages."""

    def __init__(self, sql):
        stmt = parse(sql)
        self.sql = sql
        self.from_topics = list(stmt.from_)
        self.is_foreach = stmt.is_foreach
        self._matches = compile_sources(self.from_topics)
        # Columns the rule can observe: atoms and metadata are only prepared when they can be
        # seen (a name used anywhere, `*`, or FOREACH without DO, which outputs every column).
        every = stmt.is_foreach and not stmt.doeach or _has_star(stmt)
        names = _names([stmt.fields, stmt.doeach, stmt.incase, stmt.where])
        self._view = None if every else frozenset(names)
        self._where = compile_cond(stmt.where, _MAP) if stmt.where is not None else None
        if stmt.is_foreach:
            self._collect = compile_collect(stmt.fields)
            self._do = compile_fields(stmt.doeach) if stmt.doeach else None
            self._incase = compile_cond(stmt.incase, _MAP) if stmt.incase is not None else None
        else:
            self._fields = compile_fields(stmt.fields)

    def __repr__(self):
        return f"CompiledRule({self.sql!r})"

    def matches(self, context):
        return self._matches(context.get("event", "message.publish"), context.get("topic"))

    def evaluate(self, context, rule_id=None, namespace="global"):
        """The decoded JSON bodies EMQX would send for this event (see module docstring)."""
        if not self._matches(context.get("event", "message.publish"), context.get("topic")):
            return []
        cols = _columns(context, rule_id, namespace, self._view)
        st = EvalState()
        if not self.is_foreach:
            selected = self._fields(cols, st)
            if self._where is not None and not _where_true(self._where({**cols, **selected}, st)):
                return []
            if PAYLOAD_ATOM not in selected and _SCALARS.issuperset(map(type, selected.values())):
                return [selected]  # already its own JSON image (see values.to_output)
            return [_encode(selected)]
        selected, (item_key, items) = self._collect(cols, st)
        merged = {**cols, **selected}
        if self._where is not None and not _where_true(self._where(merged, st)):
            return []
        if type(item_key) is not str and self._do is None:
            # `FOREACH ... AS a.b` without DO: EMQX stores the element under a list key
            # that JSON cannot encode, so the action fails on every element.
            raise RuleRuntimeError("FOREACH with a path alias and no DO cannot be encoded")
        out = []
        for item in items:
            with_item = {**merged, item_key: item}
            if self._incase is not None:
                keep = self._incase(with_item, st)
                if keep is not True and keep is not False:
                    raise RuleRuntimeError(f"INCASE gave the non-boolean {keep!r}")
                if not keep:
                    continue
            out.append(_encode(self._do(with_item, st) if self._do else with_item))
        return out


def _where_true(result):
    if result is True:
        return True
    if result is False:
        return False
    raise RuleRuntimeError(f"WHERE gave the non-boolean {result!r}")


def _encode(value):
    try:
        return to_output(value)
    except ValueError as e:
        raise RuleRuntimeError(f"the output cannot be JSON-encoded: {e}") from None


_ABSENT = object()


def _names(node, out=None):
    """Every name a parse tree mentions as a variable or path key (an over-approximation of
    the columns a rule reads)."""
    out = set() if out is None else out
    if type(node) is tuple:
        if len(node) == 2 and node[0] in ("var", "key") and type(node[1]) is str:
            out.add(node[1])
        for part in node:
            _names(part, out)
    elif type(node) is list:
        for part in node:
            _names(part, out)
    return out


def _has_star(stmt):
    return "*" in stmt.fields or "*" in stmt.doeach


def _columns(context, rule_id, namespace, view=None):
    """The column map the runtime sees: payload under its atom key, metadata added and atom
    columns as atoms (only those in `view`, the names the rule can see, when given)."""
    cols = dict(context)
    payload = cols.pop("payload", _ABSENT)
    if payload is not _ABSENT:
        if type(payload) is bytes or type(payload) is bytearray:
            payload = bin_value(payload)  # text if UTF-8, else a binary value
        cols[PAYLOAD_ATOM] = payload
    if view is not None:
        if "metadata" in view:
            cols["metadata"] = _metadata_of(cols, rule_id, namespace)
        for key in _ATOM_COLUMNS.get(context.get("event"), _BASIC_ATOMS):
            if key in view:
                value = cols.get(key)
                if type(value) is str:
                    cols[key] = _ATOM_TABLE.get(value) or Atom(value)
        return cols
    cols["metadata"] = _metadata_of(cols, rule_id, namespace)
    for key in _ATOM_COLUMNS.get(context.get("event"), _BASIC_ATOMS):
        value = cols.get(key)
        if type(value) is str:
            cols[key] = _ATOM_TABLE.get(value) or Atom(value)
    return cols


def _metadata_of(cols, rule_id, namespace):
    meta = cols.get("metadata")
    if type(meta) is dict:
        meta = dict(meta)
        if rule_id is not None:
            meta["rule_id"] = rule_id
        if namespace is not None:
            meta["namespace"] = namespace
        return meta
    return _metadata(rule_id, namespace)


# Columns EMQX holds as atoms (emqx_rule_events: with_basic_columns/3, reason/1, ...). Given as
# strings in a context, they become atoms, so `event IN ('client.connected')` is false and
# is_str(event) too, exactly as on the broker.
_BASIC_ATOMS = ("event", "node")
_ATOM_TABLE = Atom._table
_ATOM_COLUMNS = {
    "client.disconnected": _BASIC_ATOMS + ("reason",),
    "client.connack": _BASIC_ATOMS + ("reason_code",),
    "client.check_authz_complete": _BASIC_ATOMS + ("action", "authz_source", "result"),
    "message.dropped": _BASIC_ATOMS + ("reason",),
    "delivery.dropped": _BASIC_ATOMS + ("reason",),
}


@functools.lru_cache(maxsize=256)
def _metadata(rule_id, namespace):
    # shared between evaluations: nothing mutates nested maps in place (maps.nested_put copies)
    meta = {}
    if rule_id is not None:
        meta["rule_id"] = rule_id
    if namespace is not None:
        meta["namespace"] = namespace
    return meta


@functools.lru_cache(maxsize=1024)
def compile_rule(sql):
    """Parse and compile once per SQL text."""
    return CompiledRule(sql)


def evaluate(sql, context, rule_id=None, namespace="global"):
    """What EMQX would send for `context`, the event's column map.

    `context["event"]` names the event (default 'message.publish'); `payload` is the raw
    payload (str, or bytes for binary payloads); any column absent is EMQX's `undefined`.
    The runtime adds `metadata` {rule_id, namespace} as EMQX does: `rule_id` when given,
    `namespace` "global" (6.x; pass namespace=None for 5.x, which has none).
    Raises RuleSyntaxError, RuleRuntimeError, UnsupportedFunction or NotRepresentable.
    """
    return compile_rule(sql).evaluate(context, rule_id=rule_id, namespace=namespace)
