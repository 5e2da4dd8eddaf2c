"""Turn an EMQX envelope into a storable message: envelope shape, topic, identity, payload, time.

The steps run in the order the contract reads (envelope → topic → identity → payload → schema →
clock) and each failure is a ``Rejected`` with the most precise reason available.
"""
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from webhooks import validation
from webhooks.device_types import BY_PATH, DEVICE_ID_RE, FARM_ID_RE, odoo_model_for
from webhooks.envelope import STREAM_KIND, STREAMS, clean
from webhooks.errors import Rejected

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# RFC 3339 allows "t" as well as "T" (section 5.6, ABNF is case-insensitive): both must find the
# fraction, or the sub-microsecond digits drop out of the key and distinct readings collide.
_FRACTION = re.compile(r"[Tt]\d\d:\d\d:\d\d\.(\d+)")


@dataclass(frozen=True)
class Message:
    message_key: str
    device_ts: datetime
    device_id: str
    kind: str
    device_type: str
    farm_id: str
    msg_id: str
    topic: str
    received_at: datetime
    payload_text: str  # validated JSON text, stored as is
    payload: dict
    schema_id: str
    odoo_model: str


def _require_str(env, name, max_len=256):
    value = env.get(name)
    if not isinstance(value, str) or not value:
        raise Rejected("invalid_envelope", f"'{name}' is missing or not a string")
    if len(value) > max_len:
        raise Rejected("invalid_envelope", f"'{name}' is longer than {max_len} characters")
    return value


