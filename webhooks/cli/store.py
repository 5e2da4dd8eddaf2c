"""``sdiot store maintain [--retention-days N] [--days-ahead N]``: partitions and retention.

Run it daily (a Kubernetes CronJob or a cron line); it is idempotent and safe beside the tier.
"""
import sys
from contextlib import closing
from dataclasses import asdict

from webhooks.cli import open_ingest_store
from webhooks.cli.output import as_json


def register(subparsers):
    p = subparsers.add_parser("store", help="ingest-store maintenance: daily partitions and retention")
    sub = p.add_subparsers(dest="action", required=True)
    s = sub.add_parser("maintain", help="create coming partitions; drop delivered data past the window")
    s.add_argument("--retention-days", type=int,
                   help="keep accepted rows and dedup keys this long (SDIOT_RETENTION_DAYS, default 31); "
                        "never less than SDIOT_MAX_BACKFILL_DAYS + 1")
    s.add_argument("--days-ahead", type=int, default=7, help="partitions to create ahead (PostgreSQL)")
    s.add_argument("--database-url", default=None, help="default: SDIOT_DATABASE_URL")
    s.set_defaults(func=run)


def run(args):
    with closing(open_ingest_store(args)) as store:
        report = store.maintain(retention_days=args.retention_days or args.settings.retention_days,
                                days_ahead=args.days_ahead, max_backfill_days=args.settings.max_backfill_days)
    if not as_json(args, asdict(report)):
        print(f"partitions created {report.partitions_created}, dropped {len(report.partitions_dropped)}, "
              f"kept for undelivered rows {len(report.partitions_kept_undelivered)}; rows deleted "
              f"{report.rows_deleted}; dead letters deleted {report.dead_letters_deleted}")
        for name in report.partitions_kept_undelivered:
            print(f"  kept {name}: it still holds pending or failed rows (see `sdiot outbox list`)")
        for note in report.notes:
            print(f"  note: {note}")
    for error in report.errors:
        print(f"sdiot store maintain: {error}", file=sys.stderr)
    return 1 if report.errors else 0
