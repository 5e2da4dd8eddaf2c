"""``sdiot simulate``: a simulated farm's traffic, to a running webhook tier or to an MQTT broker.

``--to URL --token T`` runs every message through the project's EMQX rules (offline, exactly what
the broker's HTTP action would POST) and sends the outputs to the tier; ``--mqtt mqtt://host:port``
publishes the raw traffic to a real broker (publish-only; each device is its own MQTT client, so
EMQX's rules, ACL and presence events run for real); ``--jsonl FILE`` writes the recording
(``sdiot rules replay`` reads it). Load-test a staging system with ``--cows``, ``--hours``,
``--speedup``.
"""
import json
import sys
import time
from datetime import datetime, timedelta, timezone

from webhooks.cli import EX_UNAVAILABLE, EX_USAGE, CommandError
from webhooks.cli.output import as_json
from webhooks.cli.progress import Progress
from webhooks.tools.simulator import FarmConfig, Faults, simulate
from webhooks.tools.simulator import send as sender
from webhooks.tools.simulator.summary import summarize, table


def add_farm_arguments(p, cows=40, hours=24.0):
    g = p.add_argument_group("the simulated farm")
    g.add_argument("--farm", default="demo-farm", help="farm id (topic level; default %(default)s)")
    g.add_argument("--cows", type=int, default=cows, help="herd size (default %(default)s)")
    g.add_argument("--hours", type=float, default=hours, help="simulated hours (default %(default)s)")
    g.add_argument("--speedup", type=float, default=0.0,
                   help="simulated seconds per real second; 0 = as fast as the tier answers (default)")
    g.add_argument("--seed", type=int, default=1, help="random seed (default %(default)s)")
    g.add_argument("--start", type=_utc, metavar="ISO",
                   help="simulated start, UTC (default: so the simulated window ends now); "
                        "the same --seed and --start give the same traffic")
    g.add_argument("--milkings", type=int, choices=(2, 3), default=2, help="milkings per day")
    g.add_argument("--no-faults", action="store_true", help="clean traffic only (no duplicates, skew, ...)")


def _utc(text):
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def farm_config(args):
    """The FarmConfig for the arguments; the window ends when the traffic does, so no clean
    reading is ever in the future and the end of the run is 'now' in simulated time."""
    if args.speedup and args.speedup < 1:
        raise CommandError("--speedup must be 0 (as fast as possible) or at least 1", EX_USAGE)
    run_seconds = args.hours * 3600 / args.speedup if args.speedup else 0.0
    start = args.start or datetime.now(timezone.utc) + timedelta(seconds=run_seconds - args.hours * 3600)
    faults = Faults(0, 0, 0, 0, 0, 0) if args.no_faults else Faults()
    try:
        return FarmConfig(farm_id=args.farm, cows=args.cows, hours=args.hours, seed=args.seed,
                          milkings_per_day=args.milkings, start=start.replace(microsecond=0),
                          faults=faults, **_equipment(args.cows)).validate()
    except ValueError as exc:
        raise CommandError(str(exc), EX_USAGE) from None


