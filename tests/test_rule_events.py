"""FROM matching: topic filters and event topics.

Sources: emqx/emqx:apps/emqx/src/emqx_topic.erl (match/2: wildcards never match a `$` first
level, `t/#` matches `t`) and apps/emqx_rule_engine/src/emqx_rule_events.erl
(event_topics_enum/0, match_event_names/1, eventmsg_connected/2: event rows carry no payload
or topic unless the event defines them).
"""
import pytest

from emqx_rules import compile_rule, evaluate

CONNECTED = {"event": "client.connected", "clientid": "MM001", "username": "MM001",
             "peername": "10.0.0.7:51234", "sockname": "10.0.0.1:1883", "proto_name": "MQTT",
             "proto_ver": 5, "keepalive": 60, "clean_start": True, "connected_at": 1700000000000,
             "timestamp": 1700000000001, "node": "emqx@10.0.0.1"}
DISCONNECTED = {"event": "client.disconnected", "clientid": "MM001", "username": "MM001",
                "reason": "keepalive_timeout", "peername": "10.0.0.7:51234",
                "disconnected_at": 1700000005000, "connected_at": 1700000000000,
                "timestamp": 1700000005001, "node": "emqx@10.0.0.1"}


def publish(topic):
    return {"event": "message.publish", "topic": topic, "payload": "{}", "clientid": "c"}


TOPIC_VECTORS = [
    ("t/#", "t", True),
    ("t/#", "t/a/b", True),
    ("t/+", "t/a", True),
    ("t/+", "t/a/b", False),
    ("t/+/c", "t//c", True),
    ("#", "$SYS/broker", False),
    ("+/broker", "$SYS/broker", False),
    ("$SYS/#", "$SYS/broker", True),
    ("dairy/+/+/+/data", "dairy/f1/milk_meters/MM001/data", True),
    ("dairy/+/+/+/data", "dairy/f1/milk_meters/MM001/status", False),
    ("dairy/+/+/+/data", "dairy/f1/milk_meters/data", False),
    ("a/b", "a/b", True),
    ("a/b", "a/b/", False),
]


@pytest.mark.parametrize("flt,topic,matches", TOPIC_VECTORS)
def test_topic_filter(flt, topic, matches):
    """A publish reaches the rule exactly when its topic matches a FROM filter."""
    out = evaluate(f'SELECT topic FROM "{flt}"', publish(topic))
    assert out == ([{"topic": topic}] if matches else [])


@pytest.mark.parametrize("source", [
    "$events/client_connected", "$events/client/connected", "$events/client/+",
    "$events/#",
])
def test_connected_event_names(source):
    """Legacy and new event topic names, and wildcards over them, all select the event."""
    assert evaluate(f'SELECT clientid FROM "{source}"', CONNECTED) == [{"clientid": "MM001"}]


@pytest.mark.parametrize("source", [
    "$events/client_disconnected", "$events/session_subscribed", "$events/message_publish",
    "t/#", "#",
])
def test_other_sources_ignore_connected(source):
    """A connected event does not fire rules on other events or on topic filters."""
    assert evaluate(f'SELECT clientid FROM "{source}"', CONNECTED) == []


def test_multiple_from_topics():
    """Several FROM entries: the rule fires for any of them."""
    sql = ('SELECT event, clientid FROM "$events/client_connected", '
           '"$events/client_disconnected", "dairy/#"')
    assert evaluate(sql, CONNECTED) == [{"event": "client.connected", "clientid": "MM001"}]
    assert evaluate(sql, DISCONNECTED) == [{"event": "client.disconnected",
                                            "clientid": "MM001"}]
    assert evaluate(sql, publish("dairy/x"))[0]["event"] == "message.publish"
    assert evaluate(sql, publish("other/x")) == []


def test_event_row_has_no_topic_or_payload():
    """Columns the event does not define render as "undefined", as do reason on connect."""
    sql = ('SELECT topic, payload, reason, coalesce(disconnected_at, connected_at) AS at '
           'FROM "$events/client_connected"')
    assert evaluate(sql, CONNECTED) == [{"topic": "undefined", "payload": "undefined",
                                         "reason": "undefined", "at": 1700000000000}]


