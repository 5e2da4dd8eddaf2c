"""Connections: every device connects at the start, some drop off for a while and come back.

A device that loses its link keeps measuring and buffers; EMQX notices the silence after 1.5 ×
the keepalive and emits ``client.disconnected`` (``keepalive_timeout``). On reconnect the device
reports its status and then flushes the buffer: readings with their original, late timestamps
(offline backfill). Devices also report status every few hours while connected.
"""
from dataclasses import dataclass

from webhooks.tools.simulator.records import Presence, Reading, ms

KEEPALIVE = 60
STATUS_EVERY = 6 * 3600
FIRMWARE = {"milk_meter": "3.2.1", "temperature": "1.8.0", "collar": "5.0.4", "feeder": "2.1.7",
            "gate": "1.4.2", "waterer": "1.1.0", "environmental": "2.0.3"}


@dataclass(frozen=True)
class Outage:
    device: object
    down: float  # link lost
    up: float  # reconnected


def plan_outages(cfg, farm, rng):
    t0, t1 = cfg.start.timestamp(), cfg.start.timestamp() + cfg.hours * 3600
    wanted = cfg.faults.outages_per_device_day * len(farm.devices) * cfg.hours / 24
    count = int(wanted) + (rng.random() < wanted - int(wanted))
    out = []
    for _ in range(count):
        device = rng.choice(farm.devices)
        minutes = rng.uniform(15, 120)
        if t1 - t0 <= 1800:
            continue  # the window is too short for an outage
        down = rng.uniform(t0 + 600, t1 - 600)
        up = down + minutes * 60  # past the window's end: still offline when the run ends
        if all(o.device != device or up < o.down or down > o.up for o in out):
            out.append(Outage(device, down, up))
    return sorted(out, key=lambda o: o.down)


def presence(cfg, farm, rng, outages):
    t0 = cfg.start.timestamp()
    events = [Presence(ms(t0 - rng.uniform(1, 120)), "client.connected", d.clientid, d.username, d.device_type,
                       peerhost=_peer(d)) for d in farm.devices]
    for o in outages:
        d = o.device
        events.append(Presence(ms(o.down + 1.5 * KEEPALIVE), "client.disconnected", d.clientid, d.username,
                               d.device_type, reason="keepalive_timeout", peerhost=_peer(d)))
        if o.up < cfg.start.timestamp() + cfg.hours * 3600:
            events.append(Presence(ms(o.up), "client.connected", d.clientid, d.username, d.device_type,
                                   peerhost=_peer(d)))
    return events


def status_reports(cfg, farm, rng, outages):
    """A status report on every (re)connect and every STATUS_EVERY seconds while connected."""
    t0, t1 = cfg.start.timestamp(), cfg.start.timestamp() + cfg.hours * 3600
    out = []
    for d in farm.devices:
        battery, booted = rng.uniform(60, 100), t0 - rng.uniform(3600, 90 * 86400)
        connects = [t0 + rng.uniform(1, 30)] + [o.up + 1 for o in outages if o.device == d]
        times = sorted({*connects, *(c + k * STATUS_EVERY for c in connects[:1]
                                     for k in range(1, int(cfg.hours * 3600 // STATUS_EVERY) + 1))})
        for t in times:
            if not t0 <= t < t1 or offline(outages, d, t):
                continue
            out.append(Reading(t, d, "status", {
                "status": "online", "battery_level": round(max(battery - (t - t0) / 86400, 5), 1),
                "signal_strength": rng.randint(-80, -50), "firmware_version": FIRMWARE[d.device_type],
                "uptime_seconds": int(t - booted),
            }))
    return out


def offline(outages, device, t):
    return any(o.device == device and o.down <= t < o.up for o in outages)


def buffer(readings, outages):
    """Readings taken while offline are sent after reconnecting, in order; returns them.

    A device still offline when the window ends still holds its buffer: those are sent after it.
    """
    by_device, late = {}, []
    for r in readings:
        by_device.setdefault(r.device.device_id, []).append(r)
    for o in outages:
        mine = by_device.get(o.device.device_id, ())
        held = sorted((r for r in mine if o.down <= r.at < o.up), key=lambda r: r.at)
        for k, r in enumerate(held):
            r.sent = o.up + 2 + 0.2 * k  # after the connect and its status report
            late.append(r)
    return late


def _peer(device):
    return f"10.20.{sum(map(ord, device.device_id)) % 250}.{int(device.device_id[2:]) % 250 + 1}"
