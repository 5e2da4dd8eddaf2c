"""The addon's ``ingest`` and ``ingest_events`` run against a small in-memory stand-in for the Odoo
ORM (Odoo itself cannot run here). The stand-in is strict where Odoo is: Datetime strings must
match '%Y-%m-%d %H:%M:%S' (fields.Datetime.to_datetime), selections must hold a declared key,
required fields and many2one targets are enforced, message_key is unique, and a savepoint rolls
back what failed inside it (odoo/sql_db.py Cursor.savepoint). Both series are exercised: 17/18
(``_sql_constraints``) and 19+ (``models.Constraint``). The SQL the addon runs itself is tested on
PostgreSQL in test_odoo_addon_sql.py.
"""
import contextlib
import copy
import datetime as dt
import importlib
import sys
import types

import pytest

from odoo_connector.mapping import presence_to_odoo, to_odoo_values
from test_odoo_mapping import PAYLOADS, message_row


class IntegrityError(Exception):
    def __init__(self, message, pgcode, constraint=None):
        super().__init__(message)
        self.pgcode, self.diag = pgcode, types.SimpleNamespace(constraint_name=constraint)


class OperationalError(Exception):
    pgcode = "40001"


class UserError(Exception):
    pass


class AccessError(UserError):
    """odoo.exceptions.AccessError: what create/write raise for a user without the right (odoo/models.py)."""


class Field:
    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, record, owner):
        if record is None:
            return self
        return record.env.store[record._name][record.id].get(self.name, False)

    def convert(self, value, env):
        return value


class Char(Field):
    def convert(self, value, env):
        return value if value is False else str(value)


class Text(Char):
    pass


class Float(Field):
    def convert(self, value, env):
        return float(value)


class Integer(Field):
    def convert(self, value, env):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"invalid integer {value!r}")
        return int(value)


class Boolean(Field):
    def convert(self, value, env):
        return bool(value)


class Selection(Field):
    def convert(self, value, env):
        if value not in {key for key, _ in self.args[0]}:
            raise ValueError(f"Wrong value for {self.name}: {value!r}")
        return value


class Date(Field):
    def convert(self, value, env):
        return dt.datetime.strptime(value, "%Y-%m-%d").date()


class Datetime(Field):
    @staticmethod
    def to_datetime(value):
        return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S") if isinstance(value, str) else value

    @staticmethod
    def now():
        return dt.datetime(2026, 11, 27, 12, 0, 0)

    def convert(self, value, env):
        return self.to_datetime(value)


class Many2one(Field):
    def convert(self, value, env):
        if value not in env.store[self.args[0]]:
            raise IntegrityError("violates foreign key constraint", "23503")
        return value


class Model:
    _name = None
    _inherit = ()
    _registry = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if vars(cls).get("_composed"):
            return
        fields = {}
        for parent in ([cls._inherit] if isinstance(cls._inherit, str) else cls._inherit):
            fields.update(Model._registry[parent]._own_fields)
        fields.update({k: v for k, v in vars(cls).items() if isinstance(v, Field)})
        cls._own_fields = cls._fields = fields
        cls._table = cls._name.replace(".", "_")
        Model._registry[cls._name] = cls

    def __init__(self, env, ids=()):
        self.env, self._ids = env, tuple(ids)

    @property
    def id(self):
        (one,) = self._ids
        return one

    @property
    def ids(self):
        return list(self._ids)

    def __getitem__(self, name):
        return getattr(self, name)

    def browse(self, ids):
        return type(self)(self.env, [ids] if isinstance(ids, int) else ids)

    def with_context(self, **kwargs):
        return self

    def flush_model(self):
        pass

    def check_access_rights(self, operation):
        self.env.checked.append((self._name, operation))
        if (self._name, operation) in self.env.denied:
            raise AccessError(f"You are not allowed to {operation} {self._name!r} records.")

    def search_read(self, domain, fields):
        ((name, op, values),) = domain
        assert op == "in"
        table = self.env.store[self._name]
        return [{"id": i, **{f: row.get(f) for f in fields}} for i, row in table.items() if row.get(name) in values]

    def _converted(self, values):
        return {k: (v if v is False else self._fields[k].convert(v, self.env)) for k, v in values.items()}

    def create(self, vals_list):
        self.check_access_rights("create")
        table, ids = self.env.store[self._name], []
        for values in vals_list:
            row = self._converted(values)
            missing = [n for n, f in self._fields.items() if f.kwargs.get("required") and n not in row
                       and "default" not in f.kwargs]
            if missing:
                raise IntegrityError(f"null value in column {missing[0]!r}", "23502")
            key = row.get("message_key")
            if key is not None and key in self.env.hidden_keys | {r.get("message_key") for r in table.values()}:
                raise IntegrityError("duplicate key", "23505", f"{self._table}_message_key_uniq")
            if key in self.env.fail_keys:
                raise OperationalError("could not serialize access due to concurrent update")
            new_id = self.env.next_id()
            table[new_id] = row
            ids.append(new_id)
        return type(self)(self.env, ids)

    def write(self, values):
        self.check_access_rights("write")
        for i in self._ids:
            self.env.store[self._name][i].update(self._converted(values))
        return True


