"""MQTT topic names and filters as EMQX reads them: one matcher, one validator, one parser.

Used by the rule evaluator (FROM and ``=~``), ``sdiot rules replay`` and the ACL simulator
(webhooks/auth_db/acl.py). Ported from emqx/emqx@v5.8.9 ``apps/emqx/src/emqx_topic.erl`` (the
same in 6.x unless noted), function by function:

- ``match/2`` → ``match(name, filter)``; its helpers ``match_words/2`` and ``match_tokens/2`` →
  ``matcher(filter)``. ``+`` takes exactly one level, an empty one too; a final ``#`` takes the
  rest, nothing included (``a/#`` matches ``a``); neither matches a name whose first level
  starts with ``$`` when it is the filter's first level. The clauses run in order with no
  backtracking, which is why a name that itself holds ``+`` or ``#`` levels (a subscription
  filter, as authz matches one against a rule) gets the answers the tests spell out: the ``+``
  clause takes any word (name ``a/#`` matches filter ``a/+``); an equal word is consumed before
  the final-``#`` clause is tried (name ``a/#/x`` does not match filter ``a/#``); a non-final
  ``#`` in a filter is only equal to itself. Since 5.8.4 (commit 12fe8e22a5) the ``$`` rule
  applies to word lists as well, so authz rule ``#`` does not match ``$SYS/x`` either.
- ``validate/2`` with ``validate2/1``, ``validate3/1`` and ``validate_share/1,2`` →
  ``validate(topic, kind)``, raising InvalidTopic with the reason EMQX raises.
- ``parse/1,2`` → ``parse(filter)``: ``$share/<group>/<filter>``, ``$queue/<filter>`` (the
  ``$queue`` group) and ``$exclusive/<filter>``; ``get_shared_real_topic/1`` is its ``topic``.

The rule engine matches FROM through ``emqx_topic_index`` (``emqx_trie_search.erl``); it agrees
with ``match/2`` on every valid name, and EMQX accepts no other at PUBLISH (``emqx_packet:check``
calls ``validate(name, Topic)``).
"""
import functools
import re
from typing import NamedTuple

MAX_TOPIC_LEN = 65535  # bytes, ?MAX_TOPIC_LEN in apps/emqx/include/emqx_mqtt.hrl

# the error atoms of emqx_mqtt.hrl for shared subscriptions
SHARE_EMPTY_FILTER = "share_subscription_topic_cannot_be_empty"
SHARE_EMPTY_GROUP = "share_subscription_group_name_cannot_be_empty"
SHARE_RECURSIVELY = "$share_cannot_be_used_as_real_topic_filter"
SHARE_NAME_INVALID_CHAR = "share_subscription_group_name_cannot_include_wildcard"


class InvalidTopic(ValueError):
    """A topic EMQX refuses; ``reason`` is the error emqx_topic raises (``topic_invalid_#``...)."""

    def __init__(self, reason, topic):
        super().__init__(f"{reason}: {topic!r}")
        self.reason = reason
        self.topic = topic


class Subscription(NamedTuple):
    """A parsed subscription: the real topic filter, the share group if any, $exclusive."""
    topic: str
    group: str | None = None
    exclusive: bool = False


def match(name, flt):
    """``emqx_topic:match/2``: does topic ``name`` (or a filter matched as one) match ``flt``?"""
    return matcher(flt)(name)


@functools.lru_cache(maxsize=4096)
def matcher(flt):
    """A predicate ``name -> bool`` equal to ``match(name, flt)``, compiled once per filter."""
    levels = flt.split("/")
    tail = ""
    if levels[-1] == "#":
        levels.pop()
        # match_tokens(_, ['#']) comes after the equal-word clause: a rest starting with the
        # level '#' and going on would consume it and then fail, any other rest matches.
        tail = r"(?!#/).*" if not levels else r"(?:/(?!#/).*)?"
    body = "/".join("[^/]*" if w == "+" else re.escape(w) for w in levels)
    full = re.compile("(?s)" + body + tail).fullmatch
    if flt[:1] in ("+", "#"):
        return lambda name: name[:1] != "$" and full(name) is not None
    return lambda name: full(name) is not None


