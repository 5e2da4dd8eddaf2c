"""``sdiot deadletters list|replay|discard [--reason R] [--since T]``: the bodies the tier rejected.

    sdiot deadletters list --reason schema_violation --since 6h
    sdiot deadletters replay --reason schema_violation     re-validate against today's schemas
    sdiot deadletters discard --id 17 --id 18              new -> discarded (kept until retention)
    sdiot deadletters discard --reason payload_not_json --since 2d
"""
import argparse
from contextlib import closing
from datetime import datetime, timedelta, timezone

from webhooks.cli import EX_TEMPFAIL, EX_USAGE, CommandError, open_ingest_store
from webhooks.cli.output import as_json
from webhooks.errors import REASONS

DISCARD_BATCH = 1000  # ids selected (and discarded) per round with --reason/--since


def register(subparsers):
    p = subparsers.add_parser("deadletters", help="list, replay or discard the bodies the tier rejected")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, help_ in (("list", "show kept bodies with their reasons"),
                        ("replay", "re-validate kept bodies against the current schemas"),
                        ("discard", "mark new dead letters discarded: never replayed, deleted by retention")):
        s = sub.add_parser(name, help=help_)
        if name == "discard":
            s.add_argument("--id", type=int, action="append", dest="ids", metavar="ID",
                           help="dead letter id (repeatable)")
        s.add_argument("--reason", choices=sorted(REASONS), metavar="REASON",
                       help=f"only this reason code: {', '.join(sorted(REASONS))}")
        s.add_argument("--since", type=_since, help="ISO time (2026-11-27T08:00Z) or an age: 30m, 6h, 2d")
        if name != "discard":
            s.add_argument("--limit", type=int, default=1000 if name == "list" else 100_000,
                           help="dead letters to read at most")
        s.add_argument("--database-url", help="default: SDIOT_DATABASE_URL")
        s.set_defaults(func=_COMMANDS[name])


def _since(text):
    units = {"m": "minutes", "h": "hours", "d": "days"}
    if text[-1:] in units and text[:-1].isdigit():
        return datetime.now(timezone.utc) - timedelta(**{units[text[-1]]: int(text[:-1])})
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time or age: {text} (2026-11-27T08:00Z, 30m, 6h, 2d)") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def run_list(args):
    with closing(open_ingest_store(args)) as store:
        rows = store.dead_letters(reason=args.reason, since=args.since, limit=args.limit)
    if as_json(args, {"dead_letters": rows}):
        return 0
    for row in rows:
        print(f"{row['id']:>7} {str(row['received_at'])[:19]} {row['stream']:9} {row['reason']:26} "
              f"{row['device_id'] or '-':8} {row['detail'][:90]}")
    print(f"{len(rows)} dead letter(s)")
    return 0


def run_replay(args):
    from webhooks.deadletters import replay  # the schemas: seconds to import, so only for replay

    with closing(open_ingest_store(args)) as store:
        report = replay(store, args.settings, reason=args.reason, since=args.since, limit=args.limit)
    if not as_json(args, report.as_dict()):
        print(f"accepted {report.accepted}, duplicate {report.duplicate}, "
              f"still rejected {sum(report.still_rejected.values())}, truncated (not replayable) "
              f"{report.skipped_truncated}")
        for reason, count in report.still_rejected.most_common():
            print(f"  {reason:28} {count}")
    if report.stopped:
        raise CommandError(f"stopped early: {report.stopped}", EX_TEMPFAIL,
                           "run it again once the store is back (replayed bodies are not replayed twice)")
    return 0


def run_discard(args):
    """new → discarded, by id or by every new dead letter matching --reason/--since."""
    if not (args.ids or args.reason or args.since):
        raise CommandError("say which dead letters: --id ID (repeatable), or --reason R and/or --since T",
                           EX_USAGE)
    if args.ids and (args.reason or args.since):
        raise CommandError("--id names the dead letters itself; leave out --reason and --since", EX_USAGE)
    with closing(open_ingest_store(args)) as store:
        if args.ids:
            discarded = store.discard_dead_letters(sorted(set(args.ids)))
        else:
            discarded = _discard_matching(store, args.reason, args.since)
    missed = len(set(args.ids or ())) - discarded if args.ids else 0
    if not as_json(args, {"discarded": discarded}):
        print(f"discarded {discarded} dead letter(s)")
    if missed:
        raise CommandError(f"{missed} of the given ids are not new dead letters (see `sdiot deadletters list`)")
    return 0


def _discard_matching(store, reason, since):
    total = 0
    while True:
        ids = [row["id"] for row in store.dead_letters(reason=reason, since=since, limit=DISCARD_BATCH)]
        moved = store.discard_dead_letters(ids) if ids else 0
        total += moved
        if len(ids) < DISCARD_BATCH or not moved:
            return total


_COMMANDS = {"list": run_list, "replay": run_replay, "discard": run_discard}
