"""Parameter names of the ORM methods we call, so one ``call(model, method, *args, **kwargs)``
works on both protocols: JSON-2 takes named arguments only (``create`` needs ``vals_list``),
while ``/jsonrpc`` ``execute_kw`` needs the leading ones positional (``create`` reads args[0]).
Source: odoo/odoo odoo/orm/models.py signatures; ``ingest``/``ingest_events`` are our addon's.
"""
from .routing import EVENTS_METHOD, INGEST_METHOD

POSITIONAL = {
    "create": ("vals_list",),
    "write": ("ids", "vals"),
    "read": ("ids", "fields"),
    "unlink": ("ids",),
    "search": ("domain", "offset", "limit", "order"),
    "search_read": ("domain", "fields", "offset", "limit", "order"),
    "search_count": ("domain", "limit"),
    "fields_get": ("allfields", "attributes"),
    INGEST_METHOD: ("rows",),
    EVENTS_METHOD: ("rows",),
}


def to_named(method, args, kwargs):
    """JSON-2 body from positional + named arguments."""
    if not args:
        return dict(kwargs)
    names = POSITIONAL.get(method)
    if names is None or len(args) > len(names):
        raise TypeError(f"pass the arguments of {method!r} by name: JSON-2 has no positional arguments")
    named = dict(zip(names, args))
    clash = set(named) & set(kwargs)
    if clash:
        raise TypeError(f"{method!r} got {sorted(clash)} both by position and by name")
    named.update(kwargs)
    return named


def to_positional(method, args, kwargs):
    """execute_kw (args, kwargs): the leading named ones moved to positions, in order."""
    args, kwargs = list(args), dict(kwargs)
    for name in POSITIONAL.get(method, ())[len(args):]:
        if name not in kwargs:
            break
        args.append(kwargs.pop(name))
    return args, kwargs
