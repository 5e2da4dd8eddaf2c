# One source for Odoo 17.0, 18.0, 19.0 and 20.0 (version-specific parts are feature-detected in
# Python, see models/orm_compat.py). The version has no series prefix on purpose: Odoo prefixes a
# 3-part version with its own series (odoo/modules/module.py adapt_version), while a "17.0.x.y.z"
# version fails check_version on 18+ and the module would show as not installable.
{
    "name": "Smart Dairy IoT",
    "version": "1.1.0",
    "summary": "Device registry and reading models fed by the Smart Dairy IoT Core forwarder",
    "category": "Technical",
    "license": "LGPL-3",
    "author": "Smart Dairy IoT Core",
    "depends": ["base"],
    "data": [
        "security/iot_security.xml",
        "security/ir.model.access.csv",
        "views/iot_device_views.xml",
        "views/iot_reading_views.xml",
        "views/iot_alert_views.xml",
        "views/iot_menus.xml",
    ],
    "application": True,
}
