"""The farm simulator: realistic readings, faults at the configured rates, reproducible by seed."""
import json
from collections import Counter
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from webhooks.binding import bind
from webhooks.config import from_env
from webhooks.envelope import STREAM_KIND
from webhooks.errors import Rejected
from webhooks.tools.simulator import NO_FAULTS, FarmConfig, Faults, simulate
from webhooks.tools.simulator.barn import thi
from webhooks.tools.simulator.faults import EXPECTED

STREAM_OF_KIND = {kind: stream for stream, kind in STREAM_KIND.items()}
BASE = FarmConfig(cows=30, hours=48, seed=7)


@pytest.fixture(scope="module")
def sim():
    return simulate(BASE)


def _data(sim, device_type, fault=None):
    return [(p.time_ms / 1000, json.loads(p.payload)) for p in sim.publishes
            if p.device_type == device_type and p.kind == "data" and p.fault == fault]


def _hour(seconds):
    return seconds % 86400 / 3600


def _answer(publish, settings, now):
    """What the ingest tier's binding says about this publish (the telemetry/status/alerts rules' body)."""
    _, farm, path, device, kind = publish.topic.split("/")
    envelope = dict(msg_id="x", topic=publish.topic, farm_id=farm, device_path=path, device_id=device, kind=kind,
                    clientid=publish.clientid, username=publish.username, qos=publish.qos,
                    received_at=publish.time_ms, payload=publish.payload)
    try:
        bind(envelope, STREAM_OF_KIND[kind], settings, now=now)
    except Rejected as exc:
        return "rejected", exc.reason
    return "accepted", None


def test_same_seed_same_stream_other_seed_other_stream():
    """A seed (with a start time) reproduces the stream exactly; another seed changes it."""
    small = replace(BASE, hours=6)
    first = [e.to_dict() for e in simulate(small).events]
    assert first == [e.to_dict() for e in simulate(small).events]
    assert first != [e.to_dict() for e in simulate(replace(small, seed=8)).events]


def test_events_are_in_broker_time_order(sim):
    """Publishes and presence events come out in the order the broker receives them."""
    times = [e.time_ms for e in sim.events]
    assert times == sorted(times)


@pytest.mark.parametrize("milkings", [2, 3])
def test_every_clean_reading_is_accepted_and_every_fault_gets_its_answer(milkings):
    """Clean readings pass the tier's schema and identity checks; each fault gets the reason it is for."""
    cfg = replace(BASE, milkings_per_day=milkings, hours=24)
    s = simulate(cfg)
    now = datetime.fromtimestamp(cfg.start.timestamp() + cfg.hours * 3600, timezone.utc)
    settings = from_env({})
    wrong = Counter()
    for p in s.publishes:
        expected = EXPECTED[p.fault]
        expected = ("accepted", None) if expected[0] == "duplicate" else expected  # binding alone cannot tell
        if _answer(p, settings, now) != expected:
            wrong[(p.fault, _answer(p, settings, now))] += 1
    assert not wrong
    assert {p.device_type for p in s.publishes} == {"milk_meter", "temperature", "collar", "feeder", "gate",
                                                    "waterer", "environmental"}


@pytest.mark.parametrize("milkings", [2, 3])
def test_milkings_per_day_yields_and_quality_are_plausible(milkings):
    """Each cow is milked 2 or 3 times a day, 8–20 L, fat 3.5–4.5 %, protein 3.0–3.6 %, SCC 50k–400k."""
    cfg = replace(BASE, milkings_per_day=milkings, hours=72, faults=NO_FAULTS)
    readings = [body for _, body in _data(simulate(cfg), "milk_meter")]
    per_cow = Counter(body["animal_id"] for body in readings)
    assert set(per_cow.values()) == {3 * milkings}
    for body in readings:
        q = body["quality"]
        assert 8.0 <= body["yield_liters"] <= 20.0
        assert 3.5 <= q["fat_percentage"] <= 4.5 and 3.0 <= q["protein_percentage"] <= 3.6
        assert 50_000 <= q["somatic_cell_count"] <= 400_000
    daily = sum(b["yield_liters"] for b in readings) / cfg.cows / 3
    assert 24 <= daily <= 40


def test_bulk_tank_takes_warm_milk_and_is_at_or_below_4c_within_3h_of_the_last_milking():
    """Milk enters warm (above 20 °C in an empty tank) and the tank is ≤ 4 °C 3 h after milking ends."""
    s = simulate(replace(BASE, faults=NO_FAULTS))
    milkings = sorted(t for t, _ in _data(s, "milk_meter"))
    tank = [(t, b["temperature"]) for t, b in _data(s, "temperature") if b["location_type"] == "bulk_tank"]
    assert max(temp for _, temp in tank) > 20
    settled = [(t, temp) for t, temp in tank if all(not 0 <= t - m < 3 * 3600 for m in milkings)]
    assert settled and all(temp <= 4.0 for _, temp in settled)
    cold_room = [b["temperature"] for _, b in _data(s, "temperature") if b["location_type"] == "cold_storage"]
    assert max(cold_room) <= 5.0  # no excursions configured: the cold_chain rule has nothing to say


