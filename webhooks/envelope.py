"""The JSON body EMQX's HTTP action POSTs for our rules: the names are a contract.

The rules in ``emqx_rules/`` SELECT exactly these columns (the rule case tests compare against
this module), and the ingest views read exactly these. EMQX renders a missing column as the
string ``"undefined"``; ``clean`` turns that back into a missing field.
"""

# data / status / alerts (stream = telemetry / status / alerts)
MESSAGE_FIELDS = (
    "msg_id",  # EMQX message id (`id`): trace id, not the dedup key
    "topic",
    "farm_id",
    "device_path",
    "device_id",
    "kind",  # data | status | alerts, split from the topic in SQL
    "clientid",
    "username",
    "qos",
    "received_at",  # EMQX publish_received_at, ms since the epoch
    "payload",  # the raw MQTT payload as a string
)

# $events/client_connected, $events/client_disconnected
PRESENCE_FIELDS = ("event", "clientid", "username", "peerhost", "at", "reason", "node")
PRESENCE_EVENTS = ("client.connected", "client.disconnected")

# endpoint stream -> the topic kinds it accepts. Alerts may also come from a `data` topic: the
# cold_chain rule derives them from temperature readings inside EMQX.
STREAMS = {
    "telemetry": ("data",),
    "status": ("status",),
    "alerts": ("alerts", "data"),
}
STREAM_KIND = {"telemetry": "data", "status": "status", "alerts": "alerts"}

UNDEFINED = "undefined"


def clean(body):
    """A copy of the decoded body without the fields EMQX rendered as "undefined"."""
    return {k: v for k, v in body.items() if v != UNDEFINED and v is not None}
