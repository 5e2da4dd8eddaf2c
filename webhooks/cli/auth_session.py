"""What the auth command groups (devices, acl, ca/certs) share: the DB option, one error boundary.

Every expected failure (bad input, missing device, unreachable DB or EMQX, bad config) becomes a
``CommandError`` with a message for the operator; nothing else is caught.
"""
import json
import sys
from contextlib import contextmanager

from webhooks.auth_db.database import AuthDatabaseUnavailable, connect_auth
from webhooks.auth_db.emqx_config import ConfigError
from webhooks.auth_db.errors import AuthDBError, ImportFailed
from webhooks.cli import CommandError


def add_db_argument(parser):
    parser.add_argument("--database-url", help="auth DB (default: SDIOT_AUTH_DATABASE_URL)")


@contextmanager
def auth_session(args):
    """An auth DB connection, with the auth errors turned into CommandError."""
    try:
        conn = connect_auth(getattr(args, "database_url", None) or args.settings.auth_database_url)
        try:
            yield conn
        finally:
            conn.close()
    except ImportFailed as exc:
        for line, device_id, reason in exc.report:
            print(f"line {line}: {device_id or '-'}: {reason}", file=sys.stderr)
        raise CommandError(str(exc)) from None
    except (AuthDBError, AuthDatabaseUnavailable, ConfigError) as exc:
        raise CommandError(str(exc)) from None


def print_json(obj):
    print(json.dumps(obj, indent=2, sort_keys=True, default=str))
