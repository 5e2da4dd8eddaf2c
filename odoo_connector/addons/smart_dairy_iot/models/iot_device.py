"""The device registry (the seed's iot.device, the fields this architecture feeds) and the two
entry points the forwarder uses on it: device resolution for readings, and ``ingest_events``.

Presence (broker connect/disconnect) and status (the device's own report) each keep their own
clock in microseconds (``last_presence_us``, ``last_status_us``): an event is applied only when it
is newer than the one the record holds, so EMQX's reordering and repeated batches cannot move a
device back in time. Readings never write the device row (no contention at 1,000 msg/s); the
message counters are computed from the reading tables instead.
"""
import re
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .orm_compat import ABORT_CALL, HAS_CONSTRAINT, check_model_access, describe

DEVICE_ID_RE = re.compile(r"^(MM|TS|AC|FD|GT|WT|EN)[0-9]{3,6}\Z")
TYPE_BY_PREFIX = {"MM": "milk_meter", "TS": "temperature", "AC": "collar", "FD": "feeder",
                  "GT": "gate", "WT": "waterer", "EN": "environmental"}
READING_MODELS = ("milk.production.realtime", "iot.temperature.reading", "iot.activity.reading",
                  "iot.feeding.event", "iot.gate.event", "iot.water.reading", "iot.environment.reading")
EVENT_FIELDS = {
    "presence": ("is_online", "mqtt_client_id", "mqtt_username", "peerhost", "disconnect_reason",
                 "broker_node"),
    "status": ("reported_status", "battery_level", "signal_strength", "firmware_version", "uptime_seconds",
               "error_code", "error_message", "calibration_date", "next_maintenance_date", "farm_code",
               "last_status_msg_id"),
}
EVENT_CLOCK = {"presence": ("last_presence_us", "last_presence_at"), "status": ("last_status_us", "last_status_at")}
EVENT_KEYS = ("event", "event_at", "event_us", "device_ref", "device_type")


