"""Presence and status rows are events for one ``iot.device`` record: coalesce them per device.

EMQX reorders connected/disconnected events, and Odoo answers two transactions updating the same
device row with a serialization failure (odoo.md §6). So a batch sends at most one presence event
and one status event per device, the latest of each by event time, in ascending device order (a
stable lock order on Odoo's side), all in one call. Presence and status are coalesced apart: the
addon keeps a clock for each, and a status report (firmware, battery, errors) must not be lost to
a newer connect. The events a winner supersedes share its fate: delivered with it, failed with
it, or retried with it. The addon applies an event only when it is newer than what the record
holds for its kind, so a superseded event of the same kind could add nothing.
"""
from dataclasses import dataclass, field

from odoo_connector.routing import DEVICE_MODEL


def model_of(row):
    """The Odoo model a claimed row (either table) is delivered to; None if the row names none."""
    return DEVICE_MODEL if row["_table"] == "device_presence" else row.get("odoo_model")


def event_time(row):
    return row["event_at"] if row["_table"] == "device_presence" else row["device_ts"]


def is_device_event(row):
    return model_of(row) == DEVICE_MODEL


@dataclass
class Coalesced:
    winner: dict
    superseded: list = field(default_factory=list)

    @property
    def rows(self):
        return [self.winner, *self.superseded]


def coalesce(rows):
    """One Coalesced per device and kind (presence, status), sorted by device id."""
    by_device = {}
    for row in rows:
        device = (row.get("device_id"), row["_table"])
        current = by_device.get(device)
        if current is None:
            by_device[device] = Coalesced(row)
        elif _rank(row) > _rank(current.winner):
            current.superseded.append(current.winner)
            current.winner = row
        else:
            current.superseded.append(row)
    return [by_device[k] for k in sorted(by_device, key=lambda k: (k[0] is None, k[0] or "", k[1]))]


def _rank(row):
    return event_time(row)


def to_event(row):
    """The ``ingest_events`` values for a presence or status row (the connector's mapping)."""
    from odoo_connector.mapping import presence_to_odoo, status_to_odoo

    mapped = presence_to_odoo(row) if row["_table"] == "device_presence" else status_to_odoo(row)
    return mapped[1] if isinstance(mapped, tuple) else mapped  # (model, values)
