"""Devices in the auth DB: add (one, or a CSV file all-or-nothing), list, show, rotate.

Secrets are random (``hashing.new_secret``), returned once to the caller and stored only as a
salted hash in the algorithm EMQX is configured with. Every function takes an open psycopg
connection (autocommit; multi-statement work runs in ``conn.transaction()``), so the CLI and the
HTTP API share them.
"""
import csv
import re
from dataclasses import dataclass

import psycopg

from webhooks.auth_db import hashing
from webhooks.auth_db.errors import DeviceExists, DeviceInactive, DeviceNotFound, ImportFailed, InvalidDevice
from webhooks.device_types import BY_NAME, DEVICE_ID_RE, FARM_ID_RE

DEVICE_COLUMNS = ("username", "role", "device_type", "farm_id", "active", "is_superuser", "created_at",
                  "updated_at", "rotated_at", "revoked_at", "decommissioned_at")
CSV_FIELDS = ("farm_id", "device_type", "device_id")
_SERVICE_RE = re.compile(r"^[a-z][a-z0-9_-]{2,63}\Z")


@dataclass(frozen=True)
class Credentials:
    device_id: str
    farm_id: str
    device_type: str
    password: str  # shown once; never stored


def validate(farm_id, device_type, device_id):
    """Friendly errors for what the schema's CHECK constraints would refuse anyway."""
    if not isinstance(farm_id, str) or not FARM_ID_RE.match(farm_id):
        raise InvalidDevice(f"farm id {farm_id!r} must match {FARM_ID_RE.pattern}")
    kind = BY_NAME.get(device_type)
    if kind is None:
        raise InvalidDevice(f"device type {device_type!r} is not one of {', '.join(BY_NAME)}")
    if not isinstance(device_id, str) or not DEVICE_ID_RE.match(device_id):
        raise InvalidDevice(f"device id {device_id!r} must match {DEVICE_ID_RE.pattern}")
    if not device_id.startswith(kind.prefix):
        raise InvalidDevice(f"device id {device_id!r}: a {device_type} id starts with {kind.prefix}")


def _new_hash():
    password, salt = hashing.new_secret(), hashing.new_salt()
    return password, hashing.hash_password(hashing.DEVICE_ALGORITHM, password, salt), salt


def _insert(conn, farm_id, device_type, device_id):
    password, digest, salt = _new_hash()
    try:
        conn.execute(
            "INSERT INTO mqtt_user (username, role, device_type, farm_id, password_hash, salt)"
            " VALUES (%s, 'device', %s, %s, %s, %s)",
            (device_id, device_type, farm_id, digest, salt),
        )
    except psycopg.errors.UniqueViolation:
        raise DeviceExists(f"device {device_id} already exists (ids are never reused)") from None
    except psycopg.errors.IntegrityError as exc:  # a CHECK we did not foresee in validate()
        raise InvalidDevice(f"device {device_id}: {exc.diag.message_primary}") from None
    return Credentials(device_id, farm_id, device_type, password)


def add_device(conn, farm_id, device_type, device_id):
    validate(farm_id, device_type, device_id)
    return _insert(conn, farm_id, device_type, device_id)


def add_service_user(conn, username, role="backend", farm_id=None):
    """A platform service client (role backend): every farm, or one farm when ``farm_id`` is set."""
    if not isinstance(username, str) or DEVICE_ID_RE.match(username) or not _SERVICE_RE.match(username):
        raise InvalidDevice(f"service user name {username!r} must match {_SERVICE_RE.pattern} (and not be a device id)")
    if farm_id is not None and not FARM_ID_RE.match(farm_id):
        raise InvalidDevice(f"farm id {farm_id!r} must match {FARM_ID_RE.pattern}")
    password, digest, salt = _new_hash()
    try:
        conn.execute("INSERT INTO mqtt_user (username, role, farm_id, password_hash, salt) VALUES (%s, %s, %s, %s, %s)",
                     (username, role, farm_id, digest, salt))
    except psycopg.errors.UniqueViolation:
        raise DeviceExists(f"user {username} already exists") from None
    except psycopg.errors.IntegrityError as exc:
        raise InvalidDevice(f"user {username}: {exc.diag.message_primary}") from None
    return Credentials(username, farm_id, None, password)


