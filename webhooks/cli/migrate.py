"""``sdiot migrate auth|ingest [up|down|status [--exit-code]] [--database-url URL]``."""
from webhooks.cli import CommandError
from webhooks.dburl import redact
from webhooks.migrations import MigrationError, Runner

_DEFAULT_URL = {
    "ingest": lambda settings: settings.database_url,
    "auth": lambda settings: settings.auth_database_url,
}


def register(subparsers):
    p = subparsers.add_parser("migrate", help="apply, roll back or inspect SQL migrations")
    p.add_argument("database", choices=sorted(_DEFAULT_URL), help="which database")
    p.add_argument("action", nargs="?", default="up", choices=["up", "down", "status"])
    p.add_argument("--database-url", help="default: SDIOT_DATABASE_URL (ingest) or SDIOT_AUTH_DATABASE_URL (auth)")
    p.add_argument("--exit-code", action="store_true", help="status: exit 1 when migrations are pending")
    p.set_defaults(func=run)


def run(args):
    url = args.database_url or _DEFAULT_URL[args.database](args.settings)
    if not url:
        raise CommandError("no database URL: pass --database-url or set "
                           + ("SDIOT_AUTH_DATABASE_URL" if args.database == "auth" else "SDIOT_DATABASE_URL"))
    try:
        runner = Runner(args.database, url)
        if args.action == "up":
            applied = runner.up()
            print(f"{args.database} @ {redact(url)}: applied {', '.join(applied)}" if applied
                  else f"{args.database} @ {redact(url)}: up to date")
            return 0
        if args.action == "down":
            version = runner.down()
            print(f"rolled back {version}" if version else "nothing to roll back")
            return 0
        statuses = runner.status()
    except (MigrationError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    pending = 0
    for s in statuses:
        mark = "TAMPERED" if s.tampered else ("applied" if s.applied else "pending")
        pending += not s.applied
        print(f"{mark:9} {s.migration.version} {s.migration.name}")
    print(f"{pending} pending")
    tampered = any(s.tampered for s in statuses)
    return 1 if args.exit_code and (pending or tampered) else (1 if tampered else 0)
