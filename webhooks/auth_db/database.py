"""Connections to the auth DB (SDIOT_AUTH_DATABASE_URL), for the CLI and the device API."""

import psycopg

from webhooks.dburl import DatabaseURL, redact

ENV_VAR = "SDIOT_AUTH_DATABASE_URL"


class AuthDatabaseUnavailable(Exception):
    """No URL configured, or the server cannot be reached (transient: the API answers 503)."""


def auth_url(url):
    """``url`` checked: set (``--database-url`` or SDIOT_AUTH_DATABASE_URL) and PostgreSQL."""
    if not url:
        raise AuthDatabaseUnavailable(f"no auth database: pass --database-url or set {ENV_VAR}")
    if DatabaseURL.parse(url).dialect != "postgresql":
        raise AuthDatabaseUnavailable(f"{ENV_VAR} must be a postgresql:// URL (EMQX reads this database)")
    return url


def connect_auth(url):
    """A new autocommit connection; the caller closes it."""
    url = auth_url(url)
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise AuthDatabaseUnavailable(f"cannot reach the auth DB at {redact(url)}: {(str(exc).strip().splitlines() or [''])[0][:200]}") from None


def auth_error(exc):
    """A driver error from an auth DB call as the API error it answers with, or None if it is not one.

    A value PostgreSQL cannot take (a NUL byte, an out-of-range number) is the caller's mistake:
    retrying it can never succeed, so it must not look like a 503. A lost server is a 503."""
    from webhooks.errors import ApiError, Unavailable

    if isinstance(exc, psycopg.DataError):
        return ApiError("invalid_value", f"a value in the request cannot be stored: {str(exc).splitlines()[0][:200]}",
                        status=422)
    if isinstance(exc, psycopg.OperationalError):
        return Unavailable("auth_db_unavailable", "the auth database is unavailable; retry")
    if isinstance(exc, psycopg.errors.UndefinedTable):  # a database nobody migrated: `sdiot migrate auth`
        return Unavailable("auth_db_not_migrated", "the auth database has no tables yet")
    return None