class Cursor:
    def __init__(self, env):
        self.env = env

    @contextlib.contextmanager
    def savepoint(self):
        saved = copy.deepcopy(self.env.store)
        try:
            yield
        except BaseException:
            self.env.store.clear()
            self.env.store.update(saved)
            raise

    def execute(self, sql, params):
        assert sql.startswith("INSERT INTO iot_device") and "ON CONFLICT (device_id) DO NOTHING" in sql
        ref, name, kind, farm = params[:4]
        devices = self.env.store["iot.device"]
        if all(row["device_id"] != ref for row in devices.values()):
            devices[self.env.next_id()] = {"device_id": ref, "name": name, "device_type": kind,
                                           "farm_code": farm, "state": "active", "active": True, "is_online": False}


class Env:
    uid = 2

    def __init__(self):
        self.store = {name: {} for name, cls in Model._registry.items() if name not in ("iot.reading.mixin",)}
        self.cr, self.checked, self.hidden_keys, self.fail_keys = Cursor(self), [], set(), set()
        self.denied = set()  # (model, operation) the connector user has no right to
        self._ids = iter(range(1, 10**6))

    def next_id(self):
        return next(self._ids)

    def __getitem__(self, model):
        """The model class with its _inherit parents' methods, as Odoo's registry composes it."""
        cls = Model._registry[model]
        parents = tuple(Model._registry[p] for p in ([cls._inherit] if isinstance(cls._inherit, str) else cls._inherit))
        composed = type(cls.__name__, (cls, *parents), {"_composed": True}) if parents else cls
        return composed(self)


def fake_odoo(series):
    odoo = types.ModuleType("odoo")
    odoo.api = types.SimpleNamespace(model=lambda f: f, depends=lambda *a: (lambda f: f))
    odoo.fields = types.SimpleNamespace(Char=Char, Text=Text, Float=Float, Integer=Integer, Boolean=Boolean,
                                        Selection=Selection, Date=Date, Datetime=Datetime, Many2one=Many2one)
    odoo.models = types.SimpleNamespace(Model=Model, AbstractModel=Model)
    if series >= 19:
        odoo.models.Constraint = lambda definition, message: ("constraint", definition, message)
    odoo.release = types.SimpleNamespace(version_info=(series, 0, 0, "final", 0, ""))
    odoo.exceptions = types.SimpleNamespace(UserError=UserError, AccessError=AccessError)
    odoo._ = lambda message, *args, **kwargs: message % (args or kwargs) if (args or kwargs) else message
    psycopg2 = types.SimpleNamespace(IntegrityError=IntegrityError, OperationalError=OperationalError)
    return {"odoo": odoo, "odoo.exceptions": odoo.exceptions, "psycopg2": psycopg2}


