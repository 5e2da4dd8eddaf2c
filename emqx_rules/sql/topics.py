"""MQTT topic matching and event topics (emqx/emqx:apps/emqx/src/emqx_topic.erl,
apps/emqx_rule_engine/src/emqx_rule_events.erl).

`+` matches exactly one level (an empty one too), `#` the rest including nothing (`t/#`
matches `t`), and neither wildcard matches a first level starting with `$`. A FROM entry
starting with `$events/` is a filter over the event topics below; any other entry is a topic
filter for `message.publish`.
"""
import re

from .errors import RuleRuntimeError

# event topic -> event name, new names first (5.10+/6.x) then the legacy 5.x names
EVENT_TOPICS = {
    "$events/sys/alarm_activated": "alarm.activated",
    "$events/sys/alarm_deactivated": "alarm.deactivated",
    "$events/client/connected": "client.connected",
    "$events/client/disconnected": "client.disconnected",
    "$events/client/connack": "client.connack",
    "$events/client/ping": "client.ping",
    "$events/auth/check_authn_complete": "client.check_authn_complete",
    "$events/auth/check_authz_complete": "client.check_authz_complete",
    "$events/session/subscribed": "session.subscribed",
    "$events/session/unsubscribed": "session.unsubscribed",
    "$events/message/delivered": "message.delivered",
    "$events/message/acked": "message.acked",
    "$events/message/dropped": "message.dropped",
    "$events/message/delivery_dropped": "delivery.dropped",
    "$events/message_transformation/failed": "message.transformation_failed",
    "$events/schema_validation/failed": "schema.validation_failed",
    "$events/client_connected": "client.connected",
    "$events/client_disconnected": "client.disconnected",
    "$events/client_connack": "client.connack",
    "$events/client_check_authn_complete": "client.check_authn_complete",
    "$events/client_check_authz_complete": "client.check_authz_complete",
    "$events/session_subscribed": "session.subscribed",
    "$events/session_unsubscribed": "session.unsubscribed",
    "$events/message_delivered": "message.delivered",
    "$events/message_acked": "message.acked",
    "$events/message_dropped": "message.dropped",
    "$events/delivery_dropped": "delivery.dropped",
    "$events/message_transformation_failed": "message.transformation_failed",
    "$events/schema_validation_failed": "schema.validation_failed",
}


def words(topic):
    return topic.split("/")


def topic_match(name, flt):
    """emqx_topic:match/2 on two binaries."""
    if type(name) is not str or type(flt) is not str:
        raise RuleRuntimeError(f"=~ needs a topic and a filter, got {name!r} and {flt!r}")
    if name.startswith("$") and flt[:1] in ("+", "#"):
        return False
    return _match(name.split("/"), flt.split("/"))


def _match(nw, fw):
    i = 0
    for i, f in enumerate(fw):
        if f == "#":
            return i == len(fw) - 1
        if i >= len(nw):
            return False
        if f != "+" and f != nw[i]:
            return False
    return len(nw) == len(fw)


def event_names_for(source):
    """emqx_rule_events:match_event_names/1 for one FROM entry."""
    if source.startswith("$events/"):
        return {name for topic, name in EVENT_TOPICS.items() if topic_match(topic, source)}
    return {"message.publish"}


def filter_regex(flt):
    """A compiled regex equivalent to topic_match(name, flt) for names not starting with $
    (callers check the $ rule separately)."""
    parts = []
    words_ = flt.split("/")
    for i, w in enumerate(words_):
        if w == "#" and i == len(words_) - 1:
            if i == 0:
                return re.compile(r"(?s).*\Z")
            parts[-1] += r"(?:/.*)?"
            return re.compile("(?s)" + "/".join(parts) + r"\Z")
        parts.append("[^/]*" if w == "+" else re.escape(w))
    return re.compile("(?s)" + "/".join(parts) + r"\Z")


def _plain_filter(flt):
    ws = flt.split("/")
    return all((w == "#" and i == len(ws) - 1) or w == "+" or ("#" not in w and "+" not in w)
               for i, w in enumerate(ws))


def compile_sources(sources):
    """A fast predicate (event, topic) -> bool for a rule's FROM list.

    Every FROM entry, `$events/...` ones included, also goes into EMQX's topic index for
    publishes (emqx_rule_engine:do_update_rule_index/1), so a message published on the topic
    `$events/client_connected` does reach a rule reading that event topic."""
    events, filters = set(), []
    for source in sources:
        if source.startswith("$events/"):
            events |= event_names_for(source)
        if not _plain_filter(source):
            filters.append((None, source))  # not a valid filter; keep exact semantics
        else:
            filters.append((filter_regex(source), source))

    if not events and len(filters) == 1 and filters[0][0] is not None \
            and filters[0][1][:1] not in ("+", "#"):
        match_one = filters[0][0].match

        def matches_one(event, topic):
            return event == "message.publish" and type(topic) is str \
                and match_one(topic) is not None
        return matches_one

    def matches(event, topic):
        if event != "message.publish":
            return event in events
        if type(topic) is not str:
            return False
        for rx, source in filters:
            if rx is None:
                if topic_match(topic, source):
                    return True
            elif rx.match(topic) and not (topic[:1] == "$" and source[:1] in ("+", "#")):
                return True
        return False
    return matches

