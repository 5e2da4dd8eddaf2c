"""Bulk-tank and cold-room thermometers: a small heat model stepped once a minute.

Bulk tank: warm milk (~35 °C) from each milking mixes into the tank; the compressor pulls the
blend down towards its evaporator temperature and a thermostat then holds 3.0–3.8 °C. After a
milking the milk is at or below 4 °C within 2–3 hours. The tanker empties the tank each morning,
so the next milking starts from warm milk in an empty tank.
Cold room: a thermostat holds 2.5–4 °C for packed dairy products.
An excursion is a compressor trip (tank, during holding) or a door left open (cold room): the
temperature drifts towards the room's and the cold_chain rule sees it pass its limit.
"""
import math

from webhooks.tools.simulator.records import Reading

STEP = 60.0  # seconds
MILK_IN_C = 35.0
AMBIENT_C = 16.0
COLLECTION_HOUR = 10.0

# role -> model constants (per hour) and reading interval
MODELS = {
    "bulk_tank": dict(evap=0.5, k_cool=1.2, k_warm=0.01, k_fault=0.06, on=3.8, off=3.0, start=3.4,
                      interval=600, fault_minutes=(150, 240), quiet_after_milking_h=4.0),
    "cold_storage": dict(evap=-2.0, k_cool=2.0, k_warm=0.15, k_fault=0.5, on=4.0, off=2.5, start=3.2,
                         interval=300, fault_minutes=(40, 75), quiet_after_milking_h=0.0),
}


def plan_excursions(cfg, rng, units, session_starts):
    """[(unit, start, end)]: rate × unit-days of them, at least one when the rate is not zero."""
    rate = cfg.faults.excursions_per_unit_day
    t0, t1 = cfg.start.timestamp(), cfg.start.timestamp() + cfg.hours * 3600
    out = []
    for unit in units:
        model = MODELS[unit.role]
        wanted = rate * cfg.hours / 24
        count = int(wanted) + (rng.random() < wanted - int(wanted))
        count = max(count, 1) if rate > 0 else 0
        for _ in range(count):
            for _attempt in range(200):  # find a quiet moment: not while a milking is cooling
                start = rng.uniform(t0, max(t0, t1 - 3600))
                end = start + 60 * rng.uniform(*model["fault_minutes"])
                quiet = model["quiet_after_milking_h"] * 3600
                if not quiet or all(end < s - 1800 or start > s + quiet for s in session_starts):
                    out.append((unit, start, end))
                    break
    return out


def simulate(cfg, farm, rng, inflows, excursions, lead_seconds=12 * 3600):
    """Readings of every tank and cold-room thermometer inside the simulated window."""
    readings = []
    tanks = farm.of_role("bulk_tank")
    for unit in tanks + farm.of_role("cold_storage"):
        mine = [(t, litres) for t, litres in inflows if unit in tanks and _tank_for(t, len(tanks)) == unit.index]
        faults = [(a, b) for u, a, b in excursions if u == unit]
        readings += _run(cfg, unit, rng, sorted(mine), faults, lead_seconds)
    return readings


def _tank_for(t, n):
    return int(t // 86400) % n  # with several tanks, each day's milk goes to the next one


def _run(cfg, unit, rng, inflows, faults, lead_seconds):
    m = MODELS[unit.role]
    t0, t1 = cfg.start.timestamp(), cfg.start.timestamp() + cfg.hours * 3600
    phase = rng.uniform(0, m["interval"])
    next_reading = t0 + phase
    temp, volume, cooling, i, last_inflow = m["start"], 2000.0, False, 0, None
    battery, signal = rng.uniform(70, 100), rng.randint(-75, -55)
    collected_day = None
    t = t0 - lead_seconds
    out = []
    while t < t1:
        day = int(t // 86400)
        if unit.role == "bulk_tank" and t % 86400 >= COLLECTION_HOUR * 3600 and collected_day != day:
            volume, collected_day = 0.0, day  # the tanker takes the milk; the tank starts empty
        while i < len(inflows) and inflows[i][0] < t + STEP:
            last_inflow, litres = inflows[i]
            temp = (volume * temp + litres * MILK_IN_C) / (volume + litres)
            volume += litres
            i += 1
        broken = any(a <= t < b for a, b in faults)
        if broken:
            cooling = False
            temp += m["k_fault"] * (AMBIENT_C - temp) * STEP / 3600
        else:
            cooling = temp > m["on"] or (cooling and temp > m["off"])
            if cooling:
                temp -= m["k_cool"] * (temp - m["evap"]) * STEP / 3600
            else:
                temp += m["k_warm"] * (AMBIENT_C - temp) * STEP / 3600
        t += STEP
        while next_reading < t and next_reading < t1:
            battery = max(battery - 0.002, 5.0)
            body = _body(unit, rng, temp, battery, signal)
            if unit.role == "bulk_tank":
                body.update(_tank_state(t, volume, cooling, last_inflow))
            out.append(Reading(next_reading, unit, "data", body))
            next_reading += m["interval"]
    return out


def _tank_state(t, volume, cooling, last_inflow):
    """What a bulk-tank controller reports beside the temperature: its phase, and cooling time."""
    if volume <= 0:
        return {"tank_state": "empty"}
    minutes = int((t - last_inflow) // 60) if last_inflow is not None else 10080
    state = "filling" if minutes < 10 else ("cooling" if cooling else "holding")
    return {"tank_state": state, "cooling_minutes": min(minutes, 10080)}


def _body(unit, rng, temp, battery, signal):
    body = {
        "temperature": round(temp + rng.gauss(0, 0.03), 2),
        "location": f"{unit.role.replace('_', '-')}-{unit.index + 1}",
        "location_type": unit.role,
        "battery_level": round(battery, 1),
        "signal_strength": signal + rng.randint(-3, 3),
    }
    if unit.role == "cold_storage":
        body["humidity"] = round(min(max(rng.gauss(90, 2), 80), 98), 1)
    return body


def cooled_within(readings, after, limit_c=4.0):
    """Seconds from ``after`` until a reading is at or below ``limit_c`` (math.inf if never)."""
    for r in sorted(readings, key=lambda r: r.at):
        if r.at >= after and r.body["temperature"] <= limit_c:
            return r.at - after
    return math.inf
