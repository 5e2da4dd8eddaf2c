"""Evaluations per second of the telemetry rule, against a hand-written baseline.

    python -m emqx_rules.bench [--seconds 3] [--rounds 5] [--sql "SELECT ... FROM ..."]

The rule is compiled once (as `sdiot rules test`/`replay` do); each evaluation runs the full
per-message path: FROM match, SELECT, and conversion to the JSON-decoded body. The baseline is
the same transformation written directly in Python, so the ratio shows the evaluator's
overhead on this machine. Single process, single core.
"""
import argparse
import time

from emqx_rules import compile_rule

TELEMETRY_SQL = (
    "SELECT id AS msg_id, topic, nth(2, split(topic, '/')) AS farm_id, "
    "nth(3, split(topic, '/')) AS device_path, nth(4, split(topic, '/')) AS device_id, "
    "nth(5, split(topic, '/')) AS kind, clientid, username, qos, "
    "publish_received_at AS received_at, payload FROM \"dairy/+/+/+/data\""
)


def sample_contexts(n=64):
    """Distinct messages so no cache can short-cut the work."""
    return [
        {
            "event": "message.publish",
            "id": f"0006{i:028x}",
            "topic": f"dairy/farm-{i % 7}/milk_meters/MM{i:04d}/data",
            "clientid": f"MM{i:04d}",
            "username": f"MM{i:04d}",
            "qos": 1,
            "publish_received_at": 1764237600000 + i,
            "payload": '{"device_id":"MM%04d","volume_l":12.5,"timestamp":"2026-11-27T10:00:00Z"}'
                       % i,
            "peerhost": "10.0.0.7",
            "flags": {"retain": False, "dup": False},
            "timestamp": 1764237600001 + i,
            "node": "emqx@127.0.0.1",
        }
        for i in range(n)
    ]


def handwritten(ctx):
    """The telemetry rule's output written by hand: the ceiling for any evaluator."""
    topic = ctx["topic"]
    levels = [p for p in topic.split("/") if p]
    return [{
        "msg_id": ctx.get("id", "undefined"),
        "topic": topic,
        "farm_id": levels[1],
        "device_path": levels[2],
        "device_id": levels[3],
        "kind": levels[4],
        "clientid": ctx.get("clientid", "undefined"),
        "username": ctx.get("username", "undefined"),
        "qos": ctx.get("qos", "undefined"),
        "received_at": ctx.get("publish_received_at", "undefined"),
        "payload": ctx.get("payload", "undefined"),
    }]


def rate(func, contexts, seconds):
    """(per CPU-second, per wall-second) rates of func over contexts for about `seconds`.

    CPU time is this thread's own (time.thread_time), so a busy shared machine that
    deschedules us does not count against the evaluator; wall time is shown alongside."""
    n, batch = 0, len(contexts)
    cpu0, wall0 = time.thread_time(), time.perf_counter()
    deadline = wall0 + seconds
    while True:
        for ctx in contexts:
            func(ctx)
        n += batch
        wall = time.perf_counter()
        if wall >= deadline:
            cpu = time.thread_time() - cpu0
            return n / cpu, n / (wall - wall0)


def best_of(func, contexts, seconds, rounds):
    """The best of several short rounds, each rate taken separately."""
    results = [rate(func, contexts, seconds / rounds) for _ in range(rounds)]
    return max(r[0] for r in results), max(r[1] for r in results)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per measurement")
    parser.add_argument("--sql", default=TELEMETRY_SQL,
                        help="another rule to time on the same messages (default: telemetry)")
    args = parser.parse_args(argv)
    contexts = sample_contexts()
    rule = compile_rule(args.sql)
    if args.sql == TELEMETRY_SQL:
        for ctx in contexts:  # the two must agree before their speeds mean anything
            if rule.evaluate(ctx) != handwritten(ctx):
                raise SystemExit("evaluator and baseline disagree on the telemetry rule")
    elif not rule.evaluate(contexts[0]):
        raise SystemExit("the given rule produces nothing for the sample messages")
    ev_cpu, ev_wall = best_of(rule.evaluate, contexts, args.seconds, args.rounds)
    base_cpu, base_wall = best_of(handwritten, contexts, args.seconds, args.rounds)
    which = "telemetry rule" if args.sql == TELEMETRY_SQL else "given rule"
    print(f"{which} (64 distinct messages, compiled once), one thread:")
    print(f"  evaluator              : {ev_cpu:12,.0f} evaluations per CPU-second"
          f"   ({ev_wall:,.0f}/s wall)")
    print(f"  hand-written baseline  : {base_cpu:12,.0f} evaluations per CPU-second"
          f"   ({base_wall:,.0f}/s wall)")
    print(f"  evaluator / baseline   : {ev_cpu / base_cpu:12.3f}")
    print(f"  target >= 100,000/s    : {'met' if ev_cpu >= 100_000 else 'NOT met'} (per CPU-second)")


if __name__ == "__main__":
    main()
