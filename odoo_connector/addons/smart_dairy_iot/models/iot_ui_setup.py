"""List views, window actions and menus, made here rather than in XML because the list view's
root tag and view mode are ``tree`` on 17 and ``list`` from 18 (odoo/odoo PR #159909): one XML
file cannot load on both. ``views/iot_menus.xml`` calls ``install`` on every install and update;
records get this module's xml ids, so updates keep them and uninstall removes them.
"""
from odoo import api, models

from .orm_compat import list_tag

MODULE = "smart_dairy_iot"
COMMON = ("device_time", "device_id", "farm_code")
# (xml id stem, model, menu title, list columns after the common ones, parent menu stem)
SCREENS = (
    ("device", "iot.device", "Devices", ("device_id", "name", "device_type", "farm_code", "state", "is_online",
                                         "reported_status", "last_seen", "firmware_version", "battery_level"), None),
    ("alert", "iot.alert", "Alerts", COMMON + ("alert_type", "severity", "state", "value", "threshold"), None),
    ("milk", "milk.production.realtime", "Milk Production", COMMON + ("animal_ref", "yield_liters",
                                                                      "fat_percentage", "protein_percentage"), "readings"),
    ("temperature", "iot.temperature.reading", "Temperatures", COMMON + ("location_type", "location", "temperature"), "readings"),
    ("activity", "iot.activity.reading", "Activity", COMMON + ("animal_ref", "activity_level", "steps",
                                                               "rumination_minutes"), "readings"),
    ("feeding", "iot.feeding.event", "Feeding", COMMON + ("animal_ref", "feed_type", "quantity_kg"), "readings"),
    ("gate", "iot.gate.event", "Gates", COMMON + ("event_type", "direction", "animal_ref", "sort_decision"), "readings"),
    ("water", "iot.water.reading", "Water", COMMON + ("consumption_liters", "level_percent", "valve_state"), "readings"),
    ("environment", "iot.environment.reading", "Environment", COMMON + ("temperature", "humidity", "thi",
                                                                        "ammonia_ppm"), "readings"),
)


class IotUiSetup(models.AbstractModel):
    _name = "iot.ui.setup"
    _description = "Smart Dairy IoT: list views, actions and menus for this Odoo series"

    @api.model
    def install(self):
        tag = list_tag()
        root = self._ensure("menu_root", "ir.ui.menu", {"name": "Smart Dairy IoT", "sequence": 60})
        readings = self._ensure("menu_readings", "ir.ui.menu", {"name": "Readings", "parent_id": root.id,
                                                                  "sequence": 30})
        parents = {None: root, "readings": readings}
        for sequence, (stem, model, title, columns, parent) in enumerate(SCREENS, start=1):
            fields_xml = "".join(f'<field name="{name}"/>' for name in columns)
            view = self._ensure(f"view_{stem}_list", "ir.ui.view", {
                "name": f"{model}.list", "model": model, "priority": 16,
                "arch": f'<{tag} default_order="id desc">{fields_xml}</{tag}>' if stem != "device"
                        else f"<{tag}>{fields_xml}</{tag}>",
            })
            action = self._ensure(f"action_{stem}", "ir.actions.act_window", {
                "name": title, "res_model": model, "view_mode": f"{tag},form", "view_id": view.id,
            })
            self._ensure(f"menu_{stem}", "ir.ui.menu", {
                "name": title, "parent_id": parents[parent].id, "action": f"ir.actions.act_window,{action.id}",
                "sequence": sequence * 10,
            })
        return True

    def _ensure(self, name, model, values):
        """Create or update the record behind ``smart_dairy_iot.<name>`` and mark the xml id loaded."""
        record = self.env.ref(f"{MODULE}.{name}", raise_if_not_found=False)
        if record:
            record.write(values)
        else:
            record = self.env[model].create(values)
        self.env["ir.model.data"]._update_xmlids([{"xml_id": f"{MODULE}.{name}", "record": record, "noupdate": False}])
        return record
