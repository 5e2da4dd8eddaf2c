"""``sdiot deadletters list|replay [--reason R] [--since T] [--json]``."""
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from webhooks.cli import CommandError
from webhooks.deadletters import replay
from webhooks.errors import REASONS
from webhooks.store import StoreError, open_store


def register(subparsers):
    p = subparsers.add_parser("deadletters", help="list or replay the bodies the tier rejected")
    sub = p.add_subparsers(dest="action", required=True)
    for name, help_ in (("list", "show kept bodies with their reasons"),
                        ("replay", "re-validate kept bodies against the current schemas")):
        s = sub.add_parser(name, help=help_)
        s.add_argument("--reason", choices=sorted(REASONS), help="only this reason code")
        s.add_argument("--since", type=_since, help="ISO time (2026-11-27T08:00Z) or an age: 30m, 6h, 2d")
        s.add_argument("--limit", type=int, default=1000 if name == "list" else 100_000)
        s.add_argument("--json", action="store_true", help="machine-readable output")
        s.add_argument("--database-url", help="default: SDIOT_DATABASE_URL")
        s.set_defaults(func=run)


def _since(text):
    units = {"m": "minutes", "h": "hours", "d": "days"}
    if text[-1:] in units and text[:-1].isdigit():
        return datetime.now(timezone.utc) - timedelta(**{units[text[-1]]: int(text[:-1])})
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a time or age: {text}") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def run(args):
    settings = replace(args.settings, database_url=args.database_url or args.settings.database_url)
    store = open_store(settings.database_url)
    try:
        if args.action == "list":
            return _list(store, args)
        report = replay(store, settings, reason=args.reason, since=args.since, limit=args.limit)
    except StoreError as exc:
        raise CommandError(f"the ingest store is unavailable: {exc}") from None
    finally:
        store.close()
    if args.json:
        print(json.dumps(report.as_dict()))
    else:
        print(f"accepted {report.accepted}, duplicate {report.duplicate}, "
              f"still rejected {sum(report.still_rejected.values())}, truncated (not replayable) "
              f"{report.skipped_truncated}")
        for reason, count in report.still_rejected.most_common():
            print(f"  {reason:28} {count}")
    if report.stopped:
        raise CommandError(f"stopped early: {report.stopped}; run it again once the store is back", 2)
    return 0


def _list(store, args):
    rows = store.dead_letters(reason=args.reason, since=args.since, limit=args.limit)
    if args.json:
        for row in rows:
            row["received_at"] = str(row["received_at"])
            row["body_truncated"] = bool(row["body_truncated"])
        print(json.dumps(rows))
        return 0
    for row in rows:
        print(f"{row['id']:>7} {str(row['received_at'])[:19]} {row['stream']:9} {row['reason']:26} "
              f"{row['device_id'] or '-':8} {row['detail'][:90]}")
    print(f"{len(rows)} dead letter(s)")
    return 0
