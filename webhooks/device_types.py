"""The seven device types: topic path, id prefix, payload schema and the Odoo model they feed.

This table is the single place these facts live; the ingest tier, the rules' case tests, the
provisioning commands and the forwarder all read it.
"""
import re
from dataclasses import dataclass

from odoo_connector.routing import model_for

# A device id is its type's two-letter prefix and 3–6 digits (the seed's pattern). It can never
# hold '+', '#' or '/', so it is safe inside topics and ACL templates.
# \Z, not $: "$" also matches before a trailing newline, and "TS001\n" is not a device id.
DEVICE_ID_RE = re.compile(r"^(MM|TS|AC|FD|GT|WT|EN)[0-9]{3,6}\Z")
# Farm ids are topic levels too.
FARM_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}\Z")
KINDS = ("data", "status", "alerts")


@dataclass(frozen=True)
class DeviceType:
    name: str  # the seed's device_type selection value
    path: str  # topic level: dairy/{farm}/{path}/{device}/{kind}
    prefix: str  # device id prefix
    odoo_model: str  # where its `data` readings land


DEVICE_TYPES = (
    DeviceType("milk_meter", "milk_meters", "MM", "milk.production.realtime"),
    DeviceType("temperature", "temperature", "TS", "iot.temperature.reading"),
    DeviceType("collar", "collars", "AC", "iot.activity.reading"),
    DeviceType("feeder", "feeders", "FD", "iot.feeding.event"),
    DeviceType("gate", "gates", "GT", "iot.gate.event"),
    DeviceType("waterer", "waterers", "WT", "iot.water.reading"),
    DeviceType("environmental", "environmental", "EN", "iot.environment.reading"),
)
BY_NAME = {t.name: t for t in DEVICE_TYPES}
BY_PATH = {t.path: t for t in DEVICE_TYPES}
BY_PREFIX = {t.prefix: t for t in DEVICE_TYPES}


def odoo_model_for(device_type, kind):
    """Where a message lands: its type's model for data; status and alerts follow the connector's
    routing (odoo_connector/routing.py: the device registry, the alert model)."""
    return model_for(kind, device_type.odoo_model)


def type_of_device_id(device_id):
    """The DeviceType a well-formed id belongs to, or None."""
    if not isinstance(device_id, str) or not DEVICE_ID_RE.match(device_id):
        return None
    return BY_PREFIX[device_id[:2]]
