"""Replaying recorded MQTT messages through the rules to the webhook tier, as EMQX would.

For each message: build the column map EMQX builds for ``message.publish``, run every rule whose
FROM matches the topic, and POST each output exactly as the HTTP action does -- to the action's
path under the base URL, with EMQX's default headers plus the bearer token, body = the JSON of the
output, one request per output (no batching). The demo and the benchmarks call ``replay()``.

A recorded message is a JSON object per line: ``topic``, ``payload`` (string), ``clientid``,
optional ``username``, ``qos`` (default 0), ``time`` (ms since the epoch or ISO-8601; default now).
"""
import json
import secrets
import time
from collections import Counter
from datetime import datetime

import requests

from emqx_rules import loader, topic_filter

# An HTTP action's default parameters.headers (emqx_bridge_http_schema.erl headers_field/0), which
# EMQX merges over the connector's headers, action winning by exact name
# (emqx_bridge_http_connector.erl process_request_and_action/3): with an action that sets no
# headers and a connector with content-type + authorization, a request carries these plus
# authorization.
EMQX_DEFAULT_HEADERS = {
    "accept": "application/json",
    "cache-control": "no-cache",
    "connection": "keep-alive",
    "content-type": "application/json",
    "keep-alive": "timeout=5",
}


def emqx_message_id(now_us=None):
    """A 32-hex GUID shaped like emqx_guid: 64-bit microsecond timestamp, then 64 bits node/seq."""
    ts = time.time_ns() // 1000 if now_us is None else now_us
    return f"{ts & (2**64 - 1):016X}{secrets.token_hex(8).upper()}"


def _ms(value):
    if value is None:
        return int(time.time() * 1000)
    if isinstance(value, (int, float)):
        return int(value)
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)


def publish_context(topic, payload, clientid, username=None, qos=0, received_at=None,
                    peerhost="127.0.0.1", node="emqx@127.0.0.1", msg_id=None):
    """The columns of EMQX's ``message.publish`` event (emqx_rule_events.erl eventmsg_publish).

    A missing username (certificate login, REST publish) is left out: the rule sees ``undefined``.
    """
    at = _ms(received_at)
    ctx = {
        "event": "message.publish", "id": msg_id or emqx_message_id(at * 1000), "clientid": clientid,
        "payload": payload, "peerhost": peerhost, "peername": f"{peerhost}:52114", "topic": topic,
        "qos": qos, "flags": {"retain": False, "dup": False}, "pub_props": {"User-Property": {}},
        "publish_received_at": at, "client_attrs": {}, "timestamp": at, "node": node,
    }
    if username is not None:
        ctx["username"] = username
    return ctx


def read_jsonl(path):
    """Recorded messages from a JSONL file (blank lines skipped)."""
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if line.strip():
                try:
                    msg = json.loads(line)
                except ValueError as exc:
                    raise ValueError(f"{path}:{number}: not JSON: {exc}") from None
                if not isinstance(msg, dict) or not isinstance(msg.get("topic"), str):
                    raise ValueError(f"{path}:{number}: needs an object with a \"topic\" string")
                yield msg


def topic_matches(flt, topic):
    """Does ``topic`` match the FROM filter ``flt``, as in EMQX (emqx_rules.topic_filter)."""
    return topic_filter.match(topic, flt)


def compiled_rules(ruleset=None):
    """[(Rule, compiled)] for every rule file; compiled once, evaluated per message."""
    from emqx_rules import compile_rule  # the evaluator; imported late so loading stays light

    ruleset = ruleset or loader.load()
    return [(rule, compile_rule(rule.emqx_sql)) for rule in ruleset.rules.values()]


def outputs(context, rules):
    """[(Rule, body)] for one context; a rule that fails on it yields nothing (as in EMQX)."""
    from emqx_rules import RuleError

    out = []
    for rule, compiled in rules:
        if not any(topic_matches(f, context["topic"]) for f in compiled.from_topics):
            continue
        try:
            out += [(rule, body) for body in compiled.evaluate(context)]
        except RuleError:
            continue
    return out


def encode_body(body):
    """The bytes EMQX sends for an empty body template: compact JSON, UTF-8 unescaped."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def replay(messages, base_url, token, session=None, rules=None, timeout=(5, 60)):
    """POST every rule output of every message; returns a Counter of "<stream> <status>" keys.

    A transport failure counts as "<stream> error"; nothing is retried (EMQX would retry 429/503
    and connection errors until request_ttl: a replay reports them instead).
    """
    rules = rules if rules is not None else compiled_rules()
    session = session or requests.Session()
    headers = {**EMQX_DEFAULT_HEADERS, "authorization": f"Bearer {token}"}
    counts = Counter()
    base = base_url.rstrip("/")
    for msg in messages:
        context = publish_context(msg["topic"], msg.get("payload", ""), msg.get("clientid", ""),
                                  msg.get("username"), int(msg.get("qos", 0)), msg.get("time"))
        for rule, body in outputs(context, rules):
            stream = rule.action.path.rstrip("/").rsplit("/", 1)[-1]
            try:
                resp = session.post(base + rule.action.path, data=encode_body(body), headers=headers,
                                    timeout=timeout)
                counts[f"{stream} {resp.status_code}"] += 1
            except requests.RequestException:
                counts[f"{stream} error"] += 1
    return counts

