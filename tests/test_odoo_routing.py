"""Which Odoo model and addon method each stream lands in (odoo_connector/routing.py): the ingest
tier's device types route through it, and the addon has each model and method it names."""
import ast

import pytest

from odoo_connector import routing
from webhooks.device_types import DEVICE_TYPES, odoo_model_for


@pytest.mark.parametrize("kind, model", [("data", "iot.temperature.reading"), ("status", "iot.device"),
                                         ("alerts", "iot.alert")])
def test_each_kind_lands_in_its_model(kind, model):
    """Data goes to its type's reading model, status to the device registry, alerts to iot.alert."""
    assert routing.model_for(kind, "iot.temperature.reading") == model


@pytest.mark.parametrize("model, method", [("iot.device", "ingest_events"), ("iot.alert", "ingest"),
                                           ("milk.production.realtime", "ingest")])
def test_device_events_use_ingest_events_and_the_rest_ingest(model, method):
    """The device registry takes events (applied when newer); readings and alerts are created once."""
    assert routing.method_for(model) == method


@pytest.mark.parametrize("device_type", DEVICE_TYPES, ids=lambda t: t.name)
def test_device_types_route_through_the_connector(device_type):
    """webhooks/device_types.py gives the same answer as the connector for every type and kind."""
    for kind in ("data", "status", "alerts"):
        assert odoo_model_for(device_type, kind) == routing.model_for(kind, device_type.odoo_model)


@pytest.mark.parametrize("model", [routing.DEVICE_MODEL, routing.ALERT_MODEL]
                         + [t.odoo_model for t in DEVICE_TYPES])
def test_the_addon_defines_the_method_each_model_is_sent_to(model):
    """Every routed model exists in the addon and has (itself or by its mixin) the method we call."""
    from test_odoo_addon_static import ADDON_MODELS

    def methods(name):
        body = ADDON_MODELS[name]["body"].body
        own = {s.name for s in body if isinstance(s, ast.FunctionDef)}
        return own.union(*(methods(p) for p in ADDON_MODELS[name]["inherit"] if p in ADDON_MODELS))

    assert routing.method_for(model) in methods(model)
