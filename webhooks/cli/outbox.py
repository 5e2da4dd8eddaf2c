"""``sdiot outbox list|retry|stats``: what the forwarder has not delivered, and why.

    sdiot outbox list --state failed          rows Odoo refused, with Odoo's message
    sdiot outbox retry --id 17 --id 18        failed -> pending (after fixing the cause)
    sdiot outbox retry --all-failed
    sdiot outbox stats                        counts by state, age of the oldest pending row
"""
from contextlib import closing

from webhooks.cli import EX_USAGE, CommandError, open_ingest_store
from webhooks.cli.output import as_json


def register(subparsers):
    p = subparsers.add_parser("outbox", help="inspect the Odoo outbox; requeue failed rows")
    sub = p.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    ls = sub.add_parser("list", help="list outbox rows, newest first")
    ls.add_argument("--state", choices=("pending", "delivered", "failed"))
    ls.add_argument("--presence", action="store_true", help="list device presence rows instead")
    ls.add_argument("--limit", type=int, default=50, help="rows to show")
    ls.set_defaults(func=run_list)
    retry = sub.add_parser("retry", help="put failed rows back in the queue")
    retry.add_argument("--id", type=int, action="append", dest="ids", metavar="ID", help="message id (repeatable)")
    retry.add_argument("--all-failed", action="store_true", help="every failed row (presence too)")
    retry.set_defaults(func=run_retry)
    stats = sub.add_parser("stats", help="counts by state and the oldest pending age")
    stats.set_defaults(func=run_stats)
    for action in (ls, retry, stats):
        action.add_argument("--database-url", help="default: SDIOT_DATABASE_URL")


def run_list(args):
    if args.limit < 1:
        raise CommandError("--limit must be at least 1", EX_USAGE)
    with closing(open_ingest_store(args)) as store:
        rows = store.outbox.rows("device_presence" if args.presence else "message", args.state, args.limit)
    rows = [{k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()} for row in rows]
    if as_json(args, {"rows": rows}):
        return 0
    for row in rows:
        if args.presence:
            print(f"{row['clientid']:<20} {row['state']:<9} {'online' if row['connected'] else 'offline':<7} "
                  f"{row['event_at']} attempts={row['attempts']} {row['last_error'] or ''}".rstrip())
        else:
            print(f"{row['id']:>8} {row['state']:<9} {row['odoo_model']:<26} {row['device_id']:<9} "
                  f"msg_id={row['msg_id']} attempts={row['attempts']} odoo_id={row['odoo_id'] or '-'} "
                  f"{row['last_error'] or ''}".rstrip())
    return 0


def run_retry(args):
    if not args.ids and not args.all_failed:
        raise CommandError("say which rows: --id ID (repeatable) or --all-failed", EX_USAGE)
    with closing(open_ingest_store(args)) as store:
        moved = store.outbox.retry(ids=args.ids, all_failed=args.all_failed)
    if not as_json(args, {"requeued": moved}):
        print(f"requeued {moved} failed row(s)")
    if args.ids and moved < len(set(args.ids)):
        raise CommandError(f"{len(set(args.ids)) - moved} of the given ids are not failed messages")
    return 0


def run_stats(args):
    with closing(open_ingest_store(args)) as store:
        stats = store.outbox.stats()
    if as_json(args, stats):
        return 0
    age = stats["oldest_pending_age_seconds"]
    print(f"pending {stats['pending']}  failed {stats['failed']}  delivered {stats['delivered']}  "
          f"oldest pending {'-' if age is None else f'{age:.1f}s'}")
    for table, counts in stats["tables"].items():
        print(f"  {table:<16} " + "  ".join(f"{k} {v}" for k, v in counts.items()))
    return 0
