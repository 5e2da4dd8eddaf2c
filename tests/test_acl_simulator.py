"""EMQX's authz matching as webhooks/auth_db/acl.py reproduces it.

Semantics from emqx/emqx: apps/emqx_auth/src/emqx_authz/emqx_authz_rule.erl (first match wins,
placeholders, ``eq``), emqx_authz_rule_raw.erl (row parsing, qos/retain forms),
apps/emqx/src/emqx_topic.erl ``match/2`` (+ and #, filter against filter).
"""
import pytest

from webhooks.auth_db import acl

CLIENT = {"username": "MM001", "clientid": "MM001"}


def row(permission, action, topic, qos=None, retain=None):
    return {"permission": permission, "action": action, "topic": topic, "qos": qos, "retain": retain}


@pytest.mark.parametrize("name, filt, expected", [
    ("a/b/c", "a/b/c", True),
    ("a/b/c", "a/+/c", True),
    ("a/b/c", "a/#", True),
    ("a", "a/#", True),  # '#' also matches the parent level
    ("a/b/c", "#", True),
    ("$SYS/x", "#", False),  # since EMQX 5.8.4 (12fe8e22a5) the '$' rule holds on word lists too
    ("a/b/c", "a/+", False),
    ("a/b", "a/b/c", False),
    ("a/+", "a/#", True),  # subscription filter inside a broader rule filter
    ("a/+", "a/+", True),
    # EMQX quirk, reproduced: the '+' clause takes any word, '#' included, so rule a/+ lets a
    # client subscribe to a/#. The ACL rows never end in '+' for that reason.
    ("a/#", "a/+", True),
    ("a/#/x", "a/+", False),
    ("+/b", "a/b", False),
    ("#", "a/b", False),
    ("a//b", "a/+/b", True),  # an empty level is a level
])
def test_topic_match(name, filt, expected):
    """emqx_topic:match/2 on word lists."""
    assert acl.topic_match(name.split("/"), filt.split("/")) is expected


def test_first_matching_row_wins():
    """Rows are tried in order; the first match decides even if a later one says otherwise."""
    rows = [row("deny", "publish", "a/secret"), row("allow", "publish", "a/#")]
    assert acl.decide(rows, CLIENT, "publish", "a/secret").decision == "deny"
    d = acl.decide(rows, CLIENT, "publish", "a/open")
    assert (d.decision, d.index) == ("allow", 1)


def test_no_match_falls_through_to_setting():
    """No matching row: authorization.no_match decides, and no row is reported."""
    d = acl.decide([row("allow", "publish", "a/b")], CLIENT, "publish", "x/y", no_match="deny")
    assert (d.decision, d.reason, d.rule) == ("deny", "no_match", None)
    assert acl.decide([], CLIENT, "publish", "x/y", no_match="allow").decision == "allow"


def test_placeholders_render_from_the_client():
    """${username} and ${clientid} are rendered per client; a missing value means no match."""
    rows = [row("allow", "publish", "d/${username}/data"), row("allow", "subscribe", "c/${clientid}")]
    assert acl.decide(rows, CLIENT, "publish", "d/MM001/data").decision == "allow"
    assert acl.decide(rows, CLIENT, "publish", "d/MM002/data").decision == "deny"
    assert acl.decide(rows, CLIENT, "subscribe", "c/MM001").decision == "allow"
    assert acl.decide(rows, {"clientid": "MM001"}, "publish", "d/MM001/data").decision == "deny"


def test_eq_is_literal():
    """`eq` topics match only the identical string: no wildcards, no placeholders."""
    rows = [row("deny", "subscribe", "eq #"), row("allow", "subscribe", "eq a/${username}")]
    assert acl.decide(rows, CLIENT, "subscribe", "#").index == 0
    assert acl.decide(rows, CLIENT, "subscribe", "a/b").decision == "deny"  # not caught by eq #
    assert acl.decide(rows, CLIENT, "subscribe", "a/b").reason == "no_match"
    assert acl.decide(rows, CLIENT, "subscribe", "a/${username}").decision == "allow"
    assert acl.decide(rows, CLIENT, "subscribe", "a/MM001").decision == "deny"


