"""The forwarder's knobs: its defaults here, overridden by ``SDIOT_FORWARDER_*`` (through
``webhooks.config.Settings``) and then by command-line options."""
from dataclasses import dataclass, field, replace

from webhooks.forwarder.backoff import Backoff

# Options attribute -> Settings field
_FROM_SETTINGS = {
    "batch_size": "forwarder_batch_size",
    "lease_seconds": "forwarder_lease_seconds",
    "poll_seconds": "forwarder_poll_seconds",
    "metrics_port": "forwarder_metrics_port",
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


def from_settings(settings, **overrides):
    """The forwarder's options: defaults, then ``settings``, then ``overrides`` that are not None."""
    values = {name: getattr(settings, field_name) for name, field_name in _FROM_SETTINGS.items()
              if getattr(settings, field_name) is not None}
    if settings.forwarder_backoff_max_seconds is not None:
        values["backoff"] = replace(Backoff(), cap=settings.forwarder_backoff_max_seconds)
    values.update({k: v for k, v in overrides.items() if v is not None})
    options = Options(**values)
    if options.batch_size < 1 or options.lease_seconds <= 0 or options.poll_seconds <= 0:
        raise ValueError("batch size, lease and poll interval must be positive")
    return options
