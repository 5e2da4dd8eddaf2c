"""The PostgreSQL behaviour the addon's ingest relies on, checked on a real server with tables shaped
the way Odoo creates them from the addon's fields (parsed from the source), at Odoo's isolation
level (REPEATABLE READ, odoo/odoo: odoo/sql_db.py).

* Device registration is the addon's own ``INSERT ... ON CONFLICT (device_id) DO NOTHING``: when a
  concurrent transaction registered the device after our snapshot, PostgreSQL raises 40001
  (serialization failure), which Odoo's ``retrying`` (odoo/service/model.py,
  PG_CONCURRENCY_ERRORS_TO_RETRY) runs again — never a unique violation that would fail the batch.
* A reading inserted concurrently with the same message_key fails with 23505 on the constraint
  ``<table>_message_key_uniq``: the name the addon matches to fail the call with IOTDUP, which the
  connector maps to a retryable error; on retry the key is found and skipped.
"""
import ast
import datetime as dt
import pathlib

import psycopg
import pytest

ADDON = pathlib.Path(__file__).resolve().parent.parent / "odoo_connector" / "addons" / "smart_dairy_iot"
SQL_TYPES = {"Char": "varchar", "Text": "text", "Selection": "varchar", "Boolean": "boolean", "Integer": "int4",
             "Float": "double precision", "Date": "date", "Datetime": "timestamp", "Many2one": "int4"}
MAGIC = "id serial PRIMARY KEY, create_uid int4, create_date timestamp, write_uid int4, write_date timestamp"


def stored_columns(*files):
    """Columns Odoo creates for the fields in these class bodies (non-stored computes excluded)."""
    columns = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                    and isinstance(node.value.func, ast.Attribute) and getattr(node.value.func.value, "id", None) == "fields":
                kwargs = {k.arg: k.value for k in node.value.keywords}
                if "compute" in kwargs and not ("store" in kwargs and ast.literal_eval(kwargs["store"])):
                    continue
                columns[node.targets[0].id] = SQL_TYPES[node.value.func.attr]
    return columns


def create_table(conn, table, columns, unique):
    cols = ", ".join(f'"{name}" {kind}' for name, kind in columns.items())
    conn.execute(f'CREATE TABLE {table} ({MAGIC}, {cols}, CONSTRAINT {table}_{unique[0]} UNIQUE ({unique[1]}))')


def registration_sql():
    """The addon's own registration statement (the string passed to cr.execute in iot_device.py)."""
    tree = ast.parse((ADDON / "models" / "iot_device.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "execute":
            return node.args[0].value
    raise AssertionError("no cr.execute in iot_device.py")


@pytest.fixture
def odoo_db(empty_pg_url):
    with psycopg.connect(empty_pg_url, autocommit=True) as conn:
        create_table(conn, "iot_device", stored_columns(ADDON / "models" / "iot_device.py"), ("device_id_unique", "device_id"))
        reading = stored_columns(ADDON / "models" / "iot_reading_mixin.py", ADDON / "models" / "iot_temperature_reading.py")
        create_table(conn, "iot_temperature_reading", reading, ("message_key_uniq", "message_key"))
    return empty_pg_url


def register(conn, device):
    now = dt.datetime(2026, 11, 27, 10, 0, 0)
    conn.execute(registration_sql(), (device, device, "temperature", "farm-1", 2, now, 2, now))


def repeatable_read(url):
    conn = psycopg.connect(url)
    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    conn.execute("SELECT 1").fetchone()  # the snapshot is taken here, as Odoo's first query does
    return conn


def test_registration_sql_fits_the_device_table_and_is_idempotent(odoo_db):
    """The INSERT names only columns the addon's fields create; running it twice registers once."""
    with psycopg.connect(odoo_db, autocommit=True) as conn:
        register(conn, "TS001")
        register(conn, "TS001")
        assert conn.execute("SELECT count(*), min(state), bool_and(active) FROM iot_device").fetchone() == (1, "active", True)


def test_concurrent_registration_is_a_serialization_failure_odoo_retries(odoo_db):
    """Two forwarders meet a new device: the later one gets 40001, not a unique violation."""
    late = repeatable_read(odoo_db)
    try:
        with psycopg.connect(odoo_db, autocommit=True) as first:
            register(first, "TS002")
        with pytest.raises(psycopg.errors.SerializationFailure):
            register(late, "TS002")
    finally:
        late.close()


def test_concurrent_duplicate_reading_violates_the_named_constraint(odoo_db):
    """The same message_key committed by another forwarder after our snapshot: 23505 on
    iot_temperature_reading_message_key_uniq, the constraint the addon matches."""
    insert = ("INSERT INTO iot_temperature_reading (message_key, device_id, device_time, temperature)"
              " VALUES (%s, 1, '2026-11-27 10:00:00', 4.0)")
    late = repeatable_read(odoo_db)
    try:
        with psycopg.connect(odoo_db, autocommit=True) as first:
            first.execute(insert, ("TS001:data:2026-11-27T10:00:00Z",))
        assert late.execute("SELECT count(*) FROM iot_temperature_reading").fetchone() == (0,)  # not visible
        with pytest.raises(psycopg.errors.UniqueViolation) as info:
            late.execute(insert, ("TS001:data:2026-11-27T10:00:00Z",))
        assert info.value.diag.constraint_name == "iot_temperature_reading_message_key_uniq"
    finally:
        late.close()
