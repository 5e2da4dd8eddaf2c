"""Which payload field lands in which Odoo field, per model: data, so the addon's static test can
check every name and type against the addon source and the payload JSON Schemas.

Each entry is (addon field, payload path, kind); kind is the Odoo field type the value is
converted for (char, text, float, integer, selection, datetime, date, boolean).
"""
from .routing import ALERT_MODEL

# Keys the addon consumes itself; they are not fields of the target model.
REFERENCE_KEYS = ("device_ref", "device_type")
EVENT_KEYS = ("event", "event_at", "event_us")

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
        ("tank_state", "tank_state", "selection"), ("cooling_minutes", "cooling_minutes", "integer"),
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
