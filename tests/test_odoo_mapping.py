"""Ingest rows -> the values the addon's ingest/ingest_events receive (odoo_connector/mapping.py)."""
import datetime as dt
import json

import pytest

from odoo_connector.mapping import (
    READING_FIELDS,
    MappingError,
    presence_to_odoo,
    status_to_odoo,
    to_odoo_values,
)
from odoo_connector.routing import ALERT_MODEL, model_for
from webhooks.device_types import DEVICE_TYPES

UTC = dt.timezone.utc
PAYLOADS = {
    "milk_meter": {"animal_id": "COW-17", "yield_liters": 11, "duration_seconds": 420,
                   "quality": {"fat_percentage": 3.9, "somatic_cell_count": 120000, "temperature_celsius": 36.5},
                   "equipment": {"pulsation_rate": 60, "milking_position": "A3"}},
    "temperature": {"temperature": 3.9, "location_type": "bulk_tank", "signal_strength": -70},
    "collar": {"animal_id": "COW-17", "steps": 4200, "location": {"latitude": 52.1, "zone": "barn-a"},
               "temperature": 38.6},
    "feeder": {"animal_id": "COW-17", "quantity_kg": 2.5, "status": "dispensing"},
    "gate": {"event": "passage", "direction": "in", "zone_from": "yard", "passage_count": 1},
    "waterer": {"consumption_liters": 12.5, "valve_state": "closed", "interval_seconds": 60},
    "environmental": {"temperature": 24.0, "humidity": 71, "thi": 72.4, "ammonia_ppm": 8},
}
EXPECTED = {
    "milk_meter": {"animal_ref": "COW-17", "yield_liters": 11.0, "duration_seconds": 420, "fat_percentage": 3.9,
                   "somatic_cell_count": 120000, "milk_temperature": 36.5, "pulsation_rate": 60,
                   "milking_position": "A3"},
    "temperature": {"temperature": 3.9, "location_type": "bulk_tank", "signal_strength": -70},
    "collar": {"animal_ref": "COW-17", "steps": 4200, "latitude": 52.1, "zone": "barn-a", "body_temperature": 38.6},
    "feeder": {"animal_ref": "COW-17", "quantity_kg": 2.5, "dispenser_status": "dispensing"},
    "gate": {"event_type": "passage", "direction": "in", "zone_from": "yard", "passage_count": 1},
    "waterer": {"consumption_liters": 12.5, "valve_state": "closed", "interval_seconds": 60},
    "environmental": {"temperature": 24.0, "humidity": 71.0, "thi": 72.4, "ammonia_ppm": 8.0},
}


def message_row(device_type, kind="data", payload=None, **over):
    prefix = {t.name: t.prefix for t in DEVICE_TYPES}[device_type]
    model = {t.name: t.odoo_model for t in DEVICE_TYPES}[device_type]
    device = f"{prefix}001"
    row = {
        "message_key": f"{device}:{kind}:2026-11-27T10:00:00.250Z:3", "device_id": device,
        "device_ts": dt.datetime(2026, 11, 27, 10, 0, 0, 250000, tzinfo=UTC), "kind": kind,
        "device_type": device_type, "farm_id": "farm-1", "msg_id": "0005F8F0A1B2C3D4",
        "topic": f"dairy/farm-1/x/{device}/{kind}",
        "received_at": dt.datetime(2026, 11, 27, 10, 0, 1, 900000, tzinfo=UTC),
        "payload": dict(device_id=device, timestamp="2026-11-27T10:00:00.250Z", **(payload or {})),
        "odoo_model": model_for(kind, model),
    }
    row.update(over)
    return row


@pytest.mark.parametrize("device_type", sorted(PAYLOADS))
def test_each_device_type_maps_to_its_model_and_fields(device_type):
    """A data row lands on its type's model with the payload fields renamed for the addon."""
    row = message_row(device_type, payload=PAYLOADS[device_type])
    model, values = to_odoo_values(row)
    assert model == row["odoo_model"]
    assert {k: values[k] for k in EXPECTED[device_type]} == EXPECTED[device_type]
    assert values["message_key"] == row["message_key"]
    assert values["mqtt_msg_id"] == "0005F8F0A1B2C3D4"
    assert values["device_ref"] == row["device_id"] and values["farm_code"] == "farm-1"
    assert values["device_time"] == "2026-11-27 10:00:00"
    assert values["received_at"] == "2026-11-27 10:00:01"
    assert json.loads(values["payload_json"]) == row["payload"]


def test_every_device_model_has_a_mapping():
    """Each device type's Odoo model and iot.alert have a field table."""
    assert {t.odoo_model for t in DEVICE_TYPES} | {ALERT_MODEL} == set(READING_FIELDS)