def test_cold_chain_excursions_happen_while_milk_is_held(sim):
    """With excursions on, the held tank passes 4 °C and the cold room 5 °C: the cold_chain rule fires."""
    milkings = sorted(t for t, _ in _data(sim, "milk_meter"))
    tank = [(t, b["temperature"]) for t, b in _data(sim, "temperature") if b["location_type"] == "bulk_tank"]
    held_warm = [t for t, temp in tank if temp > 4.0 and all(not 0 <= t - m < 4 * 3600 for m in milkings)]
    assert held_warm
    assert any(b["temperature"] > 5.0 for _, b in _data(sim, "temperature") if b["location_type"] == "cold_storage")
    assert {d.role for d, _, _ in sim.excursions} == {"bulk_tank", "cold_storage"}


def test_cows_ruminate_and_lie_down_at_night_and_move_by_day(sim):
    """Collar readings follow the day: rumination and lying up at night, activity up in daylight."""
    collars = [(t, b) for t, b in _data(sim, "collar")]
    night = [b for t, b in collars if 0 <= _hour(t) < 4]
    day = [b for t, b in collars if 10 <= _hour(t) < 14]

    def mean(rows, key):
        return sum(r[key] for r in rows) / len(rows)

    assert mean(night, "rumination_minutes") > mean(day, "rumination_minutes") + 5
    assert mean(night, "lying_time_minutes") > mean(day, "lying_time_minutes") + 10
    assert mean(day, "activity_level") > mean(night, "activity_level") + 15
    assert all(b["lying_time_minutes"] + b["standing_time_minutes"] == 60 for _, b in collars)


def test_barn_thi_feeding_gates_and_water_are_consistent(sim):
    """THI matches the NRC formula; feed stations, gates and troughs report events of their kind."""
    for _, b in _data(sim, "environmental"):
        assert b["thi"] == pytest.approx(thi(b["temperature"], b["humidity"]), abs=0.2)
    feeds = _data(sim, "feeder")
    assert len(feeds) >= 4 * BASE.cows * 2 * 0.9 and all(0 < b["quantity_kg"] <= 2.0 for _, b in feeds)
    assert {b["event"] for _, b in _data(sim, "gate")} == {"passage", "opened", "closed"}
    water = sum(b["consumption_liters"] for _, b in _data(sim, "waterer")) / BASE.cows / 2
    assert 60 <= water <= 140  # litres per cow per day


@pytest.mark.parametrize("rates", [Faults(0.05, 0.02, 0.01, 0.03, 0.5, 1.0), Faults(0.01, 0, 0.02, 0, 0, 0)])
def test_faults_come_at_the_requested_rates(rates):
    """Each fault hits round(rate × eligible readings) messages; outages become disconnect/reconnect pairs."""
    s = simulate(replace(BASE, hours=24, faults=rates))
    faults = s.faults()
    readings = len(s.publishes) - faults["duplicate"]
    eligible = readings - faults["backfill"]
    for fault, rate in (("duplicate", rates.duplicate_rate), ("clock_skew", rates.clock_skew_rate),
                        ("non_json", rates.non_json_rate), ("spoof", rates.spoof_rate)):
        assert faults[fault] == round(rate * eligible), fault
    presence = Counter((e.event, e.reason) for e in s.events if not hasattr(e, "topic"))
    assert presence[("client.disconnected", "keepalive_timeout")] == len(s.outages)
    assert presence[("client.connected", None)] == len(s.farm.devices) + sum(
        o.up < BASE.start.timestamp() + 24 * 3600 for o in s.outages)
    if rates.outages_per_device_day:
        assert len(s.outages) >= 0.5 * rates.outages_per_device_day * len(s.farm.devices) and faults["backfill"]
    for p in s.publishes:
        if p.fault == "backfill":  # sent after the reconnect, stamped when measured
            assert p.time_ms / 1000 - _device_time(p) > 60


def _device_time(p):
    return datetime.fromisoformat(json.loads(p.payload)["timestamp"].replace("Z", "+00:00")).timestamp()


def test_duplicates_resend_the_same_payload_later():
    """A duplicate is the same payload on the same topic, received again a little later."""
    s = simulate(replace(BASE, hours=12, faults=Faults(duplicate_rate=0.1)))
    first = {}
    for p in s.publishes:
        if p.fault is None:
            first[(p.topic, p.payload)] = p.time_ms
    dups = [p for p in s.publishes if p.fault == "duplicate"]
    assert dups and all(0 < p.time_ms - first[(p.topic, p.payload)] <= 20_000 for p in dups)


def test_bad_configurations_are_refused():
    """Farm ids, counts, milkings and rates outside what the tier accepts fail before simulating."""
    for bad in (dict(farm_id="Bad Farm"), dict(milkings_per_day=4), dict(hours=0), dict(collars=99),
                dict(faults=Faults(duplicate_rate=0.9))):
        with pytest.raises(ValueError):
            replace(BASE, **bad).validate()
