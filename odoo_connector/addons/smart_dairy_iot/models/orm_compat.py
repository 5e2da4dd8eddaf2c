"""What differs between the Odoo series this addon installs on (17.0 -> 20.0), in one place.

* Unique constraints: 17/18 read ``_sql_constraints``; saas-18.1+/19+ ignore it (with only a log
  warning) and need ``models.Constraint``. Models declare both branches with ``HAS_CONSTRAINT``.
* Access checks: ``check_access(operation)`` from 18, ``check_access_rights`` before.
* The PostgreSQL driver: psycopg2 through 19; a later series may run psycopg 3.
* List views: root tag ``<tree>`` on 17, ``<list>`` from 18.
"""
from odoo import models, release
from odoo.exceptions import AccessError

try:
    from psycopg2 import IntegrityError, OperationalError
except ImportError:  # a series on psycopg 3
    from psycopg import IntegrityError, OperationalError

try:
    from odoo.exceptions import ConcurrencyError
except ImportError:  # before 18.0
    ConcurrencyError = OperationalError

HAS_CONSTRAINT = hasattr(models, "Constraint")
UNIQUE_VIOLATION = "23505"
# Errors that are not the row's fault abort the whole call instead of becoming a row's
# {"error"}: serialization failures, deadlocks and lock timeouts, so Odoo's own retry loop
# (odoo/service/model.py ``retrying``) runs the transaction again; and access refusals (the
# connector user lost its group, a record rule), so the forwarder holds the rows until an admin
# restores access, rather than failing every row of every batch.
ABORT_CALL = (OperationalError, ConcurrencyError, AccessError)


def series():
    """The major version as an int: 17, 18, 19... (Odoo Online reports 'saas~18')."""
    major = release.version_info[0]
    return int(str(major).rsplit("~", 1)[-1])


def list_tag():
    return "list" if series() >= 18 else "tree"


def check_model_access(model, operation):
    checker = getattr(model, "check_access", None) if series() >= 18 else None
    if checker is not None:
        checker(operation)
    else:
        model.check_access_rights(operation)


def pgcode(exc):
    return getattr(exc, "pgcode", None) or getattr(exc, "sqlstate", None)


def violated_constraint(exc):
    diag = getattr(exc, "diag", None)
    return getattr(diag, "constraint_name", None)


def describe(exc):
    """A one-line reason for a row the addon refused, as the forwarder shows it to operators."""
    message = getattr(exc, "args", None) and exc.args[0]
    if not isinstance(message, str) or not message:
        message = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {message}".strip()[:1000]