def validate(topic, kind="filter"):
    """``emqx_topic:validate(kind, topic)``: returns None, or raises InvalidTopic.

    ``kind`` is "filter" (SUBSCRIBE) or "name" (PUBLISH: no wildcards)."""
    if kind not in ("filter", "name"):
        raise ValueError("kind must be 'filter' or 'name'")
    if topic == "":
        raise InvalidTopic("empty_topic", topic)  # MQTT-5.0 [MQTT-4.7.3-1]
    try:
        size = len(topic.encode("utf-8"))
    except UnicodeEncodeError:
        # not UTF-8: validate3/1 has no clause for it (function_clause), which EMQX reports
        # as an invalid topic
        raise InvalidTopic("topic_invalid_char", topic) from None
    if size > MAX_TOPIC_LEN:
        raise InvalidTopic("topic_too_long", topic)  # MQTT-5.0 [MQTT-4.7.3-3]
    if kind == "filter" and topic.startswith("$share/"):
        _validate_share(topic)
        return
    levels = topic.split("/")
    _validate_levels(levels, topic)
    if kind == "name" and ("+" in levels or "#" in levels):
        raise InvalidTopic("topic_name_error", topic)


def _validate_levels(levels, topic):
    """``validate2/1`` and ``validate3/1``, left to right: the first fault is the one raised."""
    last = len(levels) - 1
    for i, w in enumerate(levels):
        if w == "#":
            if i != last:
                raise InvalidTopic("topic_invalid_#", topic)  # MQTT-5.0 [MQTT-4.7.1-1]
        elif w != "+" and ("#" in w or "+" in w or "\0" in w):
            raise InvalidTopic("topic_invalid_char", topic)


def _validate_share(topic):
    """``validate_share/1,2`` for ``$share/<group>/<filter>``."""
    rest = topic[len("$share/"):]
    if rest in ("", "/"):
        raise InvalidTopic(SHARE_EMPTY_FILTER, topic)
    group, slash, flt = rest.partition("/")
    if not slash:
        # EMQX's case over binary:split/2 has no clause for one part (case_clause)
        raise InvalidTopic("invalid_topic_filter", topic)
    if group == "":
        raise InvalidTopic(SHARE_EMPTY_GROUP, topic)
    if flt == "":
        raise InvalidTopic(SHARE_EMPTY_FILTER, topic)
    if flt.startswith("$share/"):
        raise InvalidTopic(SHARE_RECURSIVELY, topic)
    if "+" in group or "#" in group:
        raise InvalidTopic(SHARE_NAME_INVALID_CHAR, topic)  # MQTT-5.0 [MQTT-4.8.2-2]
    _validate_levels(flt.split("/"), topic)


def parse(flt):
    """``emqx_topic:parse/1``: the Subscription a SUBSCRIBE filter stands for.

    Raises InvalidTopic("invalid_topic_filter") where EMQX raises ``{invalid_topic_filter, _}``.
    (6.x can turn the ``$queue`` alias off; it is on by default, as 5.8 always has it.)"""
    if flt.startswith("$queue/"):
        return _shared("$queue", flt[len("$queue/"):], flt)
    if flt.startswith("$share/"):
        group, slash, real = flt[len("$share/"):].partition("/")
        if not slash or "+" in group or "#" in group:
            raise InvalidTopic("invalid_topic_filter", flt)
        return _shared(group, real, flt)
    if flt.startswith("$exclusive/"):
        real = flt[len("$exclusive/"):]
        if real == "":
            raise InvalidTopic("invalid_topic_filter", flt)
        return Subscription(real, exclusive=True)
    return Subscription(flt)


def _shared(group, real, flt):
    # "$queue/..." equals "$share/$queue/...", so the real filter cannot start a share again
    if real.startswith(("$queue/", "$share/")):
        raise InvalidTopic("invalid_topic_filter", flt)
    return Subscription(real, group)
