"""Ingest-DB rows -> the values the companion addon's ``ingest``/``ingest_events`` receive.

A ``message`` row becomes ``(odoo_model, values)``: the common keys below plus the payload fields
of its device type, renamed to the addon's field names. ``device_ref`` (the device id string) and
``device_type`` are not fields: the addon resolves them to the iot.device link, registering an
unknown device once. A ``device_presence`` row and a ``status`` message both become an
``iot.device`` event that the addon applies only when newer than what the device holds.

The field tables live in odoo_fields.py, the model names in routing.py (both re-exported here).
"""
import datetime as dt
import json

from .odoo_fields import (  # noqa: F401 - re-exported: the tables are part of this module's API
    COMMON_FIELDS, EVENT_KEYS, PRESENCE_FIELDS, READING_FIELDS, REFERENCE_KEYS, STATUS_EXTRA, STATUS_FIELDS,
)
from .routing import ALERT_MODEL, DEVICE_MODEL  # noqa: F401 - re-exported with the tables
from .wire import odoo_date, odoo_datetime, parse_timestamp


class MappingError(ValueError):
    """The row cannot become Odoo values (unknown model, no device, payload not an object)."""


def _convert(value, kind):
    if kind in ("float",):
        return float(value)
    if kind == "integer":
        if isinstance(value, bool) or int(value) != value:
            raise MappingError(f"not an integer: {value!r}")
        return int(value)
    if kind == "boolean":
        return bool(value)
    if kind == "datetime":
        return odoo_datetime(value)
    if kind == "date":
        return odoo_date(value)
    return str(value)


def _lookup(payload, path):
    value = payload
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _pick(payload, table):
    values = {}
    for name, path, kind in table:
        value = _lookup(payload, path)
        if value is not None:
            try:
                values[name] = _convert(value, kind)
            except (TypeError, ValueError) as exc:
                raise MappingError(f"{path}: {exc}") from None
    return values


def _payload(row):
    payload = row.get("payload")
    if isinstance(payload, (str, bytes)):
        payload = json.loads(payload)
    if not isinstance(payload, dict):
        raise MappingError(f"payload of {row.get('message_key')!r} is not a JSON object")
    return payload


def _event_us(moment):
    """Microseconds since the epoch: orders events that share a second (Odoo keeps seconds)."""
    moment = parse_timestamp(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return int(round(moment.timestamp() * 1_000_000))


def to_odoo_values(row):
    """(model, values) for one ``message`` row of any kind."""
    model = row.get("odoo_model")
    if model == DEVICE_MODEL or row.get("kind") == "status":
        return status_to_odoo(row)
    if model not in READING_FIELDS:
        raise MappingError(f"no Odoo mapping for model {model!r}")
    if not row.get("device_id"):
        raise MappingError(f"message {row.get('message_key')!r} has no device_id")
    payload = _payload(row)
    values = {
        "message_key": str(row["message_key"]),
        "mqtt_msg_id": str(row.get("msg_id") or ""),
        "device_ref": row["device_id"],
        "device_type": row.get("device_type"),
        "farm_code": row.get("farm_id"),
        "topic": row.get("topic"),
        "device_time": odoo_datetime(row["device_ts"]),
        "received_at": odoo_datetime(row["received_at"]) if row.get("received_at") else None,
        "payload_json": json.dumps(payload, sort_keys=True, separators=(",", ":")),
    }
    values.update(_pick(payload, READING_FIELDS[model]))
    return model, {k: v for k, v in values.items() if v is not None}


def status_to_odoo(row):
    """A ``status`` message -> an iot.device event (applied only if newer than the last one)."""
    if not row.get("device_id"):
        raise MappingError(f"status {row.get('message_key')!r} has no device_id")
    values = {
        "event": "status",
        "device_ref": row["device_id"],
        "device_type": row.get("device_type"),
        "event_at": odoo_datetime(row["device_ts"]),
        "event_us": _event_us(row["device_ts"]),
        "farm_code": row.get("farm_id"),
        "last_status_msg_id": str(row.get("msg_id") or ""),
    }
    values.update(_pick(_payload(row), STATUS_FIELDS))
    return DEVICE_MODEL, {k: v for k, v in values.items() if v is not None}


def presence_to_odoo(row):
    """A ``device_presence`` row -> an iot.device event (connected/disconnected, broker time)."""
    device = row.get("device_id")
    if not device:
        raise MappingError(f"presence of client {row.get('clientid')!r} names no device")
    values = {
        "event": "presence",
        "device_ref": device,
        "event_at": odoo_datetime(row["event_at"]),
        "event_us": _event_us(row["event_at"]),
        "is_online": bool(row.get("connected")),
        "mqtt_client_id": row.get("clientid"),
        "mqtt_username": row.get("username"),
        "peerhost": row.get("peerhost"),
        "disconnect_reason": False if row.get("connected") else row.get("reason"),  # False clears it
        "broker_node": row.get("node"),
    }
    return DEVICE_MODEL, {k: v for k, v in values.items() if v is not None}
