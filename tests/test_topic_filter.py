"""Topic matching, validation and parsing as EMQX does it, and the callers that share it.

Source: emqx/emqx@v5.8.9 apps/emqx/src/emqx_topic.erl (match/2, match_words/2, match_tokens/2,
validate/2, validate2/1, validate3/1, validate_share/1,2, parse/2) and the error atoms of
apps/emqx/include/emqx_mqtt.hrl.
"""
import itertools

import pytest

from emqx_rules import evaluate, replay, topic_filter
from emqx_rules.topic_filter import InvalidTopic, Subscription

MATCH = [
    ("a/b/c", "a/b/c", True),
    ("a/b/c", "a/b", False),
    ("a/b", "a/b/c", False),
    ("a/b", "a/b/", False),
    ("a/+", "a/b", True),
    ("a/+", "a/", True),  # '+' takes an empty level
    ("a/+", "a", False),
    ("a/+", "a/b/c", False),
    ("a/+/c", "a//c", True),
    ("+", "", True),
    ("+/+", "/", True),
    ("a/#", "a", True),  # '#' takes nothing too: the parent level
    ("a/#", "a/", True),
    ("a/#", "a/b/c", True),
    ("a/#", "ab", False),
    ("a/+/#", "a", False),
    ("a/+/#", "a/b", True),
    ("#", "a/b/c", True),
    ("#", "", True),
    ("#", "/", True),
    ("#", "$SYS/brokers", False),  # no wildcard first level matches a '$' first level
    ("+/x", "$x/x", False),
    ("+/#", "$SYS/brokers", False),
    ("$SYS/#", "$SYS/brokers/n1/uptime", True),
    ("$SYS/+/n1/uptime", "$SYS/brokers/n1/uptime", True),
    ("$events/+", "$events/client_connected", True),
    ("a/+/x", "a/$b/x", True),  # the '$' rule is only about the first level
    ("+a/b", "$a/b", False),
    ("a+", "a+", True),  # an invalid filter is matched word by word: '+' inside a word is a letter
    ("a+", "ab", False),
    ("a/#/b", "a/#/b", True),  # a non-final '#' equals only itself
    ("a/#/b", "a/x/b", False),
    ("a/#/b", "a/x", False),
    ("a.b/(c)", "a.b/(c)", True),
    ("a.b", "axb", False),
    ("dairy/+/+/+/data", "dairy/farm1/milk_meters/MM001/data", True),
    ("dairy/+/+/+/data", "dairy/farm1/milk_meters/MM001/status", False),
]

# A subscription filter matched as the name, the way authz matches it against a rule's filter.
MATCH_FILTERS = [
    ("a/+", "a/#", True),
    ("a/#", "a/#", True),
    ("a/+", "a/+", True),
    ("a/b/#", "a/#", True),
    ("a/#", "a/+", True),  # the '+' clause takes any word, '#' too
    ("a/#", "a/+/#", True),
    ("a/#/x", "a/+", False),
    ("a/#/x", "a/#", False),  # the equal-word clause consumes '#' before the final-'#' one
    ("#/x", "#", False),
    ("#", "#", True),
    ("+/b", "a/b", False),
    ("#", "a/b", False),
    ("$SYS/#", "#", False),
    ("$SYS/#", "$SYS/#", True),
]


@pytest.mark.parametrize("flt, topic, expected", MATCH + [(f, n, e) for n, f, e in MATCH_FILTERS])
def test_match(flt, topic, expected):
    """emqx_topic:match(Topic, Filter)."""
    assert topic_filter.match(topic, flt) is expected
    assert topic_filter.matcher(flt)(topic) is expected


def _match_tokens(name, flt):
    """emqx_topic.erl match_words/2 and match_tokens/2 clause by clause: the reference."""
    if name and flt and name[0][:1] == "$" and flt[0] in ("+", "#"):
        return False

    def tokens(n, f):
        if not n and not f:
            return True
        if n and f and n[0] == f[0]:
            return tokens(n[1:], f[1:])
        if n and f and f[0] == "+":
            return tokens(n[1:], f[1:])
        return f == ["#"]
    return tokens(name, flt)


WORDS = ["a", "", "+", "#", "$s"]


def _topics(most_levels):
    for n in range(1, most_levels + 1):
        for ws in itertools.product(WORDS, repeat=n):
            yield "/".join(ws)


def test_matcher_agrees_with_the_erlang_clauses():
    """Every filter and name of up to three levels over a, '', +, #, $s: the compiled matcher
    gives what match_tokens/2 gives, taken clause by clause."""
    names = list(_topics(3))
    for flt in _topics(3):
        m = topic_filter.matcher(flt)
        for name in names:
            assert m(name) is _match_tokens(name.split("/"), flt.split("/")), (flt, name)