def ms_to_datetime(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 32503680000000:
        raise Rejected("invalid_envelope", f"'{name}' must be milliseconds since the epoch")
    return _EPOCH + timedelta(milliseconds=value)


def parse_device_time(text):
    """An aware UTC datetime from an RFC 3339 string the schema already accepted."""
    try:
        ts = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
        if ts.tzinfo is None:  # the date-time format requires an offset; keep the guard anyway
            raise ValueError("no UTC offset")
        return ts.astimezone(timezone.utc)
    except (ValueError, OverflowError) as exc:  # a leap second, or an offset past year 9999
        raise Rejected("schema_violation", f"$.timestamp: {text!r} is not a representable instant ({exc})") from None


def _sub_microsecond(text):
    """Digits of the device's fraction beyond microseconds (kept in the key: distinct readings)."""
    match = _FRACTION.search(text)
    return match.group(1)[6:].rstrip("0") if match else ""


def message_key(device_id, kind, device_ts, payload):
    """The dedup key (contract 3): device, kind, device time, sequence; alert type for alerts."""
    seq = payload.get("seq")
    instant = device_ts.strftime("%Y-%m-%dT%H:%M:%S.%f") + _sub_microsecond(payload["timestamp"]) + "Z"
    # int(): the schema's "integer" also admits 5.0, which must key like 5
    parts = [device_id, kind, instant, "-" if seq is None else str(int(seq))]
    if kind == "alerts":
        parts.append(payload["alert_type"])
    return "/".join(parts)


@dataclass(frozen=True)
class _Envelope:
    """The fields of the rule's output that binding uses, checked for shape."""
    msg_id: str
    topic: str
    farm_id: str
    device_path: str
    device_id: str
    kind: str
    username: str | None
    received_at: datetime
    payload_text: str


def bind(body, stream, settings, now=None):
    """Validate a decoded request body for ``stream``; return a Message or raise Rejected."""
    envelope = _envelope(body)
    device_type = _topic(envelope, stream)
    _identity(envelope)
    payload = _payload(envelope, device_type, settings)
    device_ts = _device_time(payload, envelope.received_at, settings, now)
    return Message(
        message_key=message_key(envelope.device_id, envelope.kind, device_ts, payload),
        device_ts=device_ts,
        device_id=envelope.device_id,
        kind=envelope.kind,
        device_type=device_type.name,
        farm_id=envelope.farm_id,
        msg_id=envelope.msg_id,
        topic=envelope.topic,
        received_at=envelope.received_at,
        payload_text=envelope.payload_text,
        payload=payload,
        schema_id=validation.schema_id(device_type, envelope.kind),
        odoo_model=odoo_model_for(device_type, envelope.kind),
    )


def _envelope(body):
    """Envelope shape: the named fields exist with the right types ("undefined" is missing)."""
    if not isinstance(body, dict):
        raise Rejected("invalid_envelope", f"body is a JSON {type(body).__name__}, not an object")
    fields = clean(body)
    checked = {name: _require_str(fields, name, limit) for name, limit in _ENVELOPE_STRINGS}
    received_at = ms_to_datetime(fields.get("received_at"), "received_at")
    qos = fields.get("qos")
    if qos is not None and qos not in (0, 1, 2):
        raise Rejected("invalid_envelope", "'qos' must be 0, 1 or 2")
    if "payload" not in fields:
        raise Rejected("invalid_envelope", "'payload' is missing")
    return _Envelope(**checked, username=fields.get("username"), received_at=received_at,
                     payload_text=fields["payload"])


# the envelope's required strings, in the order they are checked, with their length limits
_ENVELOPE_STRINGS = (("msg_id", 64), ("topic", 512), ("farm_id", 64), ("device_path", 64), ("device_id", 64),
                     ("kind", 16))


def _topic(envelope, stream):
    """The fields the rule split out must be the topic's own levels; returns the device type."""
    if envelope.kind != STREAM_KIND[stream]:
        raise Rejected("invalid_topic", f"kind '{envelope.kind}' posted to the {stream} endpoint")
    levels = envelope.topic.split("/")
    if len(levels) != 5 or levels[0] != "dairy" or \
            levels[1:4] != [envelope.farm_id, envelope.device_path, envelope.device_id]:
        raise Rejected("invalid_topic", f"topic '{envelope.topic}' does not match farm/device_path/device_id")
    if levels[4] not in STREAMS[stream]:
        raise Rejected("invalid_topic", f"topic kind '{levels[4]}' is not accepted on the {stream} endpoint")
    if not FARM_ID_RE.match(envelope.farm_id):
        raise Rejected("invalid_topic", f"farm id '{envelope.farm_id}' is malformed")
    device_type = BY_PATH.get(envelope.device_path)
    if device_type is None:
        raise Rejected("unknown_device_path", f"'{envelope.device_path}' is not a device path")
    if not DEVICE_ID_RE.match(envelope.device_id):
        raise Rejected("device_prefix_mismatch", f"'{envelope.device_id}' is not a device id")
    if envelope.device_id[:2] != device_type.prefix:
        raise Rejected("device_prefix_mismatch",
                       f"'{envelope.device_id}' on {envelope.device_path} must start with {device_type.prefix}")
    return device_type


def _identity(envelope):
    """The MQTT username (or the certificate CN EMQX put there) must be the topic's device."""
    if envelope.username != envelope.device_id:
        raise Rejected("identity_mismatch",
                       f"MQTT username {envelope.username!r} published on device {envelope.device_id}'s topic")


def _payload(envelope, device_type, settings):
    """The payload parses, claims the same device, and fits its JSON Schema."""
    payload = validation.parse_payload(envelope.payload_text, settings.max_payload_depth)
    claimed = payload.get("device_id")
    if claimed is not None and claimed != envelope.device_id:
        raise Rejected("identity_mismatch", f"payload device_id {claimed!r} on device {envelope.device_id}'s topic")
    validation.check_schema(device_type, envelope.kind, payload)
    return payload


def _device_time(payload, received_at, settings, now=None):
    """The device's clock within bounds: not too far ahead, not older than the backfill window."""
    device_ts = parse_device_time(payload["timestamp"])
    reference = max(received_at, now or datetime.now(timezone.utc))
    if device_ts - reference > timedelta(seconds=settings.max_clock_skew_seconds):
        raise Rejected("timestamp_in_future",
                       f"{payload['timestamp']} is more than {settings.max_clock_skew_seconds}s ahead")
    if settings.max_backfill_days and received_at - device_ts > timedelta(days=settings.max_backfill_days):
        raise Rejected("timestamp_too_old",
                       f"{payload['timestamp']} is older than {settings.max_backfill_days} days")
    return device_ts