@pytest.mark.parametrize("action_value, action, expected", [
    ("publish", "publish", "allow"), ("pub", "publish", "allow"), ("subscribe", "publish", "deny"),
    ("sub", "subscribe", "allow"), ("all", "subscribe", "allow"), ("all", "publish", "allow"),
])
def test_action_forms(action_value, action, expected):
    """pub/publish, sub/subscribe and all, as emqx_authz_rule_raw accepts them."""
    assert acl.decide([row("allow", action_value, "t")], CLIENT, action, "t").decision == expected


@pytest.mark.parametrize("qos_value, qos, expected", [
    (None, 2, "allow"), (1, 1, "allow"), (1, 2, "deny"), ("0,1", 1, "allow"), ("0,1", 2, "deny"),
    ([2], 2, "allow"),
])
def test_qos_forms(qos_value, qos, expected):
    """qos: NULL = any, an int, a '0,1' string or a list."""
    assert acl.decide([row("allow", "publish", "t", qos=qos_value)], CLIENT, "publish", "t", qos=qos).decision == expected


@pytest.mark.parametrize("retain_value, retain, expected", [
    (None, True, "allow"), ("all", False, "allow"), (True, True, "allow"), (True, False, "deny"),
    ("0", True, "deny"), ("false", False, "allow"), (1, True, "allow"),
])
def test_retain_forms(retain_value, retain, expected):
    """retain applies to publish only: NULL/'all' = any, else booleans in EMQX's spellings."""
    rows = [row("allow", "publish", "t", retain=retain_value)]
    assert acl.decide(rows, CLIENT, "publish", "t", retain=retain).decision == expected


def test_retain_does_not_constrain_subscribe():
    """A retain condition on an `all` row does not stop a subscription."""
    assert acl.decide([row("allow", "all", "t", retain=True)], CLIENT, "subscribe", "t").decision == "allow"


@pytest.mark.parametrize("bad", [
    row("maybe", "publish", "t"), row("allow", "read", "t"), row("allow", "publish", None),
    row("allow", "publish", "t", qos=3), row("allow", "publish", "t", qos="0,5"), row("allow", "publish", "t", retain="yes"),
])
def test_invalid_rows_are_skipped(bad):
    """A row EMQX cannot parse is skipped, and the next row decides."""
    d = acl.decide([bad, row("deny", "all", "t")], CLIENT, "publish", "t")
    assert (d.decision, d.index) == ("deny", 1)


def test_superuser_skips_rules():
    """A superuser is allowed before any row is looked at."""
    d = acl.decide([row("deny", "all", "#")], CLIENT, "publish", "t", superuser=True)
    assert (d.decision, d.reason) == ("allow", "superuser")


@pytest.mark.parametrize("action, topic, expected", [
    ("subscribe", "$share/g1/d/MM001/cmd", "allow"),  # shared: the real topic is authorized
    ("subscribe", "$queue/d/MM001/cmd", "allow"),
    ("subscribe", "$exclusive/d/MM001/cmd", "allow"),
    ("subscribe", "$share/g1", "deny"),  # malformed: EMQX refuses it before authz
    ("subscribe", "$share/g1/d/MM002/cmd", "deny"),
    ("publish", "$delayed/10/d/MM001/data", "allow"),
    ("publish", "$delayed/10", "deny"),  # malformed: EMQX denies
    ("publish", "$share/g1/d/MM001/data", "deny"),  # $share means nothing for a publish
])
def test_shared_and_delayed_topics(action, topic, expected):
    """EMQX authorizes the real topic of $share/$queue subscriptions and $delayed publishes."""
    rows = [row("allow", "subscribe", "d/${username}/cmd"), row("allow", "publish", "d/${username}/data")]
    assert acl.decide(rows, CLIENT, action, topic).decision == expected