@pytest.fixture(params=[17, 19], ids=["odoo17", "odoo19"])
def env(request, monkeypatch):
    """A fresh stand-in registry with the addon's models imported under the given series."""
    for name, module in fake_odoo(request.param).items():
        monkeypatch.setitem(sys.modules, name, module)
    Model._registry = {}
    prefix = "odoo_connector.addons.smart_dairy_iot"
    for name in [m for m in sys.modules if m.startswith(prefix)]:
        monkeypatch.delitem(sys.modules, name)
    importlib.import_module(prefix + ".models")
    yield Env()
    for name in [m for m in sys.modules if m.startswith(prefix)]:
        del sys.modules[name]


def rows(model, count=3, **over):
    device_type = {"iot.temperature.reading": "temperature", "milk.production.realtime": "milk_meter"}[model]
    out = []
    for i in range(count):
        row = message_row(device_type, payload=PAYLOADS[device_type])
        row["message_key"] += f"-{i}"
        out.append(to_odoo_values(row)[1] | over)
    return out


def test_declares_the_unique_key_the_series_understands(env):
    """19+: models.Constraint attribute; 17/18: _sql_constraints (the other one is absent)."""
    cls = Model._registry["iot.temperature.reading"]
    if hasattr(sys.modules["odoo"].models, "Constraint"):
        assert cls._message_key_uniq[1] == "UNIQUE(message_key)" and not hasattr(cls, "_sql_constraints")
    else:
        assert cls._sql_constraints == [("message_key_uniq", "UNIQUE(message_key)", "IOTDUP message_key must be unique")]


def test_ingest_creates_new_rows_and_a_repeat_creates_nothing(env):
    """The first call creates every row; the same batch again answers the same ids."""
    batch = rows("iot.temperature.reading")
    first = env["iot.temperature.reading"].ingest(batch)
    assert [set(r) for r in first] == [{"id"}] * 3
    assert env["iot.temperature.reading"].ingest(batch) == first
    assert len(env.store["iot.temperature.reading"]) == 3


def test_unknown_device_is_registered_once_and_linked(env):
    """Readings of a new device register it (type from the id prefix, farm) and link to it."""
    result = env["milk.production.realtime"].ingest(rows("milk.production.realtime"))
    (device_id, device), = env.store["iot.device"].items()
    assert (device["device_id"], device["device_type"], device["farm_code"]) == ("MM001", "milk_meter", "farm-1")
    assert {env.store["milk.production.realtime"][r["id"]]["device_id"] for r in result} == {device_id}
    assert ("iot.device", "create") in env.checked


def test_a_key_twice_in_one_batch_is_created_once(env):
    """Duplicates inside one batch resolve to one record."""
    batch = rows("iot.temperature.reading", count=1) * 2
    first, second = env["iot.temperature.reading"].ingest(batch)
    assert first == second and len(env.store["iot.temperature.reading"]) == 1


@pytest.mark.parametrize("change, reason", [
    ({"device_time": "2026-11-27T10:00:00Z"}, "ValueError"),
    ({"location_type": "freezer"}, "ValueError"),
    ({"colour": "red"}, "no field(s) colour"),
    ({"device_ref": "XX001"}, "unknown or invalid device"),
    ({"message_key": ""}, "message_key is required"),
])
def test_one_bad_row_fails_alone(env, change, reason):
    """A bad row is answered with its error; the rows around it are created."""
    batch = rows("iot.temperature.reading")
    batch[1] = batch[1] | change
    result = env["iot.temperature.reading"].ingest(batch)
    assert "id" in result[0] and "id" in result[2]
    assert reason in result[1]["error"]
    assert len(env.store["iot.temperature.reading"]) == 2


def test_concurrent_duplicate_fails_the_call_for_a_retry(env):
    """A key another transaction committed after our snapshot: the unique violation propagates
    (Odoo turns it into the IOTDUP ValidationError the connector retries)."""
    batch = rows("iot.temperature.reading")
    env.hidden_keys.add(batch[1]["message_key"])
    with pytest.raises(IntegrityError):
        env["iot.temperature.reading"].ingest(batch)


