"""The forwarder's knobs, from ``SDIOT_FORWARDER_*`` (documented in the README) or arguments."""
import os
from dataclasses import dataclass, field, replace

from webhooks.forwarder.backoff import Backoff

# attribute -> (environment variable, parser)
_ENV = {
    "batch_size": ("SDIOT_FORWARDER_BATCH_SIZE", int),
    "lease_seconds": ("SDIOT_FORWARDER_LEASE_SECONDS", float),
    "poll_seconds": ("SDIOT_FORWARDER_POLL_SECONDS", float),
    "metrics_port": ("SDIOT_FORWARDER_METRICS_PORT", int),
}


@dataclass(frozen=True)
class Options:
    # Rows per claim (per table). Odoo handles hundreds of rows per call well (odoo.md §4).
    batch_size: int = 200
    # Longer than the slowest Odoo call (the connector's read timeout is 30 s, plus its retries),
    # so a live worker never loses its lease; a dead worker's rows wait this long at most.
    lease_seconds: float = 120.0
    # Fallback when a NOTIFY is missed, and how soon postponed rows are seen again.
    poll_seconds: float = 5.0
    stats_seconds: float = 10.0
    backoff: Backoff = field(default_factory=Backoff)
    listen: bool = True
    metrics_port: int = 9101


def from_env(environ=None, **overrides):
    environ = os.environ if environ is None else environ
    values = {}
    for name, (var, parse) in _ENV.items():
        raw = environ.get(var)
        if raw:
            try:
                values[name] = parse(raw)
            except ValueError:
                raise SystemExit(f"{var}={raw!r} is not a number") from None
    cap = environ.get("SDIOT_FORWARDER_BACKOFF_MAX_SECONDS")
    if cap:
        values["backoff"] = replace(Backoff(), cap=float(cap))
    values.update({k: v for k, v in overrides.items() if v is not None})
    options = Options(**values)
    if options.batch_size < 1 or options.lease_seconds <= 0 or options.poll_seconds <= 0:
        raise SystemExit("batch size, lease and poll interval must be positive")
    return options
