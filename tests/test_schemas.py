"""The payload schemas: valid 2020-12, versioned, and the fast validator agrees with python-jsonschema."""
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from webhooks import validation
from webhooks.device_types import BY_PATH
from tests.factories import PATHS, payload_for

NAMES = sorted(p.name.split(".")[0] for p in validation.SCHEMA_DIR.glob("*.v1.json"))
SAMPLES = {**{BY_PATH[path].name: payload_for(path) for path in PATHS},
           "status": payload_for("gates", kind="status"), "alerts": payload_for("gates", kind="alerts")}


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_valid_2020_12_with_a_versioned_id(name):
    """Each schema passes the metaschema and carries a versioned $id."""
    schema = json.loads((validation.SCHEMA_DIR / f"{name}.v1.json").read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(f"/{name}/v1.json")


def test_every_device_type_and_kind_has_a_schema():
    """Seven device types plus status and alerts."""
    assert NAMES == sorted([t.name for t in BY_PATH.values()] + ["status", "alerts"])


VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=70), st.sampled_from(["2026-11-27T10:00:00Z", "2026-11-27T10:00:00+05:30",
                                           "2026-11-27 10:00:00Z", "2026-02-30T10:00:00Z", "2026-11-27T24:00:00Z",
                                           "2026-11-27T10:00:60Z", "2026-11-27", "2026-13-01", "MM001", "C" * 33,
                                           "bulk_tank", "passage", "critical", "0123456789ABCDEF"]),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.sampled_from(["fat_percentage", "zone", "x"]),
                                                         st.floats(-5, 60), max_size=2),
)


@settings(max_examples=400, deadline=None)
@given(name=st.sampled_from(NAMES), changes=st.dictionaries(st.text(min_size=1, max_size=25) | st.sampled_from(
    ["timestamp", "device_id", "seq", "yield_liters", "quality", "temperature", "location_type", "event",
     "direction", "status", "alert_type", "severity", "humidity", "next_maintenance", "animal_id", "rfid_tag"]),
    VALUES, max_size=3), drop=st.booleans())
def test_fast_validator_agrees_with_python_jsonschema(name, changes, drop):
    """jsonschema-rs accepts exactly what python-jsonschema (with its format checker) accepts."""
    payload = dict(SAMPLES[name])
    if drop:
        payload.pop("timestamp")
    payload.update(changes)
    slow = not any(True for _ in validation._validator(name).iter_errors(payload))
    assert validation._fast_validator(name).is_valid(payload) == slow, payload
