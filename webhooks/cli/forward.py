"""``sdiot forward [--once]``: deliver the outbox to Odoo (the Procfile ``worker:``).

Without ``--once`` it runs until SIGTERM/SIGINT, finishing the batch in hand before it exits.
``--once`` delivers what is pending and exits 0; it exits 75 (EX_TEMPFAIL) when Odoo could not
take everything within ``--max-seconds`` — the rows stay pending, nothing is lost.
"""
import logging
import os
import signal

from webhooks.cli import CommandError
from webhooks.config import DEFAULT_DATABASE_URL
from webhooks.db import DatabaseURL, redact
from webhooks.migrations import migrate_up

EX_TEMPFAIL = 75
log = logging.getLogger("sdiot.forwarder")


def register(subparsers):
    p = subparsers.add_parser("forward", help="deliver the outbox to Odoo (long-running worker)")
    p.add_argument("--once", action="store_true", help="deliver what is pending, then exit")
    p.add_argument("--database-url", help="default: SDIOT_DATABASE_URL")
    p.add_argument("--batch-size", type=int, help="rows per claim (SDIOT_FORWARDER_BATCH_SIZE, 200)")
    p.add_argument("--lease-seconds", type=float, help="claim lease (SDIOT_FORWARDER_LEASE_SECONDS, 120)")
    p.add_argument("--poll-seconds", type=float, help="poll fallback (SDIOT_FORWARDER_POLL_SECONDS, 5)")
    p.add_argument("--metrics-port", type=int, help="/metrics port, 0 = off (SDIOT_FORWARDER_METRICS_PORT, 9101)")
    p.add_argument("--max-seconds", type=float, default=300.0, help="--once: give up waiting on Odoo after this")
    p.set_defaults(func=run)


def run(args):
    from odoo_connector import OdooClient

    from webhooks.forwarder import admin, metrics
    from webhooks.forwarder.options import from_env
    from webhooks.forwarder.worker import DB_ERRORS, Worker

    url = args.database_url or os.environ.get("SDIOT_DATABASE_URL") or DEFAULT_DATABASE_URL
    options = from_env(batch_size=args.batch_size, lease_seconds=args.lease_seconds,
                       poll_seconds=args.poll_seconds, metrics_port=args.metrics_port)
    try:
        if DatabaseURL.parse(url).dialect == "sqlite":
            migrate_up("ingest", url)  # the embedded default is set up by whoever runs first
        client = OdooClient.from_env()
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    try:
        worker = Worker(url, client, options)
    except DB_ERRORS as exc:
        raise CommandError(f"cannot open the ingest DB {redact(url)}: {exc}") from None
    try:
        if args.once:
            totals = worker.drain(max_seconds=args.max_seconds)
            left = admin.stats(worker.outbox.conn)
            print(f"delivered {totals.delivered}, failed {totals.failed}, still pending {left['pending']} "
                  f"({redact(url)})")
            return EX_TEMPFAIL if totals.postponed and left["pending"] else 0
        metrics.serve(options.metrics_port)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda signum, frame: worker.stop())
        worker.run()
        return 0
    finally:
        worker.close()
