"""``sdiot serve``: the webhook tier under gunicorn (migrating the embedded SQLite store first)."""
import os
import sys

from webhooks.dburl import DatabaseURL
from webhooks.migrations import migrate_up
from webhooks.serving import gunicorn_argv


def register(subparsers):
    p = subparsers.add_parser("serve", help="run the webhook tier under gunicorn")
    p.add_argument("--bind", help="address:port (default: SDIOT_BIND, else 127.0.0.1:8000)")
    p.add_argument("--workers", type=int, help="gunicorn workers (default: SDIOT_WORKERS, else one per core)")
    p.add_argument("--no-migrate", action="store_true", help="do not apply ingest migrations first")
    p.set_defaults(func=run)


def run(args):
    settings = args.settings
    if not args.no_migrate and DatabaseURL.parse(settings.database_url).dialect == "sqlite":
        migrate_up("ingest", settings.database_url)
    options = ["--bind", args.bind or settings.bind or "127.0.0.1:8000"] + (["--workers", str(args.workers)] if args.workers else [])
    os.execv(sys.executable, gunicorn_argv("webhooks:create_app()", *options))
