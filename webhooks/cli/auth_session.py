"""What the auth command groups (devices, acl, ca/certs) share: the DB option, one error boundary.

Every expected failure (bad input, missing device, unreachable DB or EMQX, bad config) becomes a
``CommandError`` with a message for the operator and its exit code; nothing else is caught.
"""
import sys
from contextlib import contextmanager

from webhooks.auth_db.database import ENV_VAR, AuthDatabaseUnavailable, auth_error, auth_url, connect_auth
from webhooks.auth_db.emqx_config import ConfigError
from webhooks.auth_db.errors import AuthDBError, EmqxError, ImportFailed, InvalidDevice
from webhooks.cli import EX_CONFIG, EX_DATAERR, EX_UNAVAILABLE, CommandError
from webhooks.cli.errors import database_hint


def add_db_argument(parser):
    parser.add_argument("--database-url", help=f"auth DB (default: {ENV_VAR})")


@contextmanager
def auth_session(args):
    """An auth DB connection, with the auth errors turned into CommandError."""
    try:
        url = auth_url(getattr(args, "database_url", None) or args.settings.auth_database_url)
    except AuthDatabaseUnavailable as exc:  # not set, or not PostgreSQL
        raise CommandError(str(exc), EX_CONFIG) from None
    try:
        conn = connect_auth(url)
        try:
            yield conn
        finally:
            conn.close()
    except ImportFailed as exc:
        for line, device_id, reason in exc.report:
            print(f"line {line}: {device_id or '-'}: {reason}", file=sys.stderr)
        raise CommandError(str(exc), EX_DATAERR, "fix the lines above and import the file again") from None
    except AuthDatabaseUnavailable as exc:
        raise CommandError(str(exc), EX_UNAVAILABLE, database_hint(str(exc), ENV_VAR)) from None
    except InvalidDevice as exc:
        raise CommandError(str(exc), EX_DATAERR) from None
    except EmqxError as exc:
        raise CommandError(str(exc), EX_UNAVAILABLE) from None
    except (AuthDBError, ConfigError) as exc:
        raise CommandError(str(exc)) from None
    except Exception as exc:  # a driver error mid-command: the server went away, or refused a value
        mapped = auth_error(exc)
        if mapped is None:
            raise
        code = EX_UNAVAILABLE if mapped.status == 503 else EX_DATAERR
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise CommandError(f"the auth database failed: {first_line}", code, database_hint(str(exc), ENV_VAR)) from None