def test_presence_envelope_shape():
    """The presence rule pattern yields the envelope with peerhost cut from peername."""
    sql = ("SELECT event, clientid, username, regex_replace(peername, ':[0-9]+$', '') AS "
           "peerhost, coalesce(disconnected_at, connected_at) AS at, reason, node "
           'FROM "$events/client_connected", "$events/client_disconnected"')
    assert evaluate(sql, DISCONNECTED) == [{
        "event": "client.disconnected", "clientid": "MM001", "username": "MM001",
        "peerhost": "10.0.0.7", "at": 1700000005000, "reason": "keepalive_timeout",
        "node": "emqx@10.0.0.1"}]


def test_from_topics_exposed_for_lint():
    """compile_rule(sql).from_topics lists the FROM entries as written (quotes removed)."""
    rule = compile_rule("SELECT 1 AS x FROM \"a/#\", 'b/+', c")
    assert rule.from_topics == ["a/#", "b/+", "c"]


def test_event_defaults_to_publish():
    """A context without `event` is treated as a message.publish."""
    assert evaluate('SELECT qos FROM "t/#"', {"topic": "t/1", "qos": 2}) == [{"qos": 2}]


def test_metadata_rule_id():
    """metadata gets rule_id and namespace as the runtime adds them (add_metadata/2)."""
    out = evaluate('SELECT metadata FROM "t/#"', publish("t/1"), rule_id="telemetry")
    assert out == [{"metadata": {"rule_id": "telemetry", "namespace": "global"}}]
    out = evaluate('SELECT metadata.rule_id AS r FROM "t/#"', publish("t/1"), namespace=None)
    assert out == [{"r": "undefined"}]


def test_atom_columns_behave_as_atoms():
    """event/node/reason are atoms (emqx_rule_events.erl): `=` text, but not IN strings."""
    sql = ("SELECT event = 'client.disconnected' AS eq, is_str(event) AS s, "
           "CASE WHEN reason IN ('keepalive_timeout') THEN 'in' ELSE 'out' END AS member, "
           "CASE event WHEN 'client.disconnected' THEN 'y' ELSE 'n' END AS switch, "
           "upper(reason) AS up, sprintf('~p|~s', event, node) AS fmt "
           'FROM "$events/client_disconnected"')
    assert evaluate(sql, DISCONNECTED) == [{
        "eq": True, "s": False, "member": "out", "switch": "n", "up": "KEEPALIVE_TIMEOUT",
        "fmt": "'client.disconnected'|emqx@10.0.0.1"}]


def test_atom_columns_render_as_strings():
    """Atoms are written as JSON strings, so SELECT * shows them as given."""
    out = evaluate('SELECT * FROM "$events/client_disconnected"', DISCONNECTED)
    assert out == [dict(DISCONNECTED, metadata={"namespace": "global"})]


def test_binary_payload_reaches_binary_functions():
    """A non-UTF-8 payload is a binary: binary functions read it, writing it out is refused."""
    from emqx_rules import NotRepresentable
    ctx = {"topic": "t/1", "payload": b"\xff\x01"}
    assert evaluate('SELECT bin2hexstr(payload) AS h FROM "t/#"', ctx) == [{"h": "FF01"}]
    with pytest.raises(NotRepresentable):
        evaluate('SELECT payload FROM "t/#"', ctx)


def test_bytes_payload_is_read_as_utf8():
    """A payload given as bytes (as recorded from MQTT) is the same binary to EMQX."""
    out = evaluate('SELECT payload.a AS a, payload AS p FROM "t/#"',
                   {"topic": "t/1", "payload": b'{"a": "\xc3\xa9"}'})
    assert out == [{"a": "\u00e9", "p": '{"a": "\u00e9"}'}]


def test_event_topic_is_also_a_publish_filter():
    """A publish on `$events/...` reaches the rule (emqx_rule_engine:do_update_rule_index/1)."""
    sql = 'SELECT topic FROM "$events/client_connected"'
    assert evaluate(sql, publish("$events/client_connected")) == [
        {"topic": "$events/client_connected"}]
    assert evaluate(sql, publish("$events/other")) == []
