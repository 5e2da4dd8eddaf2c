"""``sdiot``: the one command for operators and platform engineers.

Each command group is a module in this package exposing ``register(subparsers)``; it adds its
parser and sets ``func(args) -> int`` (the exit code). Modules are imported only when listed
here, so a group's heavy imports cost nothing to the others.
"""
import argparse
import importlib
import sys

from webhooks import config, logs
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


def build_parser():
    parser = argparse.ArgumentParser(prog="sdiot", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.settings = config.from_env()  # the one Settings of this command; commands read args.settings
        logs.configure(args.settings, level="debug" if args.verbose else None)  # JSON lines by default
        return args.func(args) or 0
    except config.SettingsError as exc:
        print(f"sdiot {args.command}: {exc}", file=sys.stderr)
        return EX_CONFIG
    except KeyboardInterrupt:
        return 130
    except CommandError as exc:
        print(f"sdiot {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except StoreError as exc:  # the ingest DB is down or refused: say so, no traceback
        print(f"sdiot {args.command}: the ingest database failed: {exc}", file=sys.stderr)
        return EX_UNAVAILABLE


EX_UNAVAILABLE = 69  # sysexits.h: a service the command needs is unavailable
EX_CONFIG = 78  # sysexits.h: a configuration value is wrong


def open_ingest_store(args):
    """The ingest store for a command: ``--database-url`` if given, else SDIOT_DATABASE_URL."""
    from webhooks.store import open_store

    url = getattr(args, "database_url", None) or args.settings.database_url
    try:
        return open_store(url, pool_size=1, group_commit=False)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


class CommandError(Exception):
    """An expected failure with a message for the operator (no traceback)."""

    def __init__(self, message, exit_code=1):
        super().__init__(message)
        self.exit_code = exit_code
