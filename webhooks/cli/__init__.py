"""``sdiot``: the one command for operators and platform engineers.

Each command group is a module in this package exposing ``register(subparsers)``; it adds its
parser and sets ``func(args) -> int`` (the exit code). Modules are imported only when listed
here, so a group's heavy imports cost nothing to the others.
"""
import importlib
import sys
from importlib import metadata

from webhooks import config, logs
from webhooks.cli import output, parsing
from webhooks.cli.errors import (  # noqa: F401  (CommandError and the codes are the package's API)
    EX_CONFIG, EX_DATAERR, EX_INTERRUPTED, EX_TEMPFAIL, EX_UNAVAILABLE, EX_USAGE, CommandError, database_failed)
from webhooks.store import StoreError

# Order is the order of ``sdiot --help``.
COMMAND_MODULES = [
    "webhooks.cli.serve",
    "webhooks.cli.migrate",
    "webhooks.cli.deadletters",
    "webhooks.cli.store",
    "webhooks.cli.bench",
    "webhooks.cli.forward",
    "webhooks.cli.outbox",
    "webhooks.cli.rules",
    "webhooks.cli.devices",
    "webhooks.cli.acl",
    "webhooks.cli.certs",
    "webhooks.cli.demo",
    "webhooks.cli.simulate",
]


# No --json: serve becomes gunicorn; the benchmarks print their figures for people; the demo is a
# show that ends on a live page (its summary as JSON: --json-summary FILE).
WITHOUT_JSON = ("serve",)  # it becomes gunicorn: nothing of ours is left to print a document


def build_parser():
    parser = parsing.Parser(prog="sdiot", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    parser.add_argument("--version", action="version", version=f"sdiot {_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    parsing.finish(parser, without_json=WITHOUT_JSON)
    return parser


def _version():
    try:
        return metadata.version("smart-dairy-iot-core")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "(not installed)"


def main(argv=None):
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except parsing.UsageError as exc:  # argparse printed the usage and the message to stderr
        if "--json" in (sys.argv[1:] if argv is None else argv):
            output.failure(exc.prog.removeprefix("sdiot").strip(), CommandError(exc.message, EX_USAGE))
        return EX_USAGE
    try:
        args.settings = config.from_env()  # the one Settings of this command; commands read args.settings
        logs.configure(args.settings, level="debug" if args.verbose else None)  # JSON lines by default
        exit_code = args.func(args) or 0
    except config.SettingsError as exc:
        return _failed(args, CommandError(str(exc), EX_CONFIG))
    except KeyboardInterrupt:
        return _failed(args, CommandError("interrupted", EX_INTERRUPTED), quiet=True)
    except CommandError as exc:
        return _failed(args, exc)
    except StoreError as exc:  # the ingest DB went away mid-command: say so, no traceback
        return _failed(args, database_failed("the ingest database", None, exc, "SDIOT_DATABASE_URL"))
    if getattr(args, "json", False):
        output.success(args)
    return exit_code


def _failed(args, error, quiet=False):
    """One line on stderr (what failed; how to fix it), the JSON failure under --json; the exit code."""
    command = getattr(args, "command_path", args.command)
    if not quiet:
        print(f"sdiot {command}: {error}" + (f"; {error.hint}" if error.hint else ""), file=sys.stderr)
    if getattr(args, "json", False):
        output.failure(command, error, args)
    return error.exit_code


def open_ingest_store(args):
    """The ingest store for a command: ``--database-url`` if given, else SDIOT_DATABASE_URL."""
    url = getattr(args, "database_url", None) or args.settings.database_url
    return reach_database(url, "the ingest database", "SDIOT_DATABASE_URL")


def reach_database(url, what, variable):
    """A store on ``url`` that has just connected: why it cannot is the operator's one line, at once
    (a pool would retry in the background, log, and only then say it timed out)."""
    from webhooks.store import open_store

    try:
        store = open_store(url, pool_size=1, group_commit=False)
    except ValueError as exc:
        raise CommandError(str(exc), EX_CONFIG) from None
    try:
        store.check()
    except StoreError as exc:
        store.close()
        raise database_failed(what, url, exc, variable, connecting=True) from None
    return store
