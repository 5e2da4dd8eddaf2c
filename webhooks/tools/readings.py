"""Synthetic readings for the benchmarks and the tests, made the way the tier makes them.

A reading is an envelope as the EMQX rule posts it, bound by the tier's own ``bind`` (so its key,
schema id and Odoo model are the ones production produces) and written through the store's own
``write_batch``; presence goes through ``bind_presence`` and ``apply_presence``. Nothing here
writes SQL, so nothing here can drift from the tier.
"""
import json
import uuid
from datetime import datetime, timedelta, timezone

from webhooks.binding import bind
from webhooks.config import Settings
from webhooks.presence import bind_presence
from webhooks.store import open_store

FARM = "farm-1"
# Readings may be dated anywhere (fixed test dates, backfills): no clock bounds for synthetic rows.
_SETTINGS = Settings(max_backfill_days=0, max_clock_skew_seconds=10 ** 9)


def reading(device_id="TS001", at=None, seq=0, temperature=4.2, received_at=None, kind="data", fields=None,
            drop=()):
    """A temperature reading (``kind="data"``), a status report or an alert of a tank thermometer,
    bound; ``fields`` adds to (or replaces in) the payload, ``drop`` leaves fields out."""
    at = at or datetime.now(timezone.utc).replace(microsecond=0) + timedelta(milliseconds=seq)
    payload = {"device_id": device_id, "timestamp": at.isoformat().replace("+00:00", "Z"), "seq": seq}
    payload.update({"data": {"temperature": temperature},
                    "status": {"status": "online", "battery_level": 80, "firmware_version": "1.2.3"},
                    "alerts": {"alert_type": "temperature_high", "severity": "warning"}}[kind])
    payload.update(fields or {})
    for name in drop:
        payload.pop(name, None)
    received_at = received_at or datetime.now(timezone.utc)
    envelope = {
        "msg_id": uuid.uuid4().hex.upper(), "topic": f"dairy/{FARM}/temperature/{device_id}/{kind}",
        "farm_id": FARM, "device_path": "temperature", "device_id": device_id, "kind": kind,
        "clientid": device_id, "username": device_id, "qos": 1,
        "received_at": int(received_at.timestamp() * 1000), "payload": json.dumps(payload),
    }
    return bind(envelope, {"data": "telemetry"}.get(kind, kind), _SETTINGS)


def presence(clientid, connected, event_at, device_id=None):
    """A connect or disconnect event of ``clientid`` (logged in as ``device_id``, default itself)."""
    return bind_presence({
        "event": "client.connected" if connected else "client.disconnected", "clientid": clientid,
        "username": device_id or clientid, "at": int(event_at.timestamp() * 1000), "peerhost": "127.0.0.1",
        "reason": "normal", "node": "emqx@127.0.0.1",
    })


def insert(target, messages):
    """Write bound messages through the store (``target``: a Store or a database URL)."""
    with _store(target) as store:
        return store.write_batch(list(messages))


def apply_presence(target, event):
    with _store(target) as store:
        return store.apply_presence(event)


class _store:
    """Use a given Store, or open (and close) one for a URL."""

    def __init__(self, target):
        self.owned = isinstance(target, str)
        self.store = open_store(target, pool_size=1, group_commit=False) if self.owned else target

    def __enter__(self):
        return self.store

    def __exit__(self, *exc):
        if self.owned:
            self.store.close()