def test_serialization_failure_aborts_the_call(env):
    """A serialization failure is not a row error: it propagates so Odoo retries the transaction."""
    batch = rows("iot.temperature.reading")
    env.fail_keys.add(batch[0]["message_key"])
    with pytest.raises(OperationalError):
        env["iot.temperature.reading"].ingest(batch)


def test_a_connector_user_without_its_group_fails_the_call_not_the_rows(env):
    """No create right (the group was taken away): AccessError aborts the call, so the forwarder
    holds the rows; answering each row with an error would have failed them all."""
    batch = rows("iot.temperature.reading")
    env["iot.temperature.reading"].ingest(batch[:1])  # the device is known: only the create is refused
    env.denied.add(("iot.temperature.reading", "create"))
    with pytest.raises(AccessError):
        env["iot.temperature.reading"].ingest(batch)
    assert len(env.store["iot.temperature.reading"]) == 1


def test_device_events_without_write_right_fail_the_call(env):
    """The same for ingest_events: a refused write on iot.device aborts the call."""
    devices = env["iot.device"]
    devices.ingest_events([presence(True, "2026-11-27T10:00:00+00:00")])
    env.denied.add(("iot.device", "write"))
    with pytest.raises(AccessError):
        devices.ingest_events([presence(False, "2026-11-27T10:00:05+00:00")])


def test_every_mapped_device_type_is_accepted(env):
    """The connector's mapping output for every device type and an alert is created without error."""
    for device_type, payload in PAYLOADS.items():
        model, values = to_odoo_values(message_row(device_type, payload=payload))
        assert "id" in env[model].ingest([values])[0], (model, env[model].ingest([values]))
    alert = message_row("temperature", kind="alerts", payload={"alert_type": "cold_chain_excursion",
                                                               "severity": "critical", "value": 7.5})
    model, values = to_odoo_values(alert)
    assert "id" in env[model].ingest([values])[0]


def presence(connected, at):
    return presence_to_odoo({"clientid": "TS001", "device_id": "TS001", "username": "TS001", "connected": connected,
                             "event_at": at, "peerhost": "127.0.0.1", "reason": "keepalive_timeout",
                             "node": "emqx@n1"})[1]


def status(at, state):
    row = message_row("temperature", kind="status", payload={"status": state, "firmware_version": "1.2"},
                      device_ts=at)
    return to_odoo_values(row)[1]


def test_events_apply_only_when_newer(env):
    """A late disconnect older than the applied connect changes nothing; a newer one applies."""
    devices = env["iot.device"]
    applied = devices.ingest_events([presence(True, "2026-11-27T10:00:00.000200+00:00")])
    stale = devices.ingest_events([presence(False, "2026-11-27T10:00:00.000100+00:00")])
    assert applied == stale
    device = env.store["iot.device"][applied[0]["id"]]
    assert device["is_online"] is True and device["disconnect_reason"] is False
    devices.ingest_events([presence(False, "2026-11-27T10:00:05+00:00")])
    assert device["is_online"] is False and device["disconnect_reason"] == "keepalive_timeout"
    assert device["last_seen"] == dt.datetime(2026, 11, 27, 10, 0, 5)


def test_presence_and_status_keep_separate_clocks(env):
    """A device's own status report is applied even if a newer broker event was applied first."""
    devices = env["iot.device"]
    devices.ingest_events([presence(True, "2026-11-27T10:00:10+00:00")])
    (result,) = devices.ingest_events([status(dt.datetime(2026, 11, 27, 10, 0, 5, tzinfo=dt.timezone.utc), "error")])
    device = env.store["iot.device"][result["id"]]
    assert (device["reported_status"], device["firmware_version"]) == ("error", "1.2")
    assert device["last_seen"] == dt.datetime(2026, 11, 27, 10, 0, 10)  # max, never back in time


def test_bad_event_fails_alone(env):
    """An event with a field its kind may not set is answered with an error; the others apply."""
    good = presence(True, "2026-11-27T10:00:00+00:00")
    result = env["iot.device"].ingest_events([good, good | {"reported_status": "error"}, {"device_ref": "nope"}])
    assert "id" in result[0] and "cannot set reported_status" in result[1]["error"] and "error" in result[2]
