"""A barn environment sensor's reading (climate, gases, light, wind)."""
from odoo import fields, models

from .iot_reading_mixin import UNIQUE_KEY_MESSAGE, UNIQUE_KEY_SQL
from .orm_compat import HAS_CONSTRAINT


class IotEnvironmentReading(models.Model):
    _name = "iot.environment.reading"
    _description = "Environment Reading"
    _inherit = ["iot.reading.mixin"]

    temperature = fields.Float(string="Temperature (°C)", digits=(6, 2))
    humidity = fields.Float(string="Humidity (%)", digits=(5, 2))
    thi = fields.Float(string="THI", digits=(6, 2), help="Temperature-humidity index.")
    ammonia_ppm = fields.Float(string="Ammonia (ppm)")
    co2_ppm = fields.Float(string="CO2 (ppm)")
    h2s_ppm = fields.Float(string="H2S (ppm)")
    light_lux = fields.Float(string="Light (lux)")
    wind_speed_ms = fields.Float(string="Wind (m/s)")
    location = fields.Char()
    battery_level = fields.Float(string="Battery (%)")
    signal_strength = fields.Integer(string="Signal (dBm)")

    # The unique key that makes ingest idempotent; 19+ ignores _sql_constraints (orm_compat).
    if HAS_CONSTRAINT:
        _message_key_uniq = models.Constraint(UNIQUE_KEY_SQL, UNIQUE_KEY_MESSAGE)
    else:
        _sql_constraints = [("message_key_uniq", UNIQUE_KEY_SQL, UNIQUE_KEY_MESSAGE)]
