"""Exponential backoff with full jitter, bounded by a cap, for Odoo being down or slow.

Two things back off with the same policy: the rows of a failed call (their ``next_attempt_at``
moves out, so no forwarder hammers Odoo with them) and the worker itself (it stops claiming new
rows for a while, so fresh inserts do not hammer Odoo either). Full jitter spreads replicas that
failed together so they do not come back together ("thundering herd").
"""
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    base: float = 0.5  # seconds before the first retry (before jitter)
    cap: float = 60.0  # no wait is ever longer than this
    jitter: bool = True  # tests turn it off to assert exact delays

    def delay(self, attempt, rand=random.random):
        """Seconds to wait after the ``attempt``-th consecutive failure (1-based)."""
        exp = min(self.cap, self.base * 2 ** max(0, min(attempt - 1, 32)))
        # Full jitter, but never below a tenth of the step: a zero wait would retry at once.
        return exp * (0.1 + 0.9 * rand()) if self.jitter else exp


class Streak:
    """Consecutive whole-call failures of one worker; a success resets it."""

    def __init__(self, policy):
        self.policy = policy
        self.failures = 0

    def failed(self):
        self.failures += 1
        return self.policy.delay(self.failures)

    def succeeded(self):
        self.failures = 0
