"""``sdiot migrate auth|ingest [up|down|status [--exit-code]] [--database-url URL]``."""
from webhooks.cli import EX_CONFIG, CommandError, reach_database
from webhooks.cli.output import as_json
from webhooks.dburl import redact
from webhooks.migrations import MigrationError, Runner

_VARIABLE = {"ingest": "SDIOT_DATABASE_URL", "auth": "SDIOT_AUTH_DATABASE_URL"}
_DEFAULT_URL = {
    "ingest": lambda settings: settings.database_url,
    "auth": lambda settings: settings.auth_database_url,
}


def register(subparsers):
    p = subparsers.add_parser("migrate", help="apply, roll back or inspect SQL migrations")
    p.add_argument("database", choices=sorted(_DEFAULT_URL), help="which database")
    p.add_argument("action", nargs="?", default="up", choices=["up", "down", "status"], help="what to do")
    p.add_argument("--database-url", help="default: SDIOT_DATABASE_URL (ingest) or SDIOT_AUTH_DATABASE_URL (auth)")
    p.add_argument("--exit-code", action="store_true", help="status: exit 1 when migrations are pending")
    p.set_defaults(func=run)


def run(args):
    variable = _VARIABLE[args.database]
    url = args.database_url or _DEFAULT_URL[args.database](args.settings)
    if not url:
        raise CommandError(f"no database URL: pass --database-url or set {variable}", EX_CONFIG)
    try:
        runner = Runner(args.database, url)
        reach_database(url, f"the {args.database} database", variable).close()  # fails with the reason, at once
        if args.action == "up":
            applied = runner.up()
            if not as_json(args, {"database": args.database, "url": redact(url), "applied": applied}):
                print(f"{args.database} @ {redact(url)}: applied {', '.join(applied)}" if applied
                      else f"{args.database} @ {redact(url)}: up to date")
            return 0
        if args.action == "down":
            version = runner.down()
            if not as_json(args, {"database": args.database, "url": redact(url), "rolled_back": version}):
                print(f"rolled back {version}" if version else "nothing to roll back")
            return 0
        statuses = runner.status()
    except MigrationError as exc:
        raise CommandError(str(exc)) from None
    except ValueError as exc:  # not a database URL
        raise CommandError(str(exc), EX_CONFIG) from None
    marks = [("TAMPERED" if s.tampered else ("applied" if s.applied else "pending"), s) for s in statuses]
    pending = sum(not s.applied for s in statuses)
    tampered = any(s.tampered for s in statuses)
    if not as_json(args, {"database": args.database, "url": redact(url), "pending": pending, "tampered": tampered,
                          "migrations": [{"version": s.migration.version, "name": s.migration.name,
                                          "state": mark.lower()} for mark, s in marks]}):
        for mark, s in marks:
            print(f"{mark:9} {s.migration.version} {s.migration.name}")
        print(f"{pending} pending")
    return 1 if args.exit_code and (pending or tampered) else (1 if tampered else 0)
