"""A feed dispenser's report: a ration dispensed, or its bin level and state."""
from odoo import fields, models

from .iot_reading_mixin import UNIQUE_KEY_MESSAGE, UNIQUE_KEY_SQL
from .orm_compat import HAS_CONSTRAINT


class IotFeedingEvent(models.Model):
    _name = "iot.feeding.event"
    _description = "Feeding Event"
    _inherit = ["iot.reading.mixin"]

    animal_ref = fields.Char(string="Animal", index=True)
    rfid_tag = fields.Char(string="RFID Tag")
    feed_type = fields.Char()
    quantity_kg = fields.Float(string="Quantity (kg)", digits=(8, 3))
    duration_seconds = fields.Integer(string="Duration (s)")
    bin_level_percent = fields.Float(string="Bin Level (%)")
    dispenser_status = fields.Selection([
        ("idle", "Idle"), ("dispensing", "Dispensing"), ("error", "Error"), ("maintenance", "Maintenance"),
    ])

    # The unique key that makes ingest idempotent; 19+ ignores _sql_constraints (orm_compat).
    if HAS_CONSTRAINT:
        _message_key_uniq = models.Constraint(UNIQUE_KEY_SQL, UNIQUE_KEY_MESSAGE)
    else:
        _sql_constraints = [("message_key_uniq", UNIQUE_KEY_SQL, UNIQUE_KEY_MESSAGE)]
