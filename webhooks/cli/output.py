"""What a command prints under ``--json``: one JSON document on standard output, in one shape.

    {"ok": true,  "command": "outbox stats", "result": {...}}
    {"ok": false, "command": "outbox stats", "error": {"code": "unavailable", "message": "...", "hint": "..."}}

``result`` is always an object (lists sit under a named key, e.g. ``{"devices": [...]}``); a
failure after part of the work was done keeps that part as ``result`` beside ``error``. ``ok`` is
false only with an ``error``: an answer of "no" (an ACL deny, drift) is ``ok`` with its exit code.
The exit code is the same with or without --json, and the one-line message still goes to stderr.
A command hands its result over with ``as_json`` and prints its human text only when that is false.
"""
import dataclasses
import json


def as_json(args, result):
    """Keep ``result`` for the JSON document; True when --json replaces the human output."""
    args.result = result
    return bool(getattr(args, "json", False))


def success(args):
    _print({"ok": True, "command": args.command_path, "result": _result(args)})


def failure(command, error, args=None):
    """The failure document for a CommandError (``error``), with any partial result."""
    doc = {"ok": False, "command": command,
           "error": {"code": error.code, "message": str(error), "hint": error.hint}}
    if args is not None and getattr(args, "result", None) is not None:
        doc["result"] = _result(args)
    _print(doc)


def _result(args):
    result = getattr(args, "result", None)
    return {} if result is None else result


def _print(doc):
    print(json.dumps(doc, indent=2, default=_plain), flush=True)


def _plain(value):
    """Instants as ISO-8601, dataclasses as objects, sets as lists, anything else as text."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)
