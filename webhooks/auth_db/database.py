"""Connections to the auth DB (SDIOT_AUTH_DATABASE_URL), for the CLI and the device API."""
import os

import psycopg

from webhooks.db import DatabaseURL, connect, redact

ENV_VAR = "SDIOT_AUTH_DATABASE_URL"


class AuthDatabaseUnavailable(Exception):
    """No URL configured, or the server cannot be reached (transient: the API answers 503)."""


def auth_url(explicit=None):
    url = explicit or os.environ.get(ENV_VAR)
    if not url:
        raise AuthDatabaseUnavailable(f"no auth database: pass --database-url or set {ENV_VAR}")
    if DatabaseURL.parse(url).dialect != "postgresql":
        raise AuthDatabaseUnavailable(f"{ENV_VAR} must be a postgresql:// URL (EMQX reads this database)")
    return url


def connect_auth(explicit=None):
    """A new autocommit connection; the caller closes it."""
    url = auth_url(explicit)
    try:
        return connect(url, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise AuthDatabaseUnavailable(f"cannot reach the auth DB at {redact(url)}: {str(exc).strip()[:200]}") from None