@pytest.mark.parametrize("topic, kind, reason", [
    ("a/b", "filter", None),
    ("a/+/#", "filter", None),
    ("#", "filter", None),
    ("+", "filter", None),
    ("/", "filter", None),
    ("a//b", "name", None),
    ("$SYS/brokers", "name", None),
    ("", "filter", "empty_topic"),
    ("", "name", "empty_topic"),
    ("a/#/b", "filter", "topic_invalid_#"),
    ("#/a", "filter", "topic_invalid_#"),
    ("a/#/b", "name", "topic_invalid_#"),
    ("a+", "filter", "topic_invalid_char"),
    ("a/b#", "filter", "topic_invalid_char"),
    ("a/b+/#/c", "filter", "topic_invalid_char"),  # left to right: the first fault is raised
    ("a/\0", "filter", "topic_invalid_char"),
    ("a\0b", "name", "topic_invalid_char"),
    ("a\ud800", "name", "topic_invalid_char"),  # not UTF-8
    ("a/+", "name", "topic_name_error"),
    ("a/#", "name", "topic_name_error"),
    ("x" * 65535, "name", None),
    ("x" * 65536, "name", "topic_too_long"),
    ("é" * 32768, "filter", "topic_too_long"),  # the limit is in bytes
    ("$share/g/a/+", "filter", None),
    ("$share/g/a/+", "name", "topic_name_error"),
    ("$share/", "filter", "share_subscription_topic_cannot_be_empty"),
    ("$share//", "filter", "share_subscription_topic_cannot_be_empty"),
    ("$share/g/", "filter", "share_subscription_topic_cannot_be_empty"),
    ("$share//a", "filter", "share_subscription_group_name_cannot_be_empty"),
    ("$share/g", "filter", "invalid_topic_filter"),
    ("$share/g+/a", "filter", "share_subscription_group_name_cannot_include_wildcard"),
    ("$share/g/$share/h/a", "filter", "$share_cannot_be_used_as_real_topic_filter"),
    ("$share/g/a/#/b", "filter", "topic_invalid_#"),
    ("$queue/a/#", "filter", None),
])
def test_validate(topic, kind, reason):
    """emqx_topic:validate(Kind, Topic): None when valid, else InvalidTopic with EMQX's reason."""
    if reason is None:
        assert topic_filter.validate(topic, kind) is None
    else:
        with pytest.raises(InvalidTopic) as err:
            topic_filter.validate(topic, kind)
        assert err.value.reason == reason and err.value.topic == topic


@pytest.mark.parametrize("flt, parsed", [
    ("a/#", Subscription("a/#")),
    ("$share/g1/a/+", Subscription("a/+", "g1")),
    ("$share/g1/$SYS/#", Subscription("$SYS/#", "g1")),
    ("$share//a", Subscription("a", "")),  # parse lets it through; validate refuses it
    ("$queue/a/b", Subscription("a/b", "$queue")),
    ("$exclusive/a/b", Subscription("a/b", exclusive=True)),
    ("$share", Subscription("$share")),
    ("$queue", Subscription("$queue")),
    ("$sharex/a", Subscription("$sharex/a")),
    ("$share/g1/$exclusive/a", Subscription("$exclusive/a", "g1")),
])
def test_parse(flt, parsed):
    """emqx_topic:parse/1: the real filter, the share group ($queue/ is group $queue), exclusive."""
    assert topic_filter.parse(flt) == parsed


@pytest.mark.parametrize("flt", [
    "$share/g1", "$share/g+/a", "$share/g#/a", "$share/g/$share/h/a", "$share/g/$queue/a",
    "$queue/$share/g/a", "$queue/$queue/a", "$exclusive/",
])
def test_parse_refuses(flt):
    """parse/1 raises {invalid_topic_filter, _} for these."""
    with pytest.raises(InvalidTopic) as err:
        topic_filter.parse(flt)
    assert err.value.reason == "invalid_topic_filter"


def _publish(topic):
    return {"event": "message.publish", "topic": topic, "payload": "{}", "clientid": "c"}


def test_rule_sql_uses_the_shared_matcher():
    """FROM and =~ in the rule evaluator follow emqx_topic:match/2: `t/#` takes `t`, a filter's
    non-final '#' equals only itself (the old =~ said false for 'x/#/b' =~ 'x/#/b')."""
    assert evaluate('SELECT topic FROM "t/#"', _publish("t")) == [{"topic": "t"}]
    assert evaluate('SELECT topic FROM "+/x"', _publish("$x/x")) == []
    sql = "SELECT 'x/#/b' =~ 'x/#/b' AS same, 'x/y/b' =~ 'x/#/b' AS other FROM \"t\""
    assert evaluate(sql, _publish("t")) == [{"same": True, "other": False}]


def test_replay_uses_the_shared_matcher():
    """Replay picks rules with emqx_topic:match/2: a non-final '#' no longer takes the rest."""
    assert replay.topic_matches("dairy/#", "dairy") is True
    assert replay.topic_matches("a/#/b", "a/x") is False
    assert replay.topic_matches("a/#/b", "a/#/b") is True
