# The series prefix is the oldest Odoo this addon installs on; the same source installs on 17.0,
# 18.0, 19.0 and 20.0 (version-specific parts are feature-detected in Python, see models/).
{
    "name": "Smart Dairy IoT",
    "version": "17.0.1.0.0",
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
