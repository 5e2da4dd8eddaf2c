"""Synthetic outbox rows (plain SQL matching sql/ingest/0001), for the benchmark and the tests.

Readings are temperature samples (``iot.temperature.reading``) with valid payloads; status rows go
to ``iot.device``; presence rows are upserted the way the ingest tier does (newer event wins).
"""
import json
import uuid
from datetime import datetime, timedelta, timezone

from webhooks.forwarder.rows import iso

_COLUMNS = ("message_key, device_ts, device_id, kind, device_type, farm_id, msg_id, topic, received_at, "
            "payload, schema_id, odoo_model")


def reading(device_id="TS001", at=None, seq=0, temperature=4.2, received_at=None, kind="data"):
    """One message row as a dict of the table's columns."""
    at = at or datetime.now(timezone.utc).replace(microsecond=0) + timedelta(milliseconds=seq)
    payload = ({"device_id": device_id, "timestamp": at.isoformat().replace("+00:00", "Z"), "seq": seq,
                "temperature": temperature} if kind == "data" else
               {"device_id": device_id, "timestamp": at.isoformat().replace("+00:00", "Z"), "seq": seq,
                "status": "online", "battery_level": 80, "firmware_version": "1.2.3"})
    return {
        "message_key": f"{device_id}:{kind}:{at.isoformat()}:{seq}", "device_ts": at, "device_id": device_id,
        "kind": kind, "device_type": "temperature", "farm_id": "farm-1",
        "msg_id": uuid.uuid4().hex.upper(), "topic": f"dairy/farm-1/temperature/{device_id}/{kind}",
        "received_at": received_at or datetime.now(timezone.utc), "payload": payload,
        "schema_id": f"{'temperature' if kind == 'data' else 'status'}.v1",
        "odoo_model": "iot.temperature.reading" if kind == "data" else "iot.device",
    }


def insert(conn, rows):
    """Insert message rows (dicts from ``reading``); works on psycopg and sqlite3 connections."""
    sqlite = conn.__class__.__module__ == "sqlite3"
    ph = ", ".join(["?" if sqlite else "%s"] * 12)
    sql = f"INSERT INTO message ({_COLUMNS}) VALUES ({ph})"
    params = [_params(r, sqlite) for r in rows]
    if sqlite:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, params)
        conn.execute("COMMIT")
    else:
        with conn.cursor() as cur:
            cur.executemany(sql, params)


def _params(r, sqlite):
    t = iso if sqlite else (lambda d: d)
    return (r["message_key"], t(r["device_ts"]), r["device_id"], r["kind"], r["device_type"], r["farm_id"],
            r["msg_id"], r["topic"], t(r["received_at"]), json.dumps(r["payload"]), r["schema_id"],
            r["odoo_model"])


def presence(conn, clientid, connected, event_at, device_id=None):
    """Upsert a presence event as the ingest tier does: applied only if newer than the row's."""
    sqlite = conn.__class__.__module__ == "sqlite3"
    ph = "?" if sqlite else "%s"
    now = datetime.now(timezone.utc)
    t = iso if sqlite else (lambda d: d)
    conn.execute(
        f"INSERT INTO device_presence (clientid, device_id, username, connected, event_at, updated_at, "
        f"state, attempts, next_attempt_at) VALUES ({ph}, {ph}, {ph}, {ph}, {ph}, {ph}, 'pending', 0, {ph}) "
        "ON CONFLICT (clientid) DO UPDATE SET connected = excluded.connected, event_at = excluded.event_at, "
        "updated_at = excluded.updated_at, state = 'pending', attempts = 0, "
        "next_attempt_at = excluded.next_attempt_at, last_error = NULL "
        "WHERE device_presence.event_at < excluded.event_at",
        (clientid, device_id or clientid, device_id or clientid, int(connected) if sqlite else connected,
         t(event_at), t(now), t(now)))
