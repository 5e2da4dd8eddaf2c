"""Repeat a call only after named, safe failures; bounded by attempts and by total time.

Safe means: the failure is ``retryable`` (errors.py) and either nothing can have been committed
(connect errors, 503/429, serialization failures — Odoo rolled back) or the method is idempotent
(``ingest``/``ingest_events`` keyed on message_key, reads). After a read timeout a plain
``create`` is never repeated here: its outcome is unknown and only the caller can reconcile.

The forwarder has its own outbox backoff; this layer only rides out blips within one call.
Tests turn it off with ``RetryPolicy.off()`` or inject ``sleep``/``clock`` to run instantly.
"""
import random
import time
from dataclasses import dataclass, field
from typing import Callable

from .errors import OdooError


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # total tries, including the first
    max_time: float = 20.0  # seconds from the first try; no new try would start after this
    base_delay: float = 0.2
    max_delay: float = 5.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)
    jitter: Callable[[float, float], float] = field(default=random.uniform, repr=False, compare=False)

    @classmethod
    def off(cls):
        """One try, no waiting: for tests and for callers that back off themselves."""
        return cls(attempts=1, max_time=0.0)

    def delay(self, attempt):
        """Full-jitter exponential backoff before try number ``attempt + 1``."""
        return self.jitter(0.0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))

    def run(self, call, *, idempotent):
        started = self.clock()
        attempt = 1
        while True:
            try:
                return call()
            except OdooError as exc:
                if not should_retry(exc, idempotent=idempotent) or attempt >= self.attempts:
                    raise
                pause = self.delay(attempt)
                if self.clock() - started + pause > self.max_time:
                    raise
                self.sleep(pause)
                attempt += 1


def should_retry(exc, *, idempotent):
    return bool(exc.retryable) and (idempotent or not exc.outcome_unknown)
