"""Which Odoo model, and which of the addon's methods, each stream lands in. The one place these
names live outside the addon: the ingest tier (webhooks/device_types.py), the mapping and the
forwarder read them here.

    data      -> its device type's reading model (webhooks/device_types.py)   ingest
    alerts    -> iot.alert                                                    ingest
    status    -> iot.device, as an event                                      ingest_events
    presence  -> iot.device, as an event (device_presence rows)               ingest_events
"""
DEVICE_MODEL = "iot.device"
ALERT_MODEL = "iot.alert"
INGEST_METHOD = "ingest"  # readings and alerts: create per message_key (odoo_connector/addons)
EVENTS_METHOD = "ingest_events"  # device events: applied only when newer than the record


def model_for(kind, data_model):
    """The model a message of ``kind`` lands in; ``data_model`` is where its type's readings go."""
    if kind == "status":
        return DEVICE_MODEL
    if kind == "alerts":
        return ALERT_MODEL
    return data_model


def method_for(model):
    """The addon method that receives a batch for ``model``."""
    return EVENTS_METHOD if model == DEVICE_MODEL else INGEST_METHOD
