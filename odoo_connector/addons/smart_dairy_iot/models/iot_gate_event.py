"""An automated gate's event: opened, closed, an animal passage or sort decision, a fault."""
from odoo import fields, models

from .iot_reading_mixin import UNIQUE_KEY_MESSAGE, UNIQUE_KEY_SQL
from .orm_compat import HAS_CONSTRAINT


class IotGateEvent(models.Model):
    _name = "iot.gate.event"
    _description = "Gate Event"
    _inherit = ["iot.reading.mixin"]

    event_type = fields.Selection([
        ("opened", "Opened"), ("closed", "Closed"), ("passage", "Passage"), ("blocked", "Blocked"),
        ("fault", "Fault"),
    ], string="Event", required=True, index=True)
    direction = fields.Selection([("in", "In"), ("out", "Out")])
    animal_ref = fields.Char(string="Animal", index=True)
    rfid_tag = fields.Char(string="RFID Tag")
    zone_from = fields.Char(string="From Zone")
    zone_to = fields.Char(string="To Zone")
    sort_decision = fields.Selection([("pass", "Pass"), ("divert", "Divert"), ("hold", "Hold")])
    passage_count = fields.Integer(string="Passages")
    battery_level = fields.Float(string="Battery (%)")
    signal_strength = fields.Integer(string="Signal (dBm)")

    # The unique key that makes ingest idempotent; 19+ ignores _sql_constraints (orm_compat).
    if HAS_CONSTRAINT:
        _message_key_uniq = models.Constraint(UNIQUE_KEY_SQL, UNIQUE_KEY_MESSAGE)
    else:
        _sql_constraints = [("message_key_uniq", UNIQUE_KEY_SQL, UNIQUE_KEY_MESSAGE)]
