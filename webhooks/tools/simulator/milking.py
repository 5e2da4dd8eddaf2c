"""Milking sessions: per-cow milk meter readings, parlour-exit gate passages, and the milk that
flows into the bulk tank (which ``cooling`` turns into the tank's temperature curve).

Cows are milked two or three times a day at fixed session times; each meter milks one cow at a
time (5–9 minutes plus changeover), so a session lasts as long as the herd and the meters make it.
A milking's yield follows the cow's daily yield and the hours since her last milking.
"""
import math

from webhooks.tools.simulator.records import Reading, iso

SESSION_HOURS = {2: (5.0, 16.0), 3: (5.0, 13.0, 21.0)}
YIELD_BOUNDS = (8.0, 20.0)  # litres per milking
MILKING_SECONDS = (300, 540)
CHANGEOVER_SECONDS = 90
DIVERT_PROBABILITY = 0.03  # the sort gate sends a cow to the treatment pen


def sessions(cfg, lead_seconds):
    """[(start, hours since the previous session)] from ``lead_seconds`` before the window."""
    t0 = cfg.start.timestamp() - lead_seconds
    end = cfg.start.timestamp() + cfg.hours * 3600
    hours = SESSION_HOURS[cfg.milkings_per_day]
    out, day = [], math.floor(t0 / 86400) * 86400
    while day < end:
        for i, hour in enumerate(hours):
            start = day + hour * 3600
            if t0 <= start < end:
                out.append((start, (hour - hours[i - 1]) % 24 or 24))
        day += 86400
    return out


def simulate(cfg, farm, rng, lead_seconds=86400):
    """(readings inside the window, [(time, litres)] of milk entering the tank, session starts)."""
    meters, exits = farm.of_role("parlour"), farm.of_role("parlour_exit")
    window = (cfg.start.timestamp(), cfg.start.timestamp() + cfg.hours * 3600)
    readings, inflows, starts = [], [], []
    for start, interval in sessions(cfg, lead_seconds):
        starts.append(start)
        if not meters or not farm.cows:
            continue
        order = list(farm.cows)
        rng.shuffle(order)  # cows walk in in any order
        free_at = [start + rng.uniform(0, 120) for _ in meters]
        for cow in order:
            m = min(range(len(meters)), key=free_at.__getitem__)
            duration = rng.randint(*MILKING_SECONDS)
            end = free_at[m] + duration
            free_at[m] = end + CHANGEOVER_SECONDS * rng.uniform(0.7, 1.3)
            litres = cow.daily_yield * interval / 24 * rng.gauss(1.0, 0.06)
            litres = min(max(litres, YIELD_BOUNDS[0]), YIELD_BOUNDS[1])
            inflows.append((end, litres))
            if window[0] <= end < window[1]:
                readings.append(Reading(end, meters[m], "data", _milking(rng, cow, m, start, litres, duration)))
                if exits:
                    readings.append(Reading(end + rng.uniform(20, 90), exits[0], "data", _passage(rng, cow)))
    return readings, inflows, starts


def _milking(rng, cow, meter_index, session_start, litres, duration):
    return {
        "session_id": iso(session_start)[:13].replace("T", "-"),
        "animal_id": cow.animal_id,
        "rfid_tag": cow.rfid_tag,
        "yield_liters": round(litres, 2),
        "flow_rate": round(litres / (duration / 60), 2),
        "duration_seconds": duration,
        "quality": {
            "fat_percentage": round(min(max(rng.gauss(cow.fat, 0.08), 3.5), 4.5), 2),
            "protein_percentage": round(min(max(rng.gauss(cow.protein, 0.05), 3.0), 3.6), 2),
            "lactose_percentage": round(rng.uniform(4.6, 5.0), 2),
            "somatic_cell_count": int(min(max(cow.scc * rng.lognormvariate(0, 0.1), 50_000), 400_000)),
            "temperature_celsius": round(rng.uniform(35.0, 37.5), 1),
            "conductivity": round(rng.uniform(4.5, 6.0), 2),
        },
        "equipment": {
            "vacuum_pressure": round(rng.uniform(42.0, 46.0), 1),
            "pulsation_rate": rng.randint(55, 65),
            "milking_position": f"stall-{meter_index + 1:02d}",
        },
    }


def _passage(rng, cow):
    divert = rng.random() < DIVERT_PROBABILITY
    return {
        "event": "passage",
        "direction": "out",
        "animal_id": cow.animal_id,
        "rfid_tag": cow.rfid_tag,
        "zone_from": "parlour",
        "zone_to": "treatment" if divert else "barn",
        "sort_decision": "divert" if divert else "pass",
        "passage_count": 1,
    }
