"""The barn itself: climate sensors (temperature, humidity, THI, gases, light) and water troughs.

Temperature follows the day (coolest near 03:00, warmest mid-afternoon) around a daily mean that
changes from day to day; humidity moves the other way. THI is the NRC (1971) temperature-humidity
index; at 72 and above cows start to suffer heat stress and the sensor raises an alert. Water use
rises after milking and in the warm hours, about 80–110 L per cow per day.
"""
import math

from webhooks.tools.simulator.herd import daylight, in_paddock, near_milking
from webhooks.tools.simulator.records import Reading

CLIMATE_INTERVAL = 600
WATER_INTERVAL = 900
HEAT_STRESS_THI = 72.0


def thi(temp_c, rh):
    return (1.8 * temp_c + 32) - (0.55 - 0.0055 * rh) * (1.8 * temp_c - 26)


def climate(cfg, farm, rng):
    t0, t1 = cfg.start.timestamp(), cfg.start.timestamp() + cfg.hours * 3600
    out = []
    daily_mean = {}
    for sensor in farm.of_role("barn"):
        t, drift, stressed = t0 + rng.uniform(0, CLIMATE_INTERVAL), 0.0, False
        while t < t1:
            day = int(t // 86400)
            mean = daily_mean.setdefault(day, rng.uniform(12, 24))
            wave = math.sin(2 * math.pi * (t % 86400 / 3600 - 9) / 24)
            drift = 0.9 * drift + rng.gauss(0, 0.3)
            temp = mean + 6 * wave + drift + sensor.index * 0.4
            rh = min(max(72 - 12 * wave + rng.gauss(0, 2), 25), 99)
            index = thi(temp, rh)
            indoors = 0.4 if in_paddock(t, farm) else 1.0
            out.append(Reading(t, sensor, "data", {
                "temperature": round(temp, 2), "humidity": round(rh, 1), "thi": round(index, 1),
                "ammonia_ppm": round(max(3 + 8 * indoors + rng.gauss(0, 1), 0), 1),
                "co2_ppm": round(max(550 + 650 * indoors + rng.gauss(0, 40), 350)),
                "h2s_ppm": round(max(0.2 + 0.3 * indoors + rng.gauss(0, 0.05), 0), 2),
                "light_lux": round(20 + 580 * daylight(t), 1),
                "location": f"barn-{sensor.index + 1}", "battery_level": 100, "signal_strength": -58,
            }))
            if index >= HEAT_STRESS_THI and not stressed:
                out.append(Reading(t + 1, sensor, "alerts", {
                    "alert_type": "heat_stress", "severity": "warning", "source": "device",
                    "value": round(index, 1), "threshold": HEAT_STRESS_THI, "unit": "THI",
                    "message": "barn THI at or above 72: heat stress",
                }))
            stressed = index >= HEAT_STRESS_THI - 1  # hysteresis: one alert per episode
            t += CLIMATE_INTERVAL
    return out


def waterers(cfg, farm, rng, session_starts):
    t0, t1 = cfg.start.timestamp(), cfg.start.timestamp() + cfg.hours * 3600
    troughs = farm.of_role("trough")
    out = []
    herd_per_interval = len(farm.cows) * 95 / (86400 / WATER_INTERVAL)
    for trough in troughs:
        t = t0 + rng.uniform(0, WATER_INTERVAL)
        while t < t1:
            weight = 0.35 + 0.9 * daylight(t) + 1.2 * near_milking(t, session_starts)
            litres = max(herd_per_interval / len(troughs) * weight * rng.lognormvariate(0, 0.2), 0.0)
            out.append(Reading(t, trough, "data", {
                "consumption_liters": round(litres, 1), "interval_seconds": WATER_INTERVAL,
                "flow_rate_lpm": round(litres / (WATER_INTERVAL / 60), 2),
                "water_temperature": round(11 + 2 * daylight(t) + rng.gauss(0, 0.2), 1),
                "level_percent": round(min(max(rng.gauss(92, 3), 60), 100), 1),
                "valve_state": "open" if litres > 0.5 else "closed",
            }))
            t += WATER_INTERVAL
    return out
