"""What the tier answered for a run: counts by stream, device type and reason; latency; a table."""
from collections import Counter, defaultdict

from webhooks.errors import REASONS

OUTCOMES = ("accepted", "duplicate", "rejected")


def percentile(values, p):
    """Nearest-rank percentile of ``values`` (p in 0..100); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil without floats
    return ordered[int(rank) - 1]


def summarize(outcomes, wall_seconds):
    messages = [o for o in outcomes if o.request.stream != "presence"]
    presence = [o for o in outcomes if o.request.stream == "presence"]
    by_stream, by_type = defaultdict(Counter), defaultdict(Counter)
    for o in messages:
        by_stream[o.request.stream][o.status] += 1
        by_type[o.request.device_type][o.status] += 1
    cold_chain = Counter(o.status for o in messages if o.request.rule == "cold_chain")
    latencies = [o.latency * 1000 for o in outcomes if o.http is not None]
    status = Counter(o.status for o in messages)
    return {
        "requests": len(outcomes),
        "wall_seconds": round(wall_seconds, 3),
        "requests_per_second": round(len(outcomes) / wall_seconds, 1) if wall_seconds else None,
        "accepted": status["accepted"],
        "duplicates": status["duplicate"],
        "rejected": status["rejected"],
        "rejected_by_reason": dict(sorted(Counter(o.reason for o in messages if o.status == "rejected").items())),
        "not_stored": sum(n for s, n in status.items() if s not in OUTCOMES),
        "presence_events": len(presence),
        "presence_failed": sum(o.status != "accepted" for o in presence),
        "by_stream": {k: dict(v) for k, v in sorted(by_stream.items())},
        "by_device_type": {k: dict(v) for k, v in sorted(by_type.items())},
        "cold_chain_alerts": {"raised": sum(cold_chain.values()), **dict(cold_chain)},
        "retried": sum(o.attempts > 1 for o in outcomes),
        "latency_ms": {"p50": _round(percentile(latencies, 50)), "p99": _round(percentile(latencies, 99)),
                       "max": _round(max(latencies, default=None))},
    }


def _round(value):
    return None if value is None else round(value, 2)


def table(s):
    """The summary as plain-text tables."""
    lines = [f"{'':24}{'accepted':>10}{'duplicate':>11}{'rejected':>10}"]
    for title, groups in (("by stream", s["by_stream"]), ("by device type", s["by_device_type"])):
        lines.append(title)
        for name, c in groups.items():
            lines.append(f"  {name:22}{c.get('accepted', 0):>10}{c.get('duplicate', 0):>11}{c.get('rejected', 0):>10}")
    lines.append(f"  {'total':22}{s['accepted']:>10}{s['duplicates']:>11}{s['rejected']:>10}")
    if s["rejected_by_reason"]:
        lines.append("rejected by reason (kept as dead letters)")
        for reason, n in s["rejected_by_reason"].items():
            lines.append(f"  {reason:22}{n:>10}  {REASONS.get(reason, '')}")
    cc = s["cold_chain_alerts"]
    lines.append(f"cold-chain alerts raised by the rule: {cc['raised']} (accepted {cc.get('accepted', 0)}, "
                 f"duplicate {cc.get('duplicate', 0)}, rejected {cc.get('rejected', 0)})")
    lines.append(f"presence events: {s['presence_events']} ({s['presence_failed']} not accepted)")
    lat = s["latency_ms"]
    lines.append(f"latency (client-side, per POST): p50 {lat['p50']} ms, p99 {lat['p99']} ms, max {lat['max']} ms; "
                 f"{s['requests']} requests in {s['wall_seconds']} s ({s['requests_per_second']}/s)")
    if s["not_stored"] or s["retried"]:
        lines.append(f"WARNING: {s['not_stored']} requests not stored (503 or errors), {s['retried']} retried")
    return "\n".join(lines)
