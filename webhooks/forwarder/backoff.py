"""The forwarder's wait after Odoo could not take a batch: the project's one backoff policy
(``odoo_connector/backoff.py``), counted over a worker's consecutive failures.

Two things back off with it: the rows of a failed call (their ``next_attempt_at`` moves out, so
no forwarder hammers Odoo with them) and the worker itself (it stops claiming new rows for a
while, so fresh inserts do not hammer Odoo either).
"""
from odoo_connector.backoff import Backoff

__all__ = ["Backoff", "Streak"]


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
