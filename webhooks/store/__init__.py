"""The ingest DB's one owner: accepted messages with their outbox state, dead letters, presence.

PostgreSQL in production, SQLite as the embedded default; both run the same SQL and behave the
same (tests/test_store_parity.py). Nothing outside this package talks to the ingest DB or sees a
driver exception: clients hold a ``Store`` (``open_store``) and catch the errors in errors.py.
"""
from webhooks.store.errors import StoreBusy, StoreError, StoreRejected, StoreUnavailable

__all__ = ["StoreBusy", "StoreError", "StoreRejected", "StoreUnavailable", "open_store"]


def open_store(url, pool_size=8, pool_timeout=1.0, group_commit=True):
    """The store for a database URL (``postgresql://…`` or ``sqlite:///path``); nothing connects
    until it is first used, in the process that uses it."""
    from webhooks.store.ingest import Store

    return Store.open(url, pool_size=pool_size, pool_timeout=pool_timeout, group_commit=group_commit)