def test_sqlite_text_row_maps_like_a_postgres_row():
    """SQLite keeps timestamps as ISO text and payload as JSON text; the values are the same."""
    pg = message_row("temperature", payload=PAYLOADS["temperature"])
    lite = dict(pg, device_ts="2026-11-27T10:00:00.250000+00:00", received_at="2026-11-27T10:00:01.900000+00:00",
                payload=json.dumps(pg["payload"]))
    assert to_odoo_values(lite) == to_odoo_values(pg)


def test_non_utc_timestamps_are_converted_to_naive_utc():
    """An offset timestamp becomes the UTC wall time, without 'T', zone or fraction."""
    row = message_row("temperature", payload=PAYLOADS["temperature"],
                      device_ts=dt.datetime(2026, 11, 27, 12, 0, 0, 999999, tzinfo=dt.timezone(dt.timedelta(hours=2))))
    assert to_odoo_values(row)[1]["device_time"] == "2026-11-27 10:00:00"


def test_alert_row_maps_to_iot_alert():
    """An alerts row (also the cold_chain rule's) becomes an iot.alert with its type and severity."""
    row = message_row("temperature", kind="alerts", payload={
        "alert_type": "cold_chain_excursion", "severity": "critical", "value": 7.2, "threshold": 4,
        "unit": "C", "source": "rule:cold_chain", "message": "bulk tank above 4 C"})
    model, values = to_odoo_values(row)
    assert model == "iot.alert"
    assert (values["alert_type"], values["severity"], values["value"], values["threshold"]) == \
        ("cold_chain_excursion", "critical", 7.2, 4.0)


def test_status_row_becomes_a_device_event():
    """A status message is an iot.device event with its device time in microseconds for ordering."""
    row = message_row("milk_meter", kind="status", payload={
        "status": "error", "uptime_seconds": 3_000_000_000, "firmware_version": "2.4.1",
        "last_calibration": "2026-06-01T08:00:00Z", "next_maintenance": "2027-01-15", "error_code": "E42"})
    assert to_odoo_values(row) == status_to_odoo(row)
    model, values = status_to_odoo(row)
    assert model == "iot.device"
    assert values["event"] == "status" and values["device_ref"] == "MM001"
    assert values["event_at"] == "2026-11-27 10:00:00"
    assert values["event_us"] == int(row["device_ts"].timestamp() * 1_000_000)
    assert values["reported_status"] == "error" and values["uptime_seconds"] == 3e9
    assert (values["calibration_date"], values["next_maintenance_date"]) == ("2026-06-01", "2027-01-15")
    assert values["last_status_msg_id"] == row["msg_id"]


def test_presence_row_becomes_a_device_event():
    """A device_presence row sets online state and connection facts; a connect clears the reason."""
    row = {"clientid": "TS001-a", "device_id": "TS001", "username": "TS001", "connected": True,
           "event_at": "2026-11-27T10:00:00.000100+00:00", "peerhost": "127.0.0.1",
           "reason": "normal", "node": "emqx@127.0.0.1"}
    model, values = presence_to_odoo(row)
    assert model == "iot.device"
    assert values == {"event": "presence", "device_ref": "TS001", "event_at": "2026-11-27 10:00:00",
                      "event_us": values["event_us"], "is_online": True, "mqtt_client_id": "TS001-a",
                      "mqtt_username": "TS001", "peerhost": "127.0.0.1", "disconnect_reason": False,
                      "broker_node": "emqx@127.0.0.1"}
    _, gone = presence_to_odoo(dict(row, connected=False, reason="keepalive_timeout",
                                    event_at="2026-11-27T10:00:00.000200+00:00"))
    assert gone["is_online"] is False and gone["disconnect_reason"] == "keepalive_timeout"
    assert gone["event_us"] - values["event_us"] == 100  # same second, still ordered


@pytest.mark.parametrize("change", [
    {"odoo_model": "iot.unknown"},
    {"device_id": None},
    {"payload": "[1, 2]"},
    {"payload": {"device_id": "TS001", "signal_strength": 1.5}},
])
def test_unmappable_rows_raise_mapping_error(change):
    """Rows that cannot become Odoo values raise MappingError (the forwarder marks them failed)."""
    with pytest.raises(MappingError):
        to_odoo_values(message_row("temperature", payload=PAYLOADS["temperature"]) | change)


def test_presence_without_device_raises():
    """A client id that is not a device cannot update a device record."""
    with pytest.raises(MappingError):
        presence_to_odoo({"clientid": "dashboard", "device_id": None, "connected": True,
                          "event_at": "2026-11-27T10:00:00+00:00"})
