"""``sdiot rules test --live``: the same cases through a broker's ``POST /api/v5/rule_test``.

The broker is the authority the offline evaluator imitates; this reports every case where they
disagree. ``rule_test`` takes the context with ``event_type`` (the event name with '.' -> '_') and
only the columns its schema lists per event (emqx/emqx apps/emqx_rule_engine/src/
emqx_rule_api_schema.erl, ``ctx_pub`` / ``ctx_connected`` / ``ctx_disconnected``). It answers 200
with the output, 412 NOT_MATCH, or 400 for a parse or runtime error. Its tester fills columns it
is not given with example values, so a case relying on a missing column (undefined username) can
disagree for that reason alone: the report shows the field.
"""
from dataclasses import dataclass

from emqx_rules import case_runner

_CONTEXT_FIELDS = {
    "message.publish": ("id", "clientid", "username", "payload", "peerhost", "topic",
                        "publish_received_at", "qos"),
    "client.connected": ("clientid", "username", "mountpoint", "peername", "sockname", "proto_name",
                         "proto_ver", "keepalive", "clean_start", "expiry_interval", "is_bridge",
                         "connected_at"),
    "client.disconnected": ("clientid", "username", "reason", "peername", "sockname", "disconnected_at"),
}


@dataclass(frozen=True)
class Disagreement:
    rule_id: str
    case: str
    offline: object
    live: object


def rule_test_context(context):
    """The /rule_test request context for an EMQX column map."""
    event = context.get("event", "message.publish")
    fields = _CONTEXT_FIELDS.get(event, tuple(context))
    ctx = {k: context[k] for k in fields if k in context}
    if "proto_ver" in ctx:
        ctx["proto_ver"] = str(ctx["proto_ver"])  # the schema types it binary(), the event an integer
    ctx["event_type"] = event.replace(".", "_")
    return ctx


def _offline(rule, context):
    from emqx_rules import RuleError, evaluate

    try:
        return evaluate(rule.emqx_sql, context)
    except RuleError as exc:
        return f"error: {type(exc).__name__}"


def _live(api, rule, context):
    verdict, output = api.rule_test(rule.emqx_sql, rule_test_context(context))
    if verdict == "match":
        return output if isinstance(output, list) else [output]
    return [] if verdict == "nomatch" else "error: rule_test 400"


def _agree(offline, live):
    if isinstance(offline, str) or isinstance(live, str):
        return isinstance(offline, str) and isinstance(live, str)
    return case_runner.same(offline, live)


def compare(api, ruleset, case_files):
    """Disagreements between the offline evaluator and the broker over every case file."""
    out = []
    for rule in ruleset.rules.values():
        for path in case_files(rule.id):
            context = case_runner.load_case(path)["context"]
            offline, live = _offline(rule, context), _live(api, rule, context)
            if not _agree(offline, live):
                out.append(Disagreement(rule.id, path.stem, offline, live))
    return out
