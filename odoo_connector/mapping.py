"""Ingest-DB rows -> the values the companion addon's ``ingest``/``ingest_events`` receive.

A ``message`` row becomes ``(odoo_model, values)``: the common keys below plus the payload fields
of its device type, renamed to the addon's field names. ``device_ref`` (the device id string) and
``device_type`` are not fields: the addon resolves them to the iot.device link, registering an
unknown device once. A ``device_presence`` row and a ``status`` message both become an
``iot.device`` event that the addon applies only when newer than what the device holds.

The tables are data so the addon's static test can check every name and type against the addon.
"""
import datetime as dt
import json

from .wire import odoo_date, odoo_datetime, parse_timestamp

DEVICE_MODEL = "iot.device"
ALERT_MODEL = "iot.alert"
# Keys the addon consumes itself; they are not fields of the target model.
REFERENCE_KEYS = ("device_ref", "device_type")
EVENT_KEYS = ("event", "event_at", "event_us")

# (addon field, payload path, kind). kind is the Odoo field type the value is converted for.
READING_FIELDS = {
    "milk.production.realtime": (
        ("animal_ref", "animal_id", "char"), ("session_ref", "session_id", "char"),
        ("rfid_tag", "rfid_tag", "char"), ("yield_liters", "yield_liters", "float"),
        ("flow_rate", "flow_rate", "float"), ("duration_seconds", "duration_seconds", "integer"),
        ("fat_percentage", "quality.fat_percentage", "float"),
        ("protein_percentage", "quality.protein_percentage", "float"),
        ("lactose_percentage", "quality.lactose_percentage", "float"),
        ("somatic_cell_count", "quality.somatic_cell_count", "integer"),
        ("milk_temperature", "quality.temperature_celsius", "float"),
        ("conductivity", "quality.conductivity", "float"),
        ("vacuum_pressure", "equipment.vacuum_pressure", "float"),
        ("pulsation_rate", "equipment.pulsation_rate", "integer"),
        ("milking_position", "equipment.milking_position", "char"),
    ),
    "iot.temperature.reading": (
        ("temperature", "temperature", "float"), ("humidity", "humidity", "float"),
        ("location", "location", "char"), ("location_type", "location_type", "selection"),
        ("battery_level", "battery_level", "float"), ("signal_strength", "signal_strength", "integer"),
    ),
    "iot.activity.reading": (
        ("animal_ref", "animal_id", "char"), ("activity_level", "activity_level", "integer"),
        ("rumination_minutes", "rumination_minutes", "integer"),
        ("lying_time_minutes", "lying_time_minutes", "integer"),
        ("standing_time_minutes", "standing_time_minutes", "integer"), ("steps", "steps", "integer"),
        ("latitude", "location.latitude", "float"), ("longitude", "location.longitude", "float"),
        ("zone", "location.zone", "char"), ("body_temperature", "temperature", "float"),
        ("heart_rate", "heart_rate", "integer"), ("battery_level", "battery_level", "float"),
    ),
    "iot.feeding.event": (
        ("animal_ref", "animal_id", "char"), ("rfid_tag", "rfid_tag", "char"),
        ("feed_type", "feed_type", "char"), ("quantity_kg", "quantity_kg", "float"),
        ("duration_seconds", "duration_seconds", "integer"),
        ("bin_level_percent", "bin_level_percent", "float"), ("dispenser_status", "status", "selection"),
    ),
    "iot.gate.event": (
        ("event_type", "event", "selection"), ("direction", "direction", "selection"),
        ("animal_ref", "animal_id", "char"), ("rfid_tag", "rfid_tag", "char"),
        ("zone_from", "zone_from", "char"), ("zone_to", "zone_to", "char"),
        ("sort_decision", "sort_decision", "selection"), ("passage_count", "passage_count", "integer"),
        ("battery_level", "battery_level", "float"), ("signal_strength", "signal_strength", "integer"),
    ),
    "iot.water.reading": (
        ("consumption_liters", "consumption_liters", "float"),
        ("interval_seconds", "interval_seconds", "integer"), ("flow_rate_lpm", "flow_rate_lpm", "float"),
        ("water_temperature", "water_temperature", "float"), ("level_percent", "level_percent", "float"),
        ("valve_state", "valve_state", "selection"), ("animal_ref", "animal_id", "char"),
        ("battery_level", "battery_level", "float"),
    ),
    "iot.environment.reading": (
        ("temperature", "temperature", "float"), ("humidity", "humidity", "float"), ("thi", "thi", "float"),
        ("ammonia_ppm", "ammonia_ppm", "float"), ("co2_ppm", "co2_ppm", "float"),
        ("h2s_ppm", "h2s_ppm", "float"), ("light_lux", "light_lux", "float"),
        ("wind_speed_ms", "wind_speed_ms", "float"), ("location", "location", "char"),
        ("battery_level", "battery_level", "float"), ("signal_strength", "signal_strength", "integer"),
    ),
    ALERT_MODEL: (
        ("alert_type", "alert_type", "char"), ("severity", "severity", "selection"),
        ("message", "message", "text"), ("value", "value", "float"), ("threshold", "threshold", "float"),
        ("unit", "unit", "char"), ("location_type", "location_type", "char"), ("source", "source", "char"),
    ),
}
# Written on every reading model (the addon's iot.reading.mixin).
COMMON_FIELDS = (
    ("message_key", "char"), ("mqtt_msg_id", "char"), ("farm_code", "char"), ("topic", "char"),
    ("device_time", "datetime"), ("received_at", "datetime"), ("payload_json", "text"),
)
# iot.device fields a status message writes (uptime can exceed int4: Float).
STATUS_FIELDS = (
    ("reported_status", "status", "selection"), ("battery_level", "battery_level", "float"),
    ("signal_strength", "signal_strength", "integer"), ("firmware_version", "firmware_version", "char"),
    ("uptime_seconds", "uptime_seconds", "float"), ("error_code", "error_code", "char"),
    ("error_message", "error_message", "text"), ("calibration_date", "last_calibration", "date"),
    ("next_maintenance_date", "next_maintenance", "date"),
)
STATUS_EXTRA = (("farm_code", "char"), ("last_status_msg_id", "char"))
PRESENCE_FIELDS = (
    ("is_online", "boolean"), ("mqtt_client_id", "char"), ("mqtt_username", "char"),
    ("peerhost", "char"), ("disconnect_reason", "char"), ("broker_node", "char"),
)


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
