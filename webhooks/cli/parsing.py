"""The argument parsers of ``sdiot``: help that shows defaults, usage errors that --json can report,
and the options every command shares (``--json``) added in one place once the groups registered.
"""
import argparse
import sys

from webhooks.cli.errors import EX_USAGE

JSON_HELP = "print one JSON document on stdout: {ok, command, result | error} (README: Scripting sdiot)"


class HelpWithDefaults(argparse.ArgumentDefaultsHelpFormatter):
    """argparse's "(default: …)" after each option's help, except where it would say nothing
    (None, a flag's False, an empty list) or the help already names the default."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "default" in text or action.default is None or action.default is False or action.default == []:
            return text
        return super()._get_help_string(action)


class UsageError(SystemExit):
    """argparse refused the command line (exit 2); ``message`` is what it printed."""

    def __init__(self, prog, message):
        super().__init__(EX_USAGE)
        self.prog, self.message = prog, message


class Parser(argparse.ArgumentParser):
    """Every sdiot parser (the groups' subparsers inherit the class): defaults in the help, and a
    usage error that main() can also report as JSON."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpWithDefaults)
        super().__init__(*args, **kwargs)

    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise UsageError(self.prog, message)


def finish(parser, without_json=()):
    """Name every command (``args.command_path``, e.g. "outbox stats") and give each one --json,
    except the groups in ``without_json``."""
    for path, leaf in _commands(parser):
        leaf.set_defaults(command_path=" ".join(path))
        if path[0] not in without_json:
            leaf.add_argument("--json", action="store_true", help=JSON_HELP)


def _commands(parser, path=()):
    """(path, parser) of every runnable command: the leaves of the subcommand tree."""
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not groups:
        yield path, parser
        return
    for name, sub in groups[0].choices.items():
        yield from _commands(sub, path + (name,))
