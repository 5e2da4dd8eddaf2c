"""Dead-letter replay: run kept bodies through today's validation and schemas again.

What now passes is stored like any accepted message (a duplicate if it already was) and the dead
letter is marked ``replayed``; what still fails stays ``new`` with its new reason and detail, so
an operator can fix the next thing. Truncated bodies cannot be replayed and stay as they are.
"""
import json
from collections import Counter
from dataclasses import dataclass, field

from webhooks import pipeline
from webhooks.errors import Rejected, Unavailable
from webhooks.store import StoreUnavailable


@dataclass
class ReplayReport:
    accepted: int = 0
    duplicate: int = 0
    still_rejected: Counter = field(default_factory=Counter)
    skipped_truncated: int = 0
    stopped: str | None = None  # why replay stopped early (store down, outbox full)

    def as_dict(self):
        return {"accepted": self.accepted, "duplicate": self.duplicate,
                "still_rejected": dict(self.still_rejected), "skipped_truncated": self.skipped_truncated,
                "stopped": self.stopped}


def replay(store, settings, reason=None, since=None, limit=100_000):
    report = ReplayReport()
    for row in store.dead_letters(reason=reason, since=since, state="new", limit=limit):
        if row["body_truncated"]:
            report.skipped_truncated += 1
            continue
        try:
            outcome = _replay_one(store, settings, row)
        except (Unavailable, StoreUnavailable) as exc:
            report.stopped = str(exc)
            break
        if isinstance(outcome, Rejected):
            store.mark_dead_letter_retried(row["id"], outcome.reason, outcome.detail)
            report.still_rejected[outcome.reason] += 1
            continue
        store.mark_dead_letter_replayed(row["id"])
        if outcome["status"] == "duplicate":
            report.duplicate += 1
        else:
            report.accepted += 1
    return report


def _replay_one(store, settings, row):
    """The accept result, or the Rejected it now gets; raises only when the store is unavailable."""
    try:
        decoded = json.loads(row["body"])
    except (ValueError, RecursionError) as exc:
        return Rejected("invalid_json", str(exc)[:300])
    try:
        return pipeline.accept(store, settings, row["stream"], decoded)
    except Rejected as exc:
        return exc
    except (Unavailable, StoreUnavailable):
        raise
    except Exception as exc:  # noqa: BLE001 - one bad row must not stop the rest
        return Rejected("internal_error", f"{type(exc).__name__}: {exc}"[:300])
