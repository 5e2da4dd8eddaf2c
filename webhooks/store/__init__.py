"""The ingest store: accepted messages (with their outbox state), dead letters, device presence.

PostgreSQL in production, SQLite as the embedded default; both run the same SQL through
``SQLStore`` and behave the same. The unique key decides duplicates (``ON CONFLICT DO NOTHING``),
never a prior SELECT. Failures are split in two: ``StoreUnavailable`` (try again: the tier answers
503 and EMQX retries) and ``StoreRejected`` (these values can never be stored: keep the body as a
dead letter instead).
"""
from webhooks.db import DatabaseURL


class StoreError(Exception):
    pass


class StoreUnavailable(StoreError):
    """The database cannot be reached or is overloaded; the same write may succeed later."""


class StoreRejected(StoreError):
    """The database refused these values; retrying will not help."""


def open_store(url, **options):
    parsed = DatabaseURL.parse(url)
    if parsed.dialect == "postgresql":
        from webhooks.store.postgres import PostgresStore

        return PostgresStore(parsed, **options)
    from webhooks.store.sqlite import SQLiteStore

    return SQLiteStore(parsed, **options)
