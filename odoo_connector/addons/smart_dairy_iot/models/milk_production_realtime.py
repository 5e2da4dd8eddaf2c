"""One milking as a milk meter reported it (seed: milk meter schema)."""
from odoo import fields, models

from .iot_reading_mixin import UNIQUE_KEY_MESSAGE, UNIQUE_KEY_SQL
from .orm_compat import HAS_CONSTRAINT


class MilkProductionRealtime(models.Model):
    _name = "milk.production.realtime"
    _description = "Milk Production (real time)"
    _inherit = ["iot.reading.mixin"]

    animal_ref = fields.Char(string="Animal", index=True)
    session_ref = fields.Char(string="Milking Session")
    rfid_tag = fields.Char(string="RFID Tag")
    yield_liters = fields.Float(string="Yield (L)", digits=(8, 3))
    flow_rate = fields.Float(string="Flow Rate (L/min)", digits=(8, 3))
    duration_seconds = fields.Integer(string="Duration (s)")
    fat_percentage = fields.Float(string="Fat (%)", digits=(5, 2))
    protein_percentage = fields.Float(string="Protein (%)", digits=(5, 2))
    lactose_percentage = fields.Float(string="Lactose (%)", digits=(5, 2))
    somatic_cell_count = fields.Integer()
    milk_temperature = fields.Float(string="Milk Temperature (°C)", digits=(5, 2))
    conductivity = fields.Float(string="Conductivity (mS/cm)", digits=(6, 3))
    vacuum_pressure = fields.Float(string="Vacuum Pressure (kPa)", digits=(6, 2))
    pulsation_rate = fields.Integer(string="Pulsation Rate (/min)")
    milking_position = fields.Char()

    # The unique key that makes ingest idempotent; 19+ ignores _sql_constraints (orm_compat).
    if HAS_CONSTRAINT:
        _message_key_uniq = models.Constraint(UNIQUE_KEY_SQL, UNIQUE_KEY_MESSAGE)
    else:
        _sql_constraints = [("message_key_uniq", UNIQUE_KEY_SQL, UNIQUE_KEY_MESSAGE)]
