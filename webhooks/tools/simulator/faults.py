"""What the field does to clean readings: resends, bad clocks, broken firmware, borrowed identities.

Each fault takes exactly ``round(rate × clean readings)`` distinct readings (never one already
delayed by an outage), so a run can be checked against its configuration. What the tier should
answer for each is in ``EXPECTED``.
"""
import json

from webhooks.tools.simulator.records import iso, publish

# fault -> the ingest outcome it should produce (status, reason)
EXPECTED = {
    None: ("accepted", None),
    "backfill": ("accepted", None),
    "duplicate": ("duplicate", None),
    "clock_skew": ("rejected", "timestamp_in_future"),
    "non_json": ("rejected", "payload_not_json"),
    "spoof": ("rejected", "identity_mismatch"),
}


def apply(cfg, farm, rng, readings, late):
    """Every reading as a Publish, with the configured share of them faulted."""
    f = cfg.faults
    late_ids = {id(r) for r in late}
    pool = [i for i, r in enumerate(readings) if id(r) not in late_ids]
    rng.shuffle(pool)
    chosen, taken = {}, 0
    for fault, rate in (("duplicate", f.duplicate_rate), ("clock_skew", f.clock_skew_rate),
                        ("non_json", f.non_json_rate), ("spoof", f.spoof_rate)):
        n = round(rate * len(pool))
        for i in pool[taken:taken + n]:
            chosen[i] = fault
        taken += n
    window_end = cfg.start.timestamp() + cfg.hours * 3600
    out = []
    for i, r in enumerate(readings):
        fault = chosen.get(i)
        if fault == "duplicate":
            original = publish(r)
            out += [original, publish(r, "duplicate", payload=original.payload,
                                      time_ms=original.time_ms + rng.randint(1000, 20000))]
        elif fault == "clock_skew":
            # days past the end of the window: in the future whenever the traffic is sent
            ahead = window_end + rng.uniform(1, 30) * 86400
            out.append(publish(r, fault, payload=_dumps(r.payload(timestamp=ahead))))
        elif fault == "non_json":
            out.append(publish(r, fault, payload=_garbled(rng, r)))
        elif fault == "spoof":
            out.append(_spoof(farm, rng, r))
        else:
            out.append(publish(r, "backfill" if id(r) in late_ids else None))
    return out


def _dumps(payload):
    return json.dumps(payload, separators=(",", ":"))


def _garbled(rng, r):
    text = _dumps(r.payload())
    if rng.random() < 0.5:
        return text[: max(1, len(text) // 2)]  # cut off mid-message (buffer overrun, lost packet)
    values = [str(v) for v in r.body.values() if isinstance(v, (int, float, str))][:3]
    return ";".join([r.device.device_id, iso(r.at), *values])  # an old firmware's CSV format


def _spoof(farm, rng, r):
    peers = [d for d in farm.of_type(r.device.device_type) if d != r.device]
    other_id = peers[0].device_id if peers else r.device.device_id[:2] + "999999"
    if peers and rng.random() < 0.5:
        # publishes on another device's topic with its own credentials (an ACL too wide)
        return publish(r, "spoof", topic=peers[0].topic(r.kind))
    # a cloned configuration: the payload names another device
    return publish(r, "spoof", payload=_dumps(r.payload(device_id=other_id)))
