"""``sdiot forward [--once]``: deliver the outbox to Odoo (the Procfile ``worker:``).

Without ``--once`` it runs until SIGTERM/SIGINT, finishing the batch in hand before it exits.
``--once`` delivers what is pending and exits 0; it exits 75 (EX_TEMPFAIL) when Odoo could not
take everything within ``--max-seconds`` — the rows stay pending, nothing is lost.
"""
import logging
import signal

from webhooks.cli import EX_CONFIG, EX_TEMPFAIL, CommandError, database_failed, reach_database
from webhooks.cli.output import as_json
from webhooks.dburl import DatabaseURL, redact
from webhooks.migrations import MigrationError, migrate_up
from webhooks.store import StoreError

log = logging.getLogger("sdiot.forwarder")


def register(subparsers):
    p = subparsers.add_parser("forward", help="deliver the outbox to Odoo (long-running worker)")
    p.add_argument("--once", action="store_true", help="deliver what is pending, then exit")
    p.add_argument("--database-url", help="default: SDIOT_DATABASE_URL")
    p.add_argument("--batch-size", type=int, help="rows per claim (SDIOT_FORWARDER_BATCH_SIZE, default 200)")
    p.add_argument("--lease-seconds", type=float, help="claim lease (SDIOT_FORWARDER_LEASE_SECONDS, default 120)")
    p.add_argument("--poll-seconds", type=float, help="poll fallback (SDIOT_FORWARDER_POLL_SECONDS, default 5)")
    p.add_argument("--metrics-port", type=int,
                   help="/metrics port, 0 = off (SDIOT_FORWARDER_METRICS_PORT, default 9101)")
    p.add_argument("--max-seconds", type=float, default=300.0, help="--once: give up waiting on Odoo after this")
    p.set_defaults(func=run)


def run(args):
    from webhooks.forwarder import metrics, odoo_client
    from webhooks.forwarder.options import from_settings
    from webhooks.forwarder.worker import Worker

    url = args.database_url or args.settings.database_url
    try:
        options = from_settings(args.settings, batch_size=args.batch_size, lease_seconds=args.lease_seconds,
                                poll_seconds=args.poll_seconds, metrics_port=args.metrics_port)
        client = odoo_client(args.settings)
    except ValueError as exc:
        raise CommandError(str(exc), EX_CONFIG) from None
    try:
        if DatabaseURL.parse(url).dialect == "sqlite":
            migrate_up("ingest", url)  # the embedded default is set up by whoever runs first
    except ValueError as exc:
        raise CommandError(str(exc), EX_CONFIG) from None
    except MigrationError as exc:
        raise CommandError(str(exc)) from None
    if args.once:  # a one-shot run says at once why the database cannot be reached
        reach_database(url, "the ingest database", "SDIOT_DATABASE_URL").close()
    worker = Worker(url, client, options)
    try:
        if args.once:
            return _once(args, worker, url)
        metrics.serve(options.metrics_port)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda signum, frame: worker.stop())
        worker.run()
        as_json(args, {})
        return 0
    finally:
        worker.close()


def _once(args, worker, url):
    try:
        totals = worker.drain(max_seconds=args.max_seconds)
        left = worker.outbox.stats()
    except StoreError as exc:
        raise database_failed("the ingest database", url, exc, "SDIOT_DATABASE_URL") from None
    if not as_json(args, {"delivered": totals.delivered, "failed": totals.failed, "postponed": totals.postponed,
                          "pending": left["pending"], "database_url": redact(url)}):
        print(f"delivered {totals.delivered}, failed {totals.failed}, still pending {left['pending']} "
              f"({redact(url)})")
    return EX_TEMPFAIL if totals.postponed and left["pending"] else 0
