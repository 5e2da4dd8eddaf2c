"""The project's one retry policy: exponential backoff with full jitter, capped, and bounded by
attempts and by total time (after hynek/stamina, ``src/stamina/_core.py``).

    Backoff     the wait after the n-th consecutive failure: base·2^(n-1), at most ``cap``, jittered
    Retrying    repeat a call after named, safe failures until the attempts or the time run out
    set_active  the switch for tests: off, every call is tried once and nothing sleeps

Two callers: the connector rides out a blip within one Odoo call (``retry.py``), and the forwarder
waits after Odoo could not take a batch (``webhooks/forwarder/backoff.py``). It lives here because
webhooks imports odoo_connector, never the reverse.
"""
import random
import time
from dataclasses import dataclass, field
from typing import Callable

_active = True


def set_active(active):
    """Turn retrying on or off for the whole process, like ``stamina.set_active``."""
    global _active
    _active = bool(active)


def is_active():
    return _active


@dataclass(frozen=True)
class Backoff:
    base: float = 0.5  # seconds before the first retry (before jitter)
    cap: float = 60.0  # no wait is ever longer than this
    jitter: bool = True  # tests turn it off to assert exact delays

    def delay(self, attempt, rand=random.random):
        """Seconds to wait after the ``attempt``-th consecutive failure (1-based)."""
        step = min(self.cap, self.base * 2 ** max(0, min(attempt - 1, 32)))
        # Full jitter spreads clients that failed together, so they do not come back together
        # ("thundering herd"); never below a tenth of the step: a zero wait would retry at once.
        return step * (0.1 + 0.9 * rand()) if self.jitter else step


@dataclass(frozen=True)
class Retrying:
    attempts: int = 3  # total tries, including the first
    max_time: float = 20.0  # seconds from the first try; no new try would start after this
    backoff: Backoff = Backoff()
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)
    # Draws the jitter, random.uniform-shaped; ``lambda lo, hi: hi`` waits every step in full.
    jitter: Callable[[float, float], float] = field(default=random.uniform, repr=False, compare=False)

    @classmethod
    def off(cls):
        """One try, no waiting: for tests and for callers that back off themselves."""
        return cls(attempts=1, max_time=0.0)

    def delay(self, attempt):
        """Seconds to wait after failed try number ``attempt``."""
        return self.backoff.delay(attempt, rand=lambda: self.jitter(0.0, 1.0))

    def call(self, fn, *, on, when=None):
        """``fn()``, tried again after an exception of type ``on`` that ``when(exc)`` (if given) accepts."""
        started = self.clock()
        attempt = 1
        while True:
            try:
                return fn()
            except on as exc:
                if not _active or attempt >= self.attempts or (when is not None and not when(exc)):
                    raise
                pause = self.delay(attempt)
                if self.clock() - started + pause > self.max_time:
                    raise
                self.sleep(pause)
                attempt += 1
