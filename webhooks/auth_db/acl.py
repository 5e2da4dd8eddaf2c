"""EMQX's authorization decision, reproduced for the ACL simulator (``sdiot acl``).

Semantics from emqx/emqx:
- apps/emqx_auth/src/emqx_authz/emqx_authz_rule_raw.erl: how a DB row becomes a rule
  (permission allow|deny; action pub|publish|sub|subscribe|all; topic, ``eq `` prefix = literal;
  qos int / "0,1" string / list / NULL = all; retain bool / 0|1 / "true"|"false" / "all" / NULL =
  all). A row that fails to parse is skipped.
- apps/emqx_auth/src/emqx_authz/emqx_authz_rule.erl: rows are tried in order, the first whose
  action, qos/retain and topic match decides; ``${username}``/``${clientid}`` in a topic are
  rendered per client (a missing value: the row cannot match); an ``eq`` topic matches only the
  identical string; otherwise ``emqx_topic:match(words(Topic), words(Filter))``.
- apps/emqx/src/emqx_topic.erl ``match/2`` (emqx_rules.topic_filter): a *subscription* filter is
  matched against the rule filter as if it were a name, so rule ``a/#`` permits subscribing to
  ``a/+``, and (the ``+`` clause takes any word) rule ``a/+`` permits ``a/#`` too (our ACL rows
  never end in ``+``). Since 5.8.4 a wildcard first level does not match ``$SYS/...`` here either.
- apps/emqx_auth/src/emqx_authz/emqx_authz.erl: a superuser is allowed before any source runs;
  no match falls through to ``authorization.no_match``.
"""
import re
from dataclasses import dataclass

from emqx_rules import topic_filter

ALL_QOS = (0, 1, 2)
_TEMPLATE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.]*)\}")
# emqx_authz_rule:compile_topic/1 renders only these inside a rule's topic.
_TOPIC_VARS = ("username", "clientid")


class InvalidRule(ValueError):
    """A row EMQX would log and skip."""


@dataclass(frozen=True)
class Rule:
    permission: str
    action: str  # publish | subscribe | all
    topic: str
    qos: tuple
    retain: object  # True | False | "all"
    row: dict


@dataclass(frozen=True)
class Decision:
    decision: str  # allow | deny
    reason: str  # superuser | rule | no_match | invalid_topic
    rule: dict | None
    index: int | None = None  # position of the deciding row in the query result


def parse_row(row):
    """A query row as EMQX's ``parse_rule/1`` reads it; raises InvalidRule."""
    permission = _text(row.get("permission"))
    if permission not in ("allow", "deny"):
        raise InvalidRule(f"invalid permission {permission!r}")
    action = {"pub": "publish", "publish": "publish", "sub": "subscribe", "subscribe": "subscribe",
              "all": "all"}.get(_text(row.get("action")))
    if action is None:
        raise InvalidRule(f"invalid action {row.get('action')!r}")
    topic = row.get("topic")
    if not isinstance(topic, str):
        raise InvalidRule(f"invalid topic {topic!r}")
    return Rule(permission, action, topic, _qos(row.get("qos")), _retain(row.get("retain")), row)


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


def _qos(value):
    if value is None:
        return ALL_QOS
    if isinstance(value, bool):
        raise InvalidRule(f"invalid qos {value!r}")
    if isinstance(value, int):
        if 0 <= value <= 2:
            return (value,)
        raise InvalidRule(f"invalid qos {value!r}")
    parts = value.split(",") if isinstance(value, str) else value
    try:
        out = tuple({"0": 0, "1": 1, "2": 2, 0: 0, 1: 1, 2: 2}[p] for p in parts)
    except (KeyError, TypeError):
        raise InvalidRule(f"invalid qos {value!r}") from None
    return out


def _retain(value):
    table = {None: "all", "all": "all", True: True, False: False, 1: True, 0: False,
             "1": True, "0": False, "true": True, "false": False}
    try:
        return table[value]
    except (KeyError, TypeError):
        raise InvalidRule(f"invalid retain {value!r}") from None


def topic_match(name_words, filter_words):
    """``emqx_topic:match/2`` on word lists (a name, or a subscription filter, against a filter)."""
    return topic_filter.match("/".join(name_words), "/".join(filter_words))


def render_topic(topic, client):
    """A rule topic with ``${username}``/``${clientid}`` rendered, or None when one is undefined."""
    missing = False

    def sub(match):
        nonlocal missing
        name = match.group(1)
        value = client.get(name) if name in _TOPIC_VARS else None
        if value is None:
            missing = True
            return ""
        return value

    rendered = _TEMPLATE.sub(sub, topic)
    return None if missing else rendered


def matches(rule, client, action, topic, qos, retain):
    if rule.action != "all" and rule.action != action:
        return False
    if qos not in rule.qos:
        return False
    if action == "publish" and rule.retain != "all" and rule.retain != retain:
        return False
    if rule.topic.startswith("eq "):
        return topic == rule.topic[3:]
    rendered = render_topic(rule.topic, client)
    return rendered is not None and topic_filter.match(topic, rendered)


def real_topic(action, topic):
    """The topic EMQX authorizes: ``$delayed/N/t`` → ``t`` (emqx_access_control:authorize/3);
    for a subscription the real filter of ``$share/G/t``, ``$queue/t`` and ``$exclusive/t``
    (emqx_channel check_sub_authzs, emqx_topic:parse/1). None for a topic EMQX refuses before
    authz (a malformed ``$delayed`` or ``$share`` one)."""
    if topic.startswith("$delayed/"):
        parts = topic[len("$delayed/"):].split("/", 1)
        return parts[1] if len(parts) == 2 else None
    if action == "subscribe":
        try:
            return topic_filter.parse(topic).topic
        except topic_filter.InvalidTopic:
            return None
    return topic


def decide(rows, client, action, topic, qos=0, retain=False, no_match="deny", superuser=False):
    """The decision EMQX reaches for ``client`` doing ``action`` on ``topic`` given the rows."""
    if action not in ("publish", "subscribe"):
        raise ValueError("action must be publish or subscribe")
    topic = real_topic(action, topic)
    if topic is None:
        return Decision("deny", "invalid_topic", None)
    if superuser:
        return Decision("allow", "superuser", None)
    for index, row in enumerate(rows):
        try:
            rule = parse_row(row)
        except InvalidRule:
            continue
        if matches(rule, client, action, topic, qos, retain):
            return Decision(rule.permission, "rule", row, index)
    return Decision(no_match, "no_match", None)
