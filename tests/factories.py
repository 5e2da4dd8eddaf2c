"""Builders for the bodies EMQX's HTTP action posts (shaped as the rules in emqx_rules/ produce)."""
import itertools
import json
import time

_ids = itertools.count(1)
TOKEN = "test-token-1"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

PATHS = {
    "milk_meters": ("MM001", {"animal_id": "COW-17", "yield_liters": 12.4, "flow_rate": 2.1,
                              "quality": {"fat_percentage": 3.9, "somatic_cell_count": 120000}}),
    "temperature": ("TS001", {"temperature": 3.6, "location_type": "bulk_tank"}),
    "collars": ("AC001", {"animal_id": "COW-17", "activity_level": 40, "rumination_minutes": 30}),
    "feeders": ("FD001", {"animal_id": "COW-17", "quantity_kg": 2.5, "status": "dispensing"}),
    "gates": ("GT001", {"event": "passage", "direction": "in", "animal_id": "COW-17"}),
    "waterers": ("WT001", {"consumption_liters": 14.2, "interval_seconds": 600}),
    "environmental": ("EN001", {"temperature": 18.5, "humidity": 70, "ammonia_ppm": 8}),
}


def now_ms():
    return int(time.time() * 1000)


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}Z"


def payload_for(path, device_id=None, ts_ms=None, kind="data", **extra):
    default_id, fields = PATHS[path]
    body = {"device_id": device_id or default_id, "timestamp": iso(ts_ms or now_ms() - 1000)}
    if kind == "data":
        body.update(fields)
    elif kind == "status":
        body.update(status="online", battery_level=88, firmware_version="2.4.1")
    else:
        body.update(alert_type="low_battery", severity="warning", message="battery at 9 %")
    body.update(extra)
    return body


def envelope(path="milk_meters", kind="data", payload=None, device_id=None, farm="farm-a", **overrides):
    device_id = device_id or PATHS[path][0]
    if payload is None:
        payload = payload_for(path, device_id, kind=kind)
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    topic_kind = "data" if kind == "data" else kind
    body = {
        "msg_id": f"{next(_ids):032X}",
        "topic": f"dairy/{farm}/{path}/{device_id}/{topic_kind}",
        "farm_id": farm,
        "device_path": path,
        "device_id": device_id,
        "kind": kind,
        "clientid": device_id,
        "username": device_id,
        "qos": 1,
        "received_at": now_ms(),
        "payload": raw,
    }
    body.update(overrides)
    return body


def presence(event="client.connected", clientid="MM001", at=None, reason="undefined", username=None):
    return {
        "event": event,
        "clientid": clientid,
        "username": username or clientid,
        "peerhost": "10.1.2.3",
        "at": at or now_ms(),
        "reason": reason,
        "node": "emqx@node1",
    }


STREAM_OF_KIND = {"data": "telemetry", "status": "status", "alerts": "alerts"}
