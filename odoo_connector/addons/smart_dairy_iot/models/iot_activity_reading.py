"""An activity collar's report for one animal."""
from odoo import fields, models

from .iot_reading_mixin import UNIQUE_KEY_MESSAGE, UNIQUE_KEY_SQL
from .orm_compat import HAS_CONSTRAINT


class IotActivityReading(models.Model):
    _name = "iot.activity.reading"
    _description = "Activity Reading"
    _inherit = ["iot.reading.mixin"]

    animal_ref = fields.Char(string="Animal", index=True)
    activity_level = fields.Integer()
    rumination_minutes = fields.Integer(string="Rumination (min)")
    lying_time_minutes = fields.Integer(string="Lying (min)")
    standing_time_minutes = fields.Integer(string="Standing (min)")
    steps = fields.Integer()
    latitude = fields.Float(digits=(10, 7))
    longitude = fields.Float(digits=(10, 7))
    zone = fields.Char()
    body_temperature = fields.Float(string="Body Temperature (°C)", digits=(5, 2))
    heart_rate = fields.Integer(string="Heart Rate (bpm)")
    battery_level = fields.Float(string="Battery (%)")

    # The unique key that makes ingest idempotent; 19+ ignores _sql_constraints (orm_compat).
    if HAS_CONSTRAINT:
        _message_key_uniq = models.Constraint(UNIQUE_KEY_SQL, UNIQUE_KEY_MESSAGE)
    else:
        _sql_constraints = [("message_key_uniq", UNIQUE_KEY_SQL, UNIQUE_KEY_MESSAGE)]
