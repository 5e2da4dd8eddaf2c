"""FROM matching and event topics (emqx/emqx:apps/emqx_rule_engine/src/emqx_rule_events.erl).

Topic matching itself is emqx_rules.topic_filter (emqx_topic.erl). A FROM entry starting with
`$events/` is a filter over the event topics below; any other entry is a topic filter for
`message.publish`.
"""
from ..topic_filter import match, matcher
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


def topic_match(name, flt):
    """The ``=~`` operator: emqx_topic:match/2 on two binaries."""
    if type(name) is not str or type(flt) is not str:
        raise RuleRuntimeError(f"=~ needs a topic and a filter, got {name!r} and {flt!r}")
    return match(name, flt)


def event_names_for(source):
    """emqx_rule_events:match_event_names/1 for one FROM entry."""
    if source.startswith("$events/"):
        return {name for topic, name in EVENT_TOPICS.items() if topic_match(topic, source)}
    return {"message.publish"}


def compile_sources(sources):
    """A fast predicate (event, topic) -> bool for a rule's FROM list.

    Every FROM entry, `$events/...` ones included, also goes into EMQX's topic index for
    publishes (emqx_rule_engine:do_update_rule_index/1), so a message published on the topic
    `$events/client_connected` does reach a rule reading that event topic."""
    events = set()
    for source in sources:
        if source.startswith("$events/"):
            events |= event_names_for(source)
    filters = [matcher(source) for source in sources]

    if not events and len(filters) == 1:
        match_one = filters[0]

        def matches_one(event, topic):
            return event == "message.publish" and type(topic) is str and match_one(topic)
        return matches_one

    def matches(event, topic):
        if event != "message.publish":
            return event in events
        if type(topic) is not str:
            return False
        for f in filters:
            if f(topic):
                return True
        return False
    return matches
