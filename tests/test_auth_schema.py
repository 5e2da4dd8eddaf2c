"""The auth DB schema refuses what could never be a safe MQTT identity or ACL row."""
import psycopg
import pytest

from webhooks.device_types import DEVICE_TYPES
from webhooks.migrations import migrate_up

HASH = "ab" * 32


@pytest.fixture
def conn(empty_pg_url):
    migrate_up("auth", empty_pg_url)
    with psycopg.connect(empty_pg_url, autocommit=True) as c:
        yield c


def _add(conn, username, device_type="milk_meter", farm="farm1", role="device", superuser=False):
    conn.execute("INSERT INTO mqtt_user (username, role, device_type, farm_id, password_hash, salt, is_superuser)"
                 " VALUES (%s, %s, %s, %s, %s, 'ff', %s)", (username, role, device_type, farm, HASH, superuser))


def test_device_types_match_the_python_table(conn):
    """The SQL copy of the device types equals webhooks/device_types.py."""
    rows = set(conn.execute("SELECT name, path, prefix FROM device_type").fetchall())
    assert rows == {(t.name, t.path, t.prefix) for t in DEVICE_TYPES}


@pytest.mark.parametrize("username, device_type, farm", [
    ("MM+01", "milk_meter", "farm1"),
    ("MM#001", "milk_meter", "farm1"),
    ("MM/001", "milk_meter", "farm1"),
    ("MM01", "milk_meter", "farm1"),  # too few digits
    ("MM0000001", "milk_meter", "farm1"),  # too many
    ("mm001", "milk_meter", "farm1"),
    ("TS001", "milk_meter", "farm1"),  # prefix of another type
    ("MM001", "tractor", "farm1"),
    ("MM001", "milk_meter", "farm/1"),
    ("MM001", "milk_meter", "farm+"),
    ("MM001", "milk_meter", "#"),
    ("MM001", "milk_meter", "Farm1"),
    ("MM001", "milk_meter", None),
    ("MM001", None, "farm1"),
])
def test_malformed_devices_are_refused(conn, username, device_type, farm):
    """No id or farm that could put '+', '#', '/' (or a wrong prefix) into a topic is stored."""
    with pytest.raises(psycopg.errors.IntegrityError):
        _add(conn, username, device_type, farm)


def test_devices_are_never_superusers(conn):
    """A device row cannot carry the superuser flag (it would skip authz)."""
    with pytest.raises(psycopg.errors.CheckViolation):
        _add(conn, "MM001", superuser=True)


def test_service_users_cannot_look_like_devices(conn):
    """A backend user's name is never a device id, and it has no device type."""
    _add(conn, "ingest-tier", device_type=None, farm=None, role="backend")
    with pytest.raises(psycopg.errors.CheckViolation):
        _add(conn, "MM002", device_type=None, farm=None, role="backend")


def test_hash_must_be_sha256_hex(conn):
    """A cleartext or foreign-format secret can never be stored as the hash."""
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("INSERT INTO mqtt_user (username, role, device_type, farm_id, password_hash)"
                     " VALUES ('MM001', 'device', 'milk_meter', 'farm1', 'hunter2')")


@pytest.mark.parametrize("permission, priority", [("deny", 1000), ("allow", 999)])
def test_deny_rows_sort_before_allow_rows(conn, permission, priority):
    """An ACL row's priority band follows its permission: every deny precedes every allow."""
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("INSERT INTO mqtt_acl (role, priority, permission, action, topic) VALUES"
                     " ('device', %s, %s, 'publish', 'x/y')", (priority, permission))


def test_inactive_users_get_no_acl_rows(conn):
    """The view EMQX's authz query reads yields nothing for an inactive user."""
    _add(conn, "MM001")
    assert conn.execute("SELECT count(*) FROM mqtt_acl_rendered WHERE username = 'MM001'").fetchone()[0] == 9
    conn.execute("UPDATE mqtt_user SET active = false WHERE username = 'MM001'")
    assert conn.execute("SELECT count(*) FROM mqtt_acl_rendered WHERE username = 'MM001'").fetchone()[0] == 0
