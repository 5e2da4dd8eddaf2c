"""``sdiot serve``: the webhook tier under gunicorn (migrating the embedded SQLite store first)."""
import os
import sys

from webhooks.config import from_env
from webhooks.db import DatabaseURL
from webhooks.migrations import migrate_up


def register(subparsers):
    p = subparsers.add_parser("serve", help="run the webhook tier under gunicorn")
    p.add_argument("--bind", default=os.environ.get("SDIOT_BIND", "127.0.0.1:8000"))
    p.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py)")
    p.add_argument("--no-migrate", action="store_true", help="do not apply ingest migrations first")
    p.set_defaults(func=run)


def run(args):
    settings = from_env()
    if not args.no_migrate and DatabaseURL.parse(settings.database_url).dialect == "sqlite":
        migrate_up("ingest", settings.database_url)
    argv = [sys.executable, "-m", "gunicorn", "--config", _config_path(), "--bind", args.bind]
    if args.workers:
        argv += ["--workers", str(args.workers)]
    argv.append("webhooks:create_app()")
    os.execv(sys.executable, argv)


def _config_path():
    return os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "gunicorn.conf.py")
