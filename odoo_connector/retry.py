"""Repeat a call only after named, safe failures; bounded by attempts and by total time.

Safe means: the failure is ``retryable`` (errors.py) and either nothing can have been committed
(connect errors, 503/429, serialization failures — Odoo rolled back) or the method is idempotent
(``ingest``/``ingest_events`` keyed on message_key, reads). After a read timeout a plain
``create`` is never repeated here: its outcome is unknown and only the caller can reconcile.

The waiting and the bounds are the project's one policy (backoff.py); the forwarder backs off
its outbox with the same policy, and this layer only rides out blips within one call. Tests turn
it off with ``RetryPolicy.off()`` or ``backoff.set_active(False)``, or inject ``sleep``/``clock``.
"""
from dataclasses import dataclass
from functools import partial

from .backoff import Backoff, Retrying
from .errors import OdooError


@dataclass(frozen=True)
class RetryPolicy(Retrying):
    backoff: Backoff = Backoff(base=0.2, cap=5.0)  # blips within one call: short waits

    def run(self, call, *, idempotent):
        return self.call(call, on=OdooError, when=partial(should_retry, idempotent=idempotent))


def should_retry(exc, *, idempotent):
    return bool(exc.retryable) and (idempotent or not exc.outcome_unknown)
