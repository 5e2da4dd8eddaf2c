"""Odoo's error bodies -> our error tree. The only place that knows Odoo's exception names.

Both protocols carry the same ``serialize_exception(exc)`` dict (odoo/odoo: odoo/http.py):
``{"name", "debug", "message", "arguments", "context"}`` (16–18 key order) or
``{"name", "message", "arguments", "context", "debug"}`` (19+). On ``/jsonrpc`` it sits in
``error.data`` of an HTTP 200 envelope; on JSON-2 it is the whole body, with a real status.
We classify on ``name`` (the exception class) and never parse ``debug`` (a traceback).
"""
import re

from . import errors

# Exact class names Odoo reports (module.Class), by our class.
_BY_NAME = {
    "odoo.exceptions.AccessDenied": errors.AuthenticationError,
    "werkzeug.exceptions.Unauthorized": errors.AuthenticationError,
    "odoo.http.SessionExpiredException": errors.AuthenticationError,
    "odoo.exceptions.AccessError": errors.AccessDenied,
    "werkzeug.exceptions.Forbidden": errors.AccessDenied,
    "odoo.exceptions.ValidationError": errors.ValidationError,
    "werkzeug.exceptions.UnprocessableEntity": errors.ValidationError,
    "builtins.ValueError": errors.ValidationError,  # e.g. a datetime Odoo cannot strptime
    "builtins.TypeError": errors.ValidationError,
    "odoo.exceptions.UserError": errors.UserError,
    "odoo.exceptions.RedirectWarning": errors.UserError,
    "odoo.exceptions.MissingError": errors.MissingError,
    "werkzeug.exceptions.NotFound": errors.MissingError,  # unknown model/method: addon missing
    "builtins.AttributeError": errors.MissingError,  # unknown method over /jsonrpc on 19
    "werkzeug.exceptions.BadRequest": errors.ProtocolError,
    "werkzeug.exceptions.UnsupportedMediaType": errors.ProtocolError,
}

# Concurrency failures, matched on the class name's last part so psycopg2.errors.X,
# psycopg.errors.X (a later driver) and odoo.exceptions.X all count. Odoo already retried the
# transaction (MAX_TRIES_ON_CONCURRENCY_FAILURE, odoo/service/model.py) and rolled it back.
_CONCURRENCY = {
    "SerializationFailure",
    "DeadlockDetected",
    "LockNotAvailable",
    "TransactionRollbackError",
    "ConcurrencyError",
    "LockError",
}

# The addon's unique message_key constraint message starts with this token (odoo.md §1.6): a
# concurrent forwarder inserted the same key after our snapshot; a retry finds it and skips it.
DUPLICATE_TOKEN = "IOTDUP"
_NO_MODEL = re.compile(r"^Object \S+ doesn't exist")


def classify(name):
    """Our error class for an Odoo exception name."""
    if name in _BY_NAME:
        return _BY_NAME[name]
    if name and name.rpartition(".")[2] in _CONCURRENCY:
        return errors.SerializationError
    return errors.APIError


def from_serialized(data, *, status, model=None, method=None, fallback_message=None):
    """Build our exception from Odoo's serialize_exception dict."""
    if not isinstance(data, dict):
        return errors.ProtocolError(
            f"malformed Odoo error body: {data!r:.200}", status=status, model=model, method=method
        )
    name = data.get("name") if isinstance(data.get("name"), str) else None
    message = data.get("message") or fallback_message or name or "Odoo error"
    cls = classify(name)
    if cls is errors.ValidationError and DUPLICATE_TOKEN in str(message):
        cls = errors.SerializationError
    if cls is errors.UserError and _NO_MODEL.match(str(message)):
        # 16-18 execute_kw on a model that is not installed (odoo/service/model.py): the addon is
        # missing, not the data wrong; the forwarder must hold the rows, not fail them.
        cls = errors.MissingError
    return cls(str(message), name=name, status=status, data=data, model=model, method=method)
