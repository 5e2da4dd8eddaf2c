"""``sdiot bench ingest [--seconds N] [--concurrency C]`` and ``sdiot bench delivery [--rows N] ...``."""
import sys

from webhooks.cli.output import as_json
from webhooks.tools.bench import delivery, ingest

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def register(subparsers):
    p = subparsers.add_parser("bench", help="benchmarks that print figures against a same-run baseline")
    sub = p.add_subparsers(dest="bench", required=True)
    s = sub.add_parser("ingest", help="the tier on PostgreSQL vs a bare Flask ceiling (last line: the ratio)")
    s.add_argument("--seconds", type=int, default=10, help="load time per server, split into rounds")
    s.add_argument("--concurrency", type=int, default=32, help="connections at once")
    s.add_argument("--workers", type=int, help="gunicorn workers (default: cores)")
    s.add_argument("--threads", type=int, default=8, help="threads per gthread worker")
    s.add_argument("--admin-url", help="a PostgreSQL database to create the scratch database from "
                                       f"(default: SDIOT_BENCH_PG_URL, else {DEFAULT_ADMIN_URL})")
    s.set_defaults(func=run)
    d = sub.add_parser("delivery", help="the forwarder against a simulated Odoo: batched vs batch size 1, latency")
    delivery.add_arguments(d)
    d.set_defaults(func=run_delivery)


def run(args):
    result = ingest.run(args.admin_url or args.settings.bench_pg_url or DEFAULT_ADMIN_URL, seconds=args.seconds,
                        concurrency=args.concurrency, workers=args.workers, threads=args.threads,
                        worker_class=args.settings.worker_class, out=_human(args))
    as_json(args, {"ratio": result["ratio"], "floor_ratio": result["floor_ratio"], "stored": result["stored"],
                   "dead_letters": result["dead_letters"],
                   "servers": {name: _server_figures(result[name]) for name in ("bare", "floor", "tier")}})
    return 0


def _server_figures(r):
    return {"requests_per_s": r.rate, "p50_ms": r.percentile(50) * 1000, "p99_ms": r.percentile(99) * 1000,
            "errors": r.errors, "cpu_app_us_per_request": r.cpu_app_us, "cpu_db_us_per_request": r.cpu_db_us,
            "statuses": dict(r.statuses)}


def _human(args):
    """Figures for people: on stdout, or on stderr when stdout carries the --json document."""
    return (lambda line: print(line, file=sys.stderr, flush=True)) if args.json else print


def run_delivery(args):
    figures = {}
    code = delivery.run(args, admin_url=args.settings.bench_pg_url, out=_human(args), figures=figures)
    as_json(args, figures)
    return code
