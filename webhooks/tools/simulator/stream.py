"""``simulate(config)``: the whole farm's traffic, as the broker sees it, in time order."""
import random
from collections import Counter
from dataclasses import dataclass

from webhooks.tools.simulator import barn, connectivity, cooling, faults, herd, milking, roster


@dataclass(frozen=True)
class Simulation:
    config: object
    farm: object  # roster.Farm
    events: list  # Publish and Presence records, ordered by broker time
    excursions: list  # [(device, start, end)] cold-chain failures planned
    outages: list  # [connectivity.Outage]

    @property
    def publishes(self):
        return [e for e in self.events if hasattr(e, "topic")]

    def faults(self):
        return Counter(p.fault for p in self.publishes)


def simulate(cfg):
    cfg.validate()
    rng = {name: random.Random(f"{cfg.seed}:{name}") for name in
           ("milking", "cooling", "herd", "barn", "outages", "status", "faults", "seq")}
    farm = roster.build(cfg)
    readings, inflows, session_starts = milking.simulate(cfg, farm, rng["milking"])
    excursions = cooling.plan_excursions(cfg, rng["cooling"], farm.of_role("bulk_tank") +
                                         farm.of_role("cold_storage"), session_starts)
    readings += cooling.simulate(cfg, farm, rng["cooling"], inflows, excursions)
    readings += herd.collars(cfg, farm, rng["herd"], session_starts)
    readings += herd.feeders(cfg, farm, rng["herd"])
    readings += herd.paddock_gates(cfg, farm, rng["herd"])
    readings += barn.climate(cfg, farm, rng["barn"])
    readings += barn.waterers(cfg, farm, rng["barn"], session_starts)
    outages = connectivity.plan_outages(cfg, farm, rng["outages"])
    readings += connectivity.status_reports(cfg, farm, rng["status"], outages)
    readings.sort(key=lambda r: (r.at, r.device.device_id, r.kind))
    _number(readings, rng["seq"])
    late = connectivity.buffer(readings, outages)
    end = cfg.start.timestamp() + cfg.hours * 3600
    readings = [r for r in readings if r.sent is None or r.sent < end]  # still buffered at the end
    events = faults.apply(cfg, farm, rng["faults"], readings, late)
    events += connectivity.presence(cfg, farm, rng["outages"], outages)
    # presence first at equal times: EMQX emits client.connected before the client can publish
    events.sort(key=lambda e: (e.time_ms, hasattr(e, "topic")))
    return Simulation(cfg, farm, events, excursions, outages)


def _number(readings, rng):
    """Per-device sequence numbers in measurement order, from where each device's counter stands."""
    counters = {}
    for r in readings:
        key = r.device.device_id
        if key not in counters:
            counters[key] = rng.randint(1, 50_000)
        counters[key] += 1
        r.seq = counters[key]