class IotDevice(models.Model):
    _name = "iot.device"
    _description = "IoT Device"
    _order = "device_id"

    name = fields.Char(string="Device Name", required=True)
    device_id = fields.Char(string="Device ID", required=True, copy=False,
                            help="The id in the MQTT topic and username, e.g. MM001, TS001.")
    device_type = fields.Selection([
        ("milk_meter", "Milk Meter"), ("temperature", "Temperature Sensor"), ("collar", "Activity Collar"),
        ("feeder", "Feed Dispenser"), ("gate", "Automated Gate"), ("waterer", "Water Dispenser"),
        ("environmental", "Environmental Sensor"),
    ], required=True)
    farm_code = fields.Char(string="Farm", index=True, help="The farm id of the device's topics.")
    active = fields.Boolean(default=True)
    state = fields.Selection([
        ("provisioning", "Provisioning"), ("active", "Active"), ("inactive", "Inactive"),
        ("maintenance", "Maintenance"), ("decommissioned", "Decommissioned"),
    ], string="Status", default="provisioning")
    firmware_version = fields.Char()
    hardware_version = fields.Char()
    notes = fields.Text()
    # presence, from the broker
    is_online = fields.Boolean(readonly=True)
    last_seen = fields.Datetime(readonly=True)
    mqtt_client_id = fields.Char(string="MQTT Client ID", readonly=True)
    mqtt_username = fields.Char(string="MQTT Username", readonly=True)
    peerhost = fields.Char(string="Last Address", readonly=True)
    disconnect_reason = fields.Char(string="Last Disconnect Reason", readonly=True)
    broker_node = fields.Char(readonly=True)
    last_presence_at = fields.Datetime(string="Last Presence Event", readonly=True)
    last_presence_us = fields.Float(readonly=True, digits=(20, 0),
                                    help="Time of the applied presence event, µs since the epoch.")
    # status, from the device
    reported_status = fields.Selection([
        ("online", "Online"), ("offline", "Offline"), ("error", "Error"), ("maintenance", "Maintenance"),
        ("calibrating", "Calibrating"),
    ], readonly=True)
    battery_level = fields.Float(string="Battery (%)", readonly=True)
    signal_strength = fields.Integer(string="Signal (dBm)", readonly=True)
    uptime_seconds = fields.Float(string="Uptime (s)", readonly=True)
    error_code = fields.Char(readonly=True)
    error_message = fields.Text(readonly=True)
    last_status_at = fields.Datetime(string="Last Status Report", readonly=True)
    last_status_us = fields.Float(readonly=True, digits=(20, 0),
                                  help="Time of the applied status report, µs since the epoch.")
    last_status_msg_id = fields.Char(string="Last Status MQTT Message ID", readonly=True)
    calibration_date = fields.Date(string="Last Calibration Date")
    next_calibration_date = fields.Date()
    next_maintenance_date = fields.Date()
    # statistics, computed from the readings so ingest never writes this row
    messages_received = fields.Integer(compute="_compute_statistics")
    error_count = fields.Integer(string="Alerts", compute="_compute_statistics")

    if HAS_CONSTRAINT:
        _device_id_unique = models.Constraint("UNIQUE(device_id)", "Device ID must be unique!")
    else:
        _sql_constraints = [("device_id_unique", "UNIQUE(device_id)", "Device ID must be unique!")]

    def _compute_statistics(self):
        received, alerts = defaultdict(int), defaultdict(int)
        ids = [i for i in self.ids if isinstance(i, int)]
        if ids:
            for model in READING_MODELS:
                for device, count in self.env[model]._read_group([("device_id", "in", ids)], ["device_id"], ["__count"]):
                    received[device.id] += count
            for device, count in self.env["iot.alert"]._read_group([("device_id", "in", ids)], ["device_id"], ["__count"]):
                alerts[device.id] += count
        for device in self:
            device.messages_received = received[device.id]
            device.error_count = alerts[device.id]

    @api.model
    def _ingest_resolve(self, rows):
        """{device_ref: id} for the rows' devices, registering unknown well-formed ids.

        Registration is ``INSERT ... ON CONFLICT (device_id) DO NOTHING``: two forwarders meeting
        a new device at once never fail on the unique key; under Odoo's REPEATABLE READ the one
        that loses gets a serialization failure, and Odoo's retry loop runs the call again."""
        wanted = {}
        for row in rows:
            ref = row.get("device_ref") if isinstance(row, dict) else None
            if isinstance(ref, str) and DEVICE_ID_RE.match(ref):
                wanted.setdefault(ref, row)
        if not wanted:
            return {}
        found = self._ids_by_device_id(list(wanted))
        missing = sorted(set(wanted) - set(found))
        if missing:
            check_model_access(self, "create")
            self.flush_model()
            now, uid = fields.Datetime.now(), self.env.uid
            for ref in missing:
                row = wanted[ref]
                kind = row.get("device_type") if row.get("device_type") in TYPE_BY_PREFIX.values() else TYPE_BY_PREFIX[ref[:2]]
                self.env.cr.execute(
                    "INSERT INTO iot_device (device_id, name, device_type, farm_code, state, active, is_online,"
                    " create_uid, create_date, write_uid, write_date)"
                    " VALUES (%s, %s, %s, %s, 'active', true, false, %s, %s, %s, %s)"
                    " ON CONFLICT (device_id) DO NOTHING",
                    (ref, ref, kind, row.get("farm_code"), uid, now, uid, now),
                )
            found.update(self._ids_by_device_id(missing))
        return found

    def _ids_by_device_id(self, refs):
        devices = self.with_context(active_test=False).search_read([("device_id", "in", refs)], ["device_id"])
        return {d["device_id"]: d["id"] for d in devices}

    @api.model
    def ingest_events(self, rows):
        """Apply presence/status events newer than what each device holds; a list aligned with
        ``rows`` of ``{"id": device id}`` (applied or already superseded) or ``{"error": reason}``."""
        if not isinstance(rows, list):
            raise UserError(_("ingest_events expects a list of rows"))
        devices = self._ingest_resolve(rows)
        return [self._ingest_event(row, devices) for row in rows]

    def _ingest_event(self, row, devices):
        try:
            device_id = devices.get(row.get("device_ref")) if isinstance(row, dict) else None
            if not device_id:
                raise UserError(_("unknown or invalid device %r", row.get("device_ref") if isinstance(row, dict) else row))
            kind = row.get("event")
            if kind not in EVENT_FIELDS:
                raise UserError(_("event must be one of %(allowed)s, not %(kind)r", allowed=sorted(EVENT_FIELDS), kind=kind))
            values = {k: v for k, v in row.items() if k not in EVENT_KEYS}
            unknown = sorted(set(values) - set(EVENT_FIELDS[kind]))
            if unknown:
                raise UserError(_("a %(kind)s event cannot set %(fields)s", kind=kind, fields=", ".join(unknown)))
            stamp, at = row.get("event_us"), row.get("event_at")
            if not isinstance(stamp, (int, float)) or isinstance(stamp, bool) or not at:
                raise UserError(_("event_us (number) and event_at are required"))
            device = self.browse(device_id)
            clock, when = EVENT_CLOCK[kind]
            if stamp <= (device[clock] or 0):
                return {"id": device_id}  # the record already holds this event or a newer one
            values.update({clock: stamp, when: at})
            if not device.last_seen or fields.Datetime.to_datetime(at) > device.last_seen:
                values["last_seen"] = at
            with self.env.cr.savepoint():
                device.write(values)
        except ABORT_CALL:
            raise
        except Exception as exc:  # pylint: disable=broad-except  # one bad event must not fail the batch
            return {"error": describe(exc)}
        return {"id": device_id}
