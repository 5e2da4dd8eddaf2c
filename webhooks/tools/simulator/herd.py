"""The herd's day: collars (activity, rumination, lying; heat), feed stations, paddock gates.

Cows ruminate and lie down mostly at night, are most active around milking and in daylight, and
one in about 21 comes into heat on a given day (activity up for half a day; the collar raises a
``heat_detected`` alert). Each cow takes her concentrate ration in four visits to a feed station.
"""
import math

from webhooks.tools.simulator.records import Reading

COLLAR_INTERVAL = 3600  # collars report hourly summaries
HEAT_PROBABILITY_PER_DAY = 1 / 21
FEED_VISITS = ((0, 6), (6, 12), (12, 18), (18, 24))  # hours of day: one visit in each
BIN_KG = 600.0
BIN_REFILL_HOUR = 7


def daylight(t):
    """0 at night, up to 1 at midday (05:00–20:00)."""
    hour = t % 86400 / 3600
    return max(0.0, math.sin(math.pi * (hour - 5) / 15)) if 5 <= hour <= 20 else 0.0


def near_milking(t, session_starts, hours=2.0):
    return any(0 <= t - s <= hours * 3600 for s in session_starts)


def in_paddock(t, farm):
    return bool(farm.of_role("paddock")) and 9 <= t % 86400 / 3600 < 15


def collars(cfg, farm, rng, session_starts):
    t0, t1 = cfg.start.timestamp(), cfg.start.timestamp() + cfg.hours * 3600
    out = []
    for device in farm.of_role("cow"):
        cow = farm.cows[device.index]
        battery = rng.uniform(55, 100)
        heats = _heats(rng, t0, t1)
        t = t0 + rng.uniform(0, COLLAR_INTERVAL)
        while t < t1:
            heat = any(a <= t < b for a, b in heats)
            day, milk = daylight(t), near_milking(t, session_starts)
            activity = cow.activity * (12 + 30 * day + 30 * milk) + 35 * heat + rng.gauss(0, 4)
            lying = _clamp(40 - 18 * day - 15 * milk - 12 * heat + rng.gauss(0, 4), 0, 60)
            battery = max(battery - 0.01, 1.0)
            zone = "parlour" if milk else "paddock" if in_paddock(t, farm) else "barn"
            out.append(Reading(t, device, "data", {
                "animal_id": cow.animal_id,
                "activity_level": int(_clamp(activity, 0, 100)),
                "rumination_minutes": int(_clamp((20 + 14 * (1 - day) - 10 * milk) * (0.7 if heat else 1)
                                                 + rng.gauss(0, 3), 0, 60)),
                "lying_time_minutes": int(lying),
                "standing_time_minutes": 60 - int(lying),
                "steps": int(_clamp(activity * 6 + rng.gauss(0, 20), 0, 5000)),
                "location": {"zone": zone},
                "temperature": round(38.6 + 0.25 * math.sin(2 * math.pi * (t % 86400 / 3600 - 10) / 24)
                                     + 0.3 * heat + rng.gauss(0, 0.1), 2),
                "heart_rate": int(62 + 0.25 * activity + rng.gauss(0, 3)),
                "battery_level": round(battery, 1),
            }))
            t += COLLAR_INTERVAL
        for start, _end in heats:
            if t0 <= start + 3 * 3600 < t1:
                out.append(Reading(start + 3 * 3600, device, "alerts", {
                    "alert_type": "heat_detected", "severity": "info", "source": "device",
                    "message": f"{cow.animal_id}: activity well above her baseline (heat)",
                }))
    return out


def _heats(rng, t0, t1):
    out, day = [], math.floor(t0 / 86400) * 86400
    while day < t1:
        if rng.random() < HEAT_PROBABILITY_PER_DAY:
            start = day + rng.uniform(0, 86400)
            out.append((start, start + rng.uniform(10, 14) * 3600))
        day += 86400
    return out


def feeders(cfg, farm, rng):
    stations = farm.of_role("feed_station")
    t0, t1 = cfg.start.timestamp(), cfg.start.timestamp() + cfg.hours * 3600
    visits = {d.device_id: [] for d in stations}
    day = math.floor(t0 / 86400) * 86400
    while stations and day < t1:
        for n, cow in enumerate(farm.cows):
            for lo, hi in FEED_VISITS:
                t = day + rng.uniform(lo, hi) * 3600
                if t0 <= t < t1:
                    visits[stations[n % len(stations)].device_id].append((t, cow))
        day += 86400
    out = []
    for station in stations:
        level, refilled = rng.uniform(40, 100), None
        for t, cow in sorted(visits[station.device_id], key=lambda v: v[0]):
            if t % 86400 >= BIN_REFILL_HOUR * 3600 and refilled != int(t // 86400):
                level, refilled = 100.0, int(t // 86400)  # the daily fill
            kg = round(rng.uniform(0.8, 2.0), 2)
            before, level = level, max(level - kg / BIN_KG * 100, 0.0)
            out.append(Reading(t, station, "data", {
                "animal_id": cow.animal_id, "rfid_tag": cow.rfid_tag, "feed_type": "concentrate",
                "quantity_kg": kg, "duration_seconds": rng.randint(240, 600),
                "bin_level_percent": round(level, 1), "status": "idle",
            }))
            if before >= 20 > level:
                out.append(Reading(t + 1, station, "alerts", {
                    "alert_type": "bin_low", "severity": "warning", "source": "device", "value": round(level, 1),
                    "threshold": 20, "unit": "percent", "message": "feed bin below 20 %",
                }))
    return out


def paddock_gates(cfg, farm, rng):
    t0, t1 = cfg.start.timestamp(), cfg.start.timestamp() + cfg.hours * 3600
    out, day = [], math.floor(t0 / 86400) * 86400
    while day < t1:
        for gate in farm.of_role("paddock"):
            herd = max(1, int(len(farm.cows) * rng.uniform(0.5, 0.8)))
            for hour, body in ((9.0, {"event": "opened"}),
                               (9.4, {"event": "passage", "direction": "out", "passage_count": herd,
                                      "zone_from": "barn", "zone_to": "paddock"}),
                               (15.0, {"event": "passage", "direction": "in", "passage_count": herd,
                                       "zone_from": "paddock", "zone_to": "barn"}),
                               (15.6, {"event": "closed"})):
                t = day + hour * 3600 + rng.uniform(0, 300)
                if t0 <= t < t1:
                    out.append(Reading(t, gate, "data", body))
        day += 86400
    return out


def _clamp(value, lo, hi):
    return min(max(value, lo), hi)