def _equipment(cows):
    """Parlour stalls, feed stations and troughs grow with the herd (a stall milks ~6 cows an hour)."""
    def per(n, k):
        return max(1, -(-n // k))  # ceil(n / k), at least one

    return {"milk_meters": min(per(cows, 10), 40), "feeders": per(cows, 25), "waterers": per(cows, 20),
            "environmental": min(per(cows, 100) + 1, 20)}


def register(subparsers):
    p = subparsers.add_parser("simulate", help="send a simulated farm's traffic to a tier or an MQTT broker",
                              description=__doc__.split("\n\n")[0].split(": ", 1)[1])
    add_farm_arguments(p)
    to = p.add_mutually_exclusive_group(required=True)
    to.add_argument("--to", metavar="URL", help="webhook tier base URL, e.g. http://127.0.0.1:8000")
    to.add_argument("--mqtt", metavar="URL", help="broker, e.g. mqtt://127.0.0.1:1883 (needs the 'mqtt' extra)")
    to.add_argument("--jsonl", metavar="FILE", help="write the recorded messages instead ('-' = stdout)")
    to.add_argument("--roster", metavar="FILE", help="write the farm's devices as a `sdiot devices import` CSV")
    p.add_argument("--token", help="bearer token the tier accepts (with --to)")
    p.add_argument("--credentials", metavar="FILE",
                   help="with --mqtt: the secrets CSV of `sdiot devices import --out` (device_id,...,password)")
    p.add_argument("--concurrency", type=int, default=4, help="parallel requests or publishes (default 4)")
    p.add_argument("--json-summary", metavar="FILE", help="also write the summary as JSON")
    p.set_defaults(func=run)


def run(args):
    if args.jsonl == "-" and getattr(args, "json", False):
        raise CommandError("--jsonl - and --json both want standard output; write the recording to a file", EX_USAGE)
    sim = simulate(farm_config(args))
    if args.jsonl:
        return _write_jsonl(args, sim, args.jsonl)
    if args.roster:
        return _write_roster(args, sim, args.roster)
    if args.mqtt:
        from webhooks.tools.simulator.mqtt import publish_all

        passwords = _read_credentials(args.credentials) if args.credentials else None
        try:
            summary = publish_all(sim.events, args.mqtt, speedup=args.speedup, passwords=passwords)
        except ImportError:
            raise CommandError("--mqtt needs paho-mqtt: pip install 'smart-dairy-iot-core[mqtt]'") from None
        except ValueError as exc:
            raise CommandError(f"--mqtt {args.mqtt}: {exc}", EX_USAGE) from None
        except OSError as exc:  # refused, unknown host, no CONNACK
            raise CommandError(f"cannot publish to the broker at {args.mqtt}: {exc}", EX_UNAVAILABLE,
                               "is the broker running and listening there?") from None
        if not as_json(args, summary):
            print(json.dumps(summary, indent=2))
    else:
        if not args.token:
            raise CommandError("--to needs --token (one of the tier's SDIOT_WEBHOOK_TOKENS)", EX_USAGE)
        summary = post_through_rules(sim, args.to, args.token, args.concurrency, args.speedup)
        if not as_json(args, summary):
            print(table(summary))
    if args.json_summary:
        with open(args.json_summary, "w", encoding="utf-8") as fh:
            json.dump(summary, fh, indent=2)
    return 0 if not summary.get("not_stored") and not summary.get("failed") else 1


def post_through_rules(sim, url, token, concurrency=4, speedup=0.0):
    """Run the simulation through the rules to the tier with a progress bar; the summary dict."""
    planned = sender.plan(sim.events)
    began = time.monotonic()
    with Progress("sending", total=len(planned)) as bar:
        outcomes = sender.send(planned, url, token, concurrency=concurrency, speedup=speedup, progress=bar)
    return summarize(outcomes, time.monotonic() - began)


def _write_jsonl(args, sim, path):
    out = sys.stdout if path == "-" else open(path, "w", encoding="utf-8")
    written = 0
    try:
        for event in sim.publishes:  # the recorded-message format has no presence events
            out.write(json.dumps(event.to_dict(), separators=(",", ":")) + "\n")
            written += 1
    finally:
        if out is not sys.stdout:
            out.close()
    as_json(args, {"file": path, "messages": written})
    return 0


def _write_roster(args, sim, path):
    """The simulated farm as `sdiot devices import` input, so a real broker can authenticate it."""
    rows = ["farm_id,device_type,device_id"] + [f"{d.farm_id},{d.device_type},{d.device_id}" for d in sim.farm.devices]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(rows) + "\n")
    if not as_json(args, {"file": path, "devices": len(sim.farm.devices)}):
        print(f"{len(sim.farm.devices)} devices written to {path}; provision them with "
              f"`sdiot devices import {path} --out secrets.csv`")
    return 0


def _read_credentials(path):
    """device_id -> password from the secrets CSV that `sdiot devices import --out` writes."""
    import csv

    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise CommandError(f"--credentials {path}: {exc.strerror or exc}") from None
    if rows and not {"device_id", "password"} <= set(rows[0]):
        raise CommandError(f"--credentials {path}: expected columns device_id and password")
    return {row["device_id"]: row["password"] for row in rows}
