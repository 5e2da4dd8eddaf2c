"""``sdiot``: the one command for operators and platform engineers.

Each command group is a module in this package exposing ``register(subparsers)``; it adds its
parser and sets ``func(args) -> int`` (the exit code). Modules are imported only when listed
here, so a group's heavy imports cost nothing to the others.
"""
import argparse
import importlib
import logging
import sys

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
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        return 130
    except CommandError as exc:
        print(f"sdiot {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code


class CommandError(Exception):
    """An expected failure with a message for the operator (no traceback)."""

    def __init__(self, message, exit_code=1):
        super().__init__(message)
        self.exit_code = exit_code
