"""A device's desired configuration: stored in the auth DB, published retained to its
``dairy/{farm}/{path}/{id}/config`` topic through EMQX's REST publish API (no MQTT client here).

The retained message is ``{"device_id", "version", "config"}``; version grows with every change
so a device can ignore a stale copy. The database is the source of truth: if publishing fails the
change is kept and publishing again (same command) delivers it.
"""
import json

from psycopg.types.json import Jsonb

from webhooks.auth_db.errors import DeviceInactive, InvalidDevice
from webhooks.auth_db.provisioning import get_device
from webhooks.device_types import BY_NAME

_FIELDS = ("config", "version", "published_version", "updated_at", "published_at")


def _device(conn, device_id):
    """A device (not a service user: those have no device path, hence no config topic)."""
    device = get_device(conn, device_id)
    if device.get("role", "device") != "device":
        raise InvalidDevice(f"{device_id} is a {device['role']} user; only devices have a config topic")
    return device


def config_topic(device):
    return f"dairy/{device['farm_id']}/{BY_NAME[device['device_type']].path}/{device['device_id']}/config"


def get_config(conn, device_id):
    device = _device(conn, device_id)
    row = conn.execute(f"SELECT {', '.join(_FIELDS)} FROM device_config WHERE username = %s", (device_id,)).fetchone()
    record = dict(zip(_FIELDS, row)) if row else {"config": {}, "version": 0, "published_version": None,
                                                   "updated_at": None, "published_at": None}
    for key in ("updated_at", "published_at"):
        record[key] = record[key].isoformat() if record[key] else None
    return {"device_id": device_id, "topic": config_topic(device), **record}


def set_config(conn, device_id, config, merge=False, unset=()):
    """Replace (or merge into) the config; the version changes only if the content does."""
    if not isinstance(config, dict):
        raise InvalidDevice("config must be a JSON object")
    device = _device(conn, device_id)
    if not device["active"]:
        raise DeviceInactive(f"device {device_id} is {device['state']}; it takes no config")
    with conn.transaction():
        row = conn.execute("SELECT config FROM device_config WHERE username = %s FOR UPDATE", (device_id,)).fetchone()
        current = row[0] if row else {}
        new = {**current, **config} if merge else dict(config)
        for key in unset:
            new.pop(key, None)
        try:
            json.dumps(new, allow_nan=False)
        except ValueError:
            raise InvalidDevice("config values must be finite JSON") from None
        if row is None:
            conn.execute("INSERT INTO device_config (username, config, version) VALUES (%s, %s, 1)", (device_id, Jsonb(new)))
        elif new != current:
            conn.execute("UPDATE device_config SET config = %s, version = version + 1, updated_at = now()"
                         " WHERE username = %s", (Jsonb(new), device_id))
    return get_config(conn, device_id)


def publish(conn, emqx, device_id):
    """Publish the stored config retained (QoS 1) and record the version EMQX now holds."""
    record = get_config(conn, device_id)
    payload = {"device_id": device_id, "version": record["version"], "config": record["config"]}
    emqx.publish(record["topic"], payload, qos=1, retain=True)
    conn.execute("UPDATE device_config SET published_version = %s, published_at = now() WHERE username = %s",
                 (record["version"], device_id))
    return get_config(conn, device_id)
