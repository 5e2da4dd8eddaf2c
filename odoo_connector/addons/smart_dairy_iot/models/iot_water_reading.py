"""A waterer's consumption over an interval, with its level and valve state."""
from odoo import fields, models

from .iot_reading_mixin import UNIQUE_KEY_MESSAGE, UNIQUE_KEY_SQL
from .orm_compat import HAS_CONSTRAINT


class IotWaterReading(models.Model):
    _name = "iot.water.reading"
    _description = "Water Reading"
    _inherit = ["iot.reading.mixin"]

    consumption_liters = fields.Float(string="Consumption (L)", digits=(10, 3))
    interval_seconds = fields.Integer(string="Interval (s)")
    flow_rate_lpm = fields.Float(string="Flow Rate (L/min)", digits=(8, 3))
    water_temperature = fields.Float(string="Water Temperature (°C)", digits=(5, 2))
    level_percent = fields.Float(string="Level (%)")
    valve_state = fields.Selection([("open", "Open"), ("closed", "Closed"), ("fault", "Fault")], string="Valve")
    animal_ref = fields.Char(string="Animal", index=True)
    battery_level = fields.Float(string="Battery (%)")

    # The unique key that makes ingest idempotent; 19+ ignores _sql_constraints (orm_compat).
    if HAS_CONSTRAINT:
        _message_key_uniq = models.Constraint(UNIQUE_KEY_SQL, UNIQUE_KEY_MESSAGE)
    else:
        _sql_constraints = [("message_key_uniq", UNIQUE_KEY_SQL, UNIQUE_KEY_MESSAGE)]
