"""How ``sdiot`` fails: exit codes (sysexits.h), and the operator's one-line message with its fix.

    0    done
    1    the command ran and the answer is no (ACL deny, drift, pending migrations, lint errors),
         or it refused a request (a device that exists or is missing, a file it will not overwrite)
    2    usage: arguments missing, contradictory or out of range (EX_USAGE)
    65   bad data: an input file or value is invalid (CSV rows, rule files, a CSR) (EX_DATAERR)
    69   a service the command needs is unavailable: ingest DB, auth DB, EMQX, Odoo (EX_UNAVAILABLE)
    75   temporary: nothing is lost, run it again later (EX_TEMPFAIL)
    78   configuration: a setting is missing or wrong (EX_CONFIG)
    130  interrupted (Ctrl-C)

Every expected failure is a ``CommandError`` carrying its exit code and, where one helps, a hint
(what to do next); ``webhooks.cli.main`` prints it as one line and never a traceback.
"""
import re

from webhooks.dburl import redact
from webhooks.store import StoreBusy, StoreRejected

EX_FAILED = 1
EX_USAGE = 2
EX_DATAERR = 65
EX_UNAVAILABLE = 69
EX_TEMPFAIL = 75
EX_CONFIG = 78
EX_INTERRUPTED = 130

# The ``error.code`` of the --json failure document, one per exit code.
CODES = {EX_FAILED: "failed", EX_USAGE: "usage", EX_DATAERR: "bad_data", EX_UNAVAILABLE: "unavailable",
         EX_TEMPFAIL: "temporary", EX_CONFIG: "config", EX_INTERRUPTED: "interrupted"}


class CommandError(Exception):
    """An expected failure with a message for the operator (no traceback)."""

    def __init__(self, message, exit_code=EX_FAILED, hint=None):
        super().__init__(message)
        self.exit_code = exit_code
        self.hint = hint

    @property
    def code(self):
        return CODES.get(self.exit_code, "failed")


def database_failed(what, url, exc, variable, connecting=False):
    """The CommandError for a store error (StoreError) met while connecting to or using ``what``."""
    where = f"{what} at {redact(url)}" if url else what
    if isinstance(exc, StoreBusy):
        return CommandError(f"{where} is busy: {exc}", EX_TEMPFAIL, "nothing was changed; run it again")
    if isinstance(exc, StoreRejected):
        return CommandError(f"{where} refused a value: {exc}", EX_DATAERR)
    message = f"cannot connect to {where}: {exc}" if connecting else f"{where} failed: {exc}"
    return CommandError(message, EX_UNAVAILABLE, database_hint(str(exc), variable))


def database_hint(message, variable):
    """What to do about a database error, from the server's (or SQLite's) message."""
    where = f"--database-url or {variable}"
    missing = re.search(r'database "([^"]+)" does not exist', message)
    if missing:
        return f"create it (createdb {missing.group(1)}), or point {where} at a database that exists"
    if "no such table" in message or re.search(r'relation "[^"]+" does not exist', message):
        return f"its tables are missing: run `sdiot migrate {'auth' if 'AUTH' in variable else 'ingest'}` first"
    if "password authentication failed" in message or ("role" in message and "does not exist" in message):
        return f"check the user name and password in {where}"
    if "unable to open database file" in message:
        return f"the SQLite file's folder must exist and be writable; check {where}"
    return f"start the database server or check the host and port in {where}, then run the command again"