def read_csv(lines):
    """Rows of a provisioning CSV (header farm_id,device_type,device_id) as (line, dict)."""
    reader = csv.DictReader(lines)
    missing = [f for f in CSV_FIELDS if f not in (reader.fieldnames or [])]
    if missing:
        raise ImportFailed([(1, "", f"header lacks {', '.join(missing)} (need {','.join(CSV_FIELDS)})")])
    return [(reader.line_num, {k: (row.get(k) or "").strip() for k in CSV_FIELDS}) for row in reader]


def import_devices(conn, rows, progress=None):
    """Add every row or none: all rows are checked first, then inserted in one transaction.

    ``rows`` is ``read_csv``'s output; ``progress(done, total)`` is called as rows go in.
    Raises ImportFailed with a report of every bad row (bad values, duplicates in the file,
    ids that already exist).
    """
    report, seen = [], {}
    for line, row in rows:
        try:
            validate(row["farm_id"], row["device_type"], row["device_id"])
        except InvalidDevice as exc:
            report.append((line, row["device_id"], str(exc)))
            continue
        if row["device_id"] in seen:
            report.append((line, row["device_id"], f"duplicate of line {seen[row['device_id']]}"))
        seen.setdefault(row["device_id"], line)
    existing = {r[0] for r in conn.execute(
        "SELECT username FROM mqtt_user WHERE username = ANY(%s)", (list(seen),)).fetchall()}
    report += [(line, row["device_id"], "already exists") for line, row in rows if row["device_id"] in existing]
    if report:
        raise ImportFailed(sorted(report))
    created = []
    try:
        with conn.transaction():
            for line, row in rows:
                created.append(_insert(conn, row["farm_id"], row["device_type"], row["device_id"]))
                if progress:
                    progress(len(created), len(rows))
    except (DeviceExists, InvalidDevice) as exc:  # raced with another writer: nothing kept
        raise ImportFailed([(line, row["device_id"], str(exc))]) from None
    return created


def get_device(conn, device_id):
    cur = conn.execute(f"SELECT {', '.join(DEVICE_COLUMNS)} FROM mqtt_user WHERE username = %s", (device_id,))
    row = cur.fetchone()
    if row is None:
        raise DeviceNotFound(f"no device {device_id!r}")
    return _device(row)


def list_devices(conn, farm_id=None, device_type=None, active=None, limit=1000, offset=0):
    where, params = ["role = 'device'"], []
    for column, value in (("farm_id", farm_id), ("device_type", device_type), ("active", active)):
        if value is not None:
            where.append(f"{column} = %s")
            params.append(value)
    cur = conn.execute(
        f"SELECT {', '.join(DEVICE_COLUMNS)} FROM mqtt_user WHERE {' AND '.join(where)}"
        " ORDER BY farm_id, username LIMIT %s OFFSET %s", (*params, limit, offset))
    return [_device(r) for r in cur.fetchall()]


def rotate(conn, device_id):
    """A new secret for an active user (device or service); the old one stops at its next login."""
    password, digest, salt = _new_hash()
    row = conn.execute(
        "UPDATE mqtt_user SET password_hash = %s, salt = %s, rotated_at = now()"
        " WHERE username = %s AND active RETURNING farm_id, device_type",
        (digest, salt, device_id)).fetchone()
    if row is None:
        device = get_device(conn, device_id)  # raises DeviceNotFound
        raise DeviceInactive(f"device {device_id} is {_state(device)}; rotation needs an active device")
    return Credentials(device_id, row[0], row[1], password)


def _state(device):
    return "decommissioned" if device["decommissioned_at"] else ("revoked" if not device["active"] else "active")


def _device(row):
    d = dict(zip(DEVICE_COLUMNS, row))
    d["device_id"] = d.pop("username")
    d["state"] = _state(d)
    for key in ("created_at", "updated_at", "rotated_at", "revoked_at", "decommissioned_at"):
        d[key] = d[key].isoformat() if d[key] else None
    return d
