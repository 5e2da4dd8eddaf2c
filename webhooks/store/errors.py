"""What can go wrong in the ingest store, as its clients see it (no driver exception gets out):

    StoreError
    ├── StoreUnavailable   the database cannot take this now (down, overloaded, read-only after a
    │   │                  failover, a connection that did not come in time): the same call may
    │   │                  succeed later; the tier answers 503 and EMQX retries, the forwarder waits
    │   └── StoreBusy      a lock could not be had in time (maintenance beside live ingest)
    └── StoreRejected      the database refused these values (out of range, cannot be encoded):
                           retrying never helps; the tier keeps the body as a dead letter instead
"""


class StoreError(Exception):
    pass


class StoreUnavailable(StoreError):
    """The database cannot be reached or is overloaded; the same write may succeed later."""


class StoreBusy(StoreUnavailable):
    """A lock was not granted within its timeout; the next run retries."""


class StoreRejected(StoreError):
    """The database refused these values; retrying will not help."""
