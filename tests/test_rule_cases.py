"""Every rule case file (emqx_rules/cases/<rule_id>/*.json) against the offline evaluator.

Contexts are EMQX's event columns (emqx/emqx apps/emqx_rule_engine/src/emqx_rule_events.erl:
eventmsg_publish, eventmsg_connected, eventmsg_disconnected); bodies are the ingest envelope of
webhooks/envelope.py, which run_case checks key for key.
"""
import json
import re

import pytest

from emqx_rules import case_runner, loader
from webhooks.envelope import MESSAGE_FIELDS, PRESENCE_FIELDS

RULESET = loader.load()
CASES = [(rule, path) for rule in RULESET.rules.values() for path in loader.case_files(rule.id)]


@pytest.mark.parametrize("rule,path", CASES, ids=[f"{r.id}/{p.stem}" for r, p in CASES])
def test_case(rule, path):
    """The rule's output on the case's context is exactly the expected POST bodies (or error)."""
    result = case_runner.run_case(rule, path)
    assert result.ok, result.detail


# emqx_rule_events.erl (5.8.9 and 6.x): the columns each event always has (username may be undefined,
# i.e. absent; mountpoint is undefined unless a listener sets one).
EVENT_COLUMNS = {
    "message.publish": {"id", "clientid", "payload", "peerhost", "peername", "topic", "qos", "flags",
                        "pub_props", "publish_received_at", "client_attrs", "timestamp", "node", "event"},
    "client.connected": {"clientid", "peername", "sockname", "proto_name", "proto_ver", "keepalive",
                         "clean_start", "receive_maximum", "expiry_interval", "is_bridge", "conn_props",
                         "connected_at", "client_attrs", "timestamp", "node", "event"},
    "client.disconnected": {"reason", "clientid", "peername", "sockname", "proto_name", "proto_ver",
                            "disconn_props", "disconnected_at", "connected_at", "client_attrs", "timestamp",
                            "node", "event"},
}
OPTIONAL = {"username", "mountpoint"}


@pytest.mark.parametrize("rule,path", CASES, ids=[f"{r.id}/{p.stem}" for r, p in CASES])
def test_case_context_has_emqx_columns(rule, path):
    """Each context holds exactly the columns EMQX builds for its event, with EMQX's types."""
    ctx = json.loads(path.read_text())["context"]
    required = EVENT_COLUMNS[ctx["event"]]
    assert required <= set(ctx) <= required | OPTIONAL
    if ctx["event"] == "message.publish":
        assert re.fullmatch(r"[0-9A-F]{32}", ctx["id"]) and isinstance(ctx["payload"], str)
        assert ctx["qos"] in (0, 1, 2) and isinstance(ctx["publish_received_at"], int)


def test_every_rule_has_cases_and_every_case_folder_a_rule():
    """No rule ships untested, and no case folder tests a rule that no longer exists."""
    folders = {p.name for p in loader.CASES_DIR.iterdir() if p.is_dir()}
    assert folders == set(RULESET.rules)
    assert all(loader.case_files(rule_id) for rule_id in RULESET.rules)


def test_envelope_names_come_from_the_webhooks_module():
    """Presence rules are held to PRESENCE_FIELDS and the others to MESSAGE_FIELDS."""
    assert case_runner.envelope_fields(RULESET.rules["presence"]) == PRESENCE_FIELDS
    for rule_id in ("telemetry", "status", "alerts", "cold_chain"):
        assert case_runner.envelope_fields(RULESET.rules[rule_id]) == MESSAGE_FIELDS


def test_runner_fails_on_a_wrong_expectation(tmp_path):
    """A case whose expectation differs from the rule's output fails (the runner can fail)."""
    good = loader.case_files("telemetry")[0]
    bad = tmp_path / "bad.json"
    bad.write_text(good.read_text().replace('"farm001"', '"farm999"'))
    assert not case_runner.run_case(RULESET.rules["telemetry"], bad).ok


@pytest.mark.parametrize("expected,actual,equal", [
    (4.0, 4, False), (4, 4, True), (True, 1, False), ({"$json": {"a": 1}}, '{"a":1}', True),
    ({"$json": {"a": 1}}, {"a": 1}, False), ({"$json": {"a": 1.0}}, '{"a":1}', False),
])
def test_same_is_type_strict(expected, actual, equal):
    """Case comparison keeps EMQX's integer/float distinction and decodes only {"$json": ...}."""
    assert case_runner.same(expected, actual) is equal
