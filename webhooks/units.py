"""What the status page shows of each device type's data reading, and in which unit.

One small table per device type: (payload path, label, unit). The paths are properties of that
type's JSON Schema (webhooks/schemas/<type>.v1.json; tests/test_units.py keeps the two in step),
but the schemas state a unit only here and there, in free text ("degrees Celsius", "litres per
minute") or in a field's name (``yield_liters``, ``co2_ppm``), so the units are written down here,
agreeing with the schema wherever it names one. A unit of None: a label, a count or an index.
"""
import json
from functools import lru_cache

from webhooks.validation import SCHEMA_DIR

FIELDS = {
    "milk_meter": (("animal_id", "animal", None), ("yield_liters", "yield", "L"), ("flow_rate", "flow", "L/min"),
                   ("quality.fat_percentage", "fat", "%"), ("quality.protein_percentage", "protein", "%"),
                   ("quality.somatic_cell_count", "SCC", "cells/mL"),
                   ("quality.temperature_celsius", "milk", "°C")),
    "temperature": (("location_type", "place", None), ("tank_state", "tank", None), ("temperature", "temp", "°C"),
                    ("humidity", "humidity", "%RH"), ("cooling_minutes", "cooling", "min")),
    "collar": (("animal_id", "animal", None), ("activity_level", "activity", "/100"),
               ("rumination_minutes", "rumination", "min"), ("lying_time_minutes", "lying", "min"),
               ("steps", "steps", None), ("temperature", "body", "°C"), ("heart_rate", "heart", "bpm")),
    "feeder": (("animal_id", "animal", None), ("feed_type", "feed", None), ("quantity_kg", "fed", "kg"),
               ("duration_seconds", "took", "s"), ("bin_level_percent", "bin", "%")),
    "gate": (("event", "event", None), ("direction", "way", None), ("sort_decision", "sort", None),
             ("passage_count", "animals", None), ("zone_to", "to", None)),
    "waterer": (("consumption_liters", "drunk", "L"), ("flow_rate_lpm", "flow", "L/min"),
                ("water_temperature", "water", "°C"), ("level_percent", "level", "%"), ("valve_state", "valve", None)),
    "environmental": (("temperature", "temp", "°C"), ("humidity", "humidity", "%RH"), ("thi", "THI", None),
                      ("ammonia_ppm", "NH₃", "ppm"), ("co2_ppm", "CO₂", "ppm"), ("light_lux", "light", "lx")),
}


def columns(device_type):
    """(label, unit, numeric) for the type's table head; none for a type the table does not know."""
    return [(label, unit, schema_property(device_type, path).get("type") in ("number", "integer"))
            for path, label, unit in FIELDS.get(device_type, ())]


def cells(device_type, payload):
    """The reading's value for each column, as text ('' where the payload has none)."""
    return [_text(_at(payload, path)) for path, _, _ in FIELDS.get(device_type, ())]


@lru_cache(maxsize=None)
def _schema(device_type):
    return json.loads((SCHEMA_DIR / f"{device_type}.v1.json").read_text())


def schema_property(device_type, path):
    """The JSON Schema of the payload field at ``path`` ('quality.fat_percentage'); {} if none."""
    node = _schema(device_type)
    for key in path.split("."):
        node = node.get("properties", {}).get(key, {})
    return node


def _at(payload, path):
    for key in path.split("."):
        if not isinstance(payload, dict):
            return None
        payload = payload.get(key)
    return payload


def _text(value):
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)
