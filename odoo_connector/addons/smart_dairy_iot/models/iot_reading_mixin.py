"""What every reading model shares: the trace fields and the batch ``ingest`` entry point.

The forwarder sends one ``ingest(rows)`` per model per batch. A row whose ``message_key`` is
already stored is skipped and answered with the existing id, so a batch repeated after a timeout
creates nothing twice; the UNIQUE constraint on message_key (declared on each model, see
orm_compat) is what decides under concurrency, never the lookup. Each new row is created in its
own savepoint: a bad row becomes ``{"error": ...}`` and the others are kept.
"""
from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .orm_compat import ABORT_CALL, UNIQUE_VIOLATION, IntegrityError, describe, pgcode, violated_constraint

# The constraint's message starts with a token the connector matches on: a concurrent forwarder
# inserted the same key after this transaction began; the client retries and the key is found.
UNIQUE_KEY_SQL = "UNIQUE(message_key)"
UNIQUE_KEY_MESSAGE = "IOTDUP message_key must be unique"
# Keys of an ingest row that are not fields: the addon resolves them to device_id.
REFERENCE_KEYS = ("device_ref", "device_type")
PROTECTED = frozenset({"id", "create_uid", "create_date", "write_uid", "write_date", "display_name"})


class IotReadingMixin(models.AbstractModel):
    _name = "iot.reading.mixin"
    _description = "IoT reading (common fields and batch ingest)"
    _rec_name = "message_key"
    _order = "device_time desc, id desc"

    message_key = fields.Char(
        required=True, readonly=True, copy=False,
        help="Deduplication key from the ingest tier (device, kind, device time, sequence). Unique.",
    )
    mqtt_msg_id = fields.Char(
        string="MQTT Message ID", readonly=True, copy=False, index=True,
        help="The EMQX message id: the trace id from the broker to this record.",
    )
    device_id = fields.Many2one("iot.device", required=True, readonly=True,
                                index=True, ondelete="restrict")
    farm_code = fields.Char(string="Farm", readonly=True, index=True)
    topic = fields.Char(readonly=True)
    device_time = fields.Datetime(required=True, readonly=True, index=True,
                                  help="When the device took the reading (UTC).")
    received_at = fields.Datetime(readonly=True,
                                  help="When the broker received the message (UTC).")
    payload_json = fields.Text(string="Payload", readonly=True,
                               help="The payload as received, including fields not mapped here.")

    @api.model
    def ingest(self, rows):
        """Create the rows whose message_key is new; a list aligned with ``rows`` of
        ``{"id": record id}`` (created or already present) or ``{"error": reason}``."""
        if not isinstance(rows, list):
            raise UserError(_("ingest expects a list of rows"))
        keys = [row["message_key"] for row in rows if isinstance(row, dict) and row.get("message_key")]
        known = {}
        if keys:
            for found in self.search_read([("message_key", "in", keys)], ["message_key"]):
                known[found["message_key"]] = found["id"]
        devices = self.env["iot.device"]._ingest_resolve(rows)
        return [self._ingest_one(row, known, devices) for row in rows]

    def _ingest_one(self, row, known, devices):
        if not isinstance(row, dict) or not row.get("message_key"):
            return {"error": "message_key is required"}
        key = row["message_key"]
        if key in known:  # stored earlier, or twice in this batch
            return {"id": known[key]}
        try:
            values = self._ingest_values(row, devices)
            with self.env.cr.savepoint():
                record = self.create([values])
        except ABORT_CALL:
            raise
        except IntegrityError as exc:
            if pgcode(exc) == UNIQUE_VIOLATION and violated_constraint(exc) == f"{self._table}_message_key_uniq":
                raise  # a concurrent duplicate: fail the call (IOTDUP) so the client retries it
            return {"error": describe(exc)}
        except Exception as exc:  # pylint: disable=broad-except  # one bad row must not fail the batch
            return {"error": describe(exc)}
        known[key] = record.id
        return {"id": record.id}

    def _ingest_values(self, row, devices):
        values = {k: v for k, v in row.items() if k not in REFERENCE_KEYS}
        unknown = sorted(k for k in values if k not in self._fields or k in PROTECTED)
        if unknown:
            raise UserError(_("%(model)s has no field(s) %(fields)s", model=self._name, fields=", ".join(unknown)))
        if "device_id" not in values:
            device = devices.get(row.get("device_ref"))
            if not device:
                raise UserError(_("unknown or invalid device %r", row.get("device_ref")))
            values["device_id"] = device
        return values
