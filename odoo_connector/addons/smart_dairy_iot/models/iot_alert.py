"""Alerts a device raised (``.../alerts`` topics) or the broker derived (the cold_chain rule)."""
from odoo import api, fields, models

from .iot_reading_mixin import UNIQUE_KEY_MESSAGE, UNIQUE_KEY_SQL
from .orm_compat import HAS_CONSTRAINT


class IotAlert(models.Model):
    _name = "iot.alert"
    _description = "IoT Alert"
    _inherit = ["iot.reading.mixin"]
    _rec_name = "name"

    name = fields.Char(compute="_compute_name", store=True)
    alert_type = fields.Char(required=True, index=True)
    severity = fields.Selection([("info", "Info"), ("warning", "Warning"), ("critical", "Critical")],
                                required=True, index=True)
    state = fields.Selection([("active", "Active"), ("acknowledged", "Acknowledged"), ("resolved", "Resolved")],
                             default="active", required=True, index=True)
    message = fields.Text()
    value = fields.Float()
    threshold = fields.Float()
    unit = fields.Char()
    location_type = fields.Char()
    source = fields.Char(help="Who raised it: the device, or a broker rule such as rule:cold_chain.")

    # The unique key that makes ingest idempotent; 19+ ignores _sql_constraints (orm_compat).
    if HAS_CONSTRAINT:
        _message_key_uniq = models.Constraint(UNIQUE_KEY_SQL, UNIQUE_KEY_MESSAGE)
    else:
        _sql_constraints = [("message_key_uniq", UNIQUE_KEY_SQL, UNIQUE_KEY_MESSAGE)]

    @api.depends("alert_type", "device_id.device_id")
    def _compute_name(self):
        for alert in self:
            alert.name = f"{alert.alert_type or ''} ({alert.device_id.device_id or '?'})"

    def action_acknowledge(self):
        self.filtered(lambda a: a.state == "active").write({"state": "acknowledged"})

    def action_resolve(self):
        self.write({"state": "resolved"})
