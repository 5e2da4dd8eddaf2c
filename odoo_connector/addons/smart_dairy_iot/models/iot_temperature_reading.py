"""A bulk-tank, cold-room, transport or barn thermometer reading."""
from odoo import fields, models

from .iot_reading_mixin import UNIQUE_KEY_MESSAGE, UNIQUE_KEY_SQL
from .orm_compat import HAS_CONSTRAINT


class IotTemperatureReading(models.Model):
    _name = "iot.temperature.reading"
    _description = "Temperature Reading"
    _inherit = ["iot.reading.mixin"]

    temperature = fields.Float(string="Temperature (°C)", digits=(6, 2))
    humidity = fields.Float(string="Humidity (%)", digits=(5, 2))
    location = fields.Char()
    location_type = fields.Selection([
        ("bulk_tank", "Bulk Tank"), ("cold_storage", "Cold Storage"), ("transport", "Transport"),
        ("barn", "Barn"), ("processing", "Processing"),
    ], index=True)
    # Bulk-tank controller phase and time since milk was added: why a warm reading may be normal.
    tank_state = fields.Selection([
        ("empty", "Empty"), ("filling", "Filling"), ("cooling", "Cooling"), ("holding", "Holding"),
        ("washing", "Washing"),
    ])
    cooling_minutes = fields.Integer(string="Cooling (min)")
    battery_level = fields.Float(string="Battery (%)")
    signal_strength = fields.Integer(string="Signal (dBm)")

    # The unique key that makes ingest idempotent; 19+ ignores _sql_constraints (orm_compat).
    if HAS_CONSTRAINT:
        _message_key_uniq = models.Constraint(UNIQUE_KEY_SQL, UNIQUE_KEY_MESSAGE)
    else:
        _sql_constraints = [("message_key_uniq", UNIQUE_KEY_SQL, UNIQUE_KEY_MESSAGE)]
