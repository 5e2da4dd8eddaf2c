"""Carrying out a plan against EMQX, in the order EMQX needs.

Connectors, then actions, then rules are created or updated (a rule may reference a missing action
without error in EMQX, but would discard messages until it exists); deletes run rules first,
then actions, then connectors (EMQX refuses to delete an action a rule uses, or a connector with
actions). ``noop`` changes send nothing: a needless connector PUT can leave action buffer workers
blocked (emqx/emqx changes/ee/fix-17947), which is also why a second apply is a no-op.
"""
from dataclasses import dataclass

from webhooks.emqx_api import EmqxApiError


@dataclass(frozen=True)
class Outcome:
    change: object
    done: bool
    error: str | None = None


def apply_changes(api, changes, prune=False):
    """Run every create/update (and delete if ``prune``); stop at the first error.

    Returns the outcomes of the changes attempted. Stopping keeps the order guarantee: a rule is
    never written after its action failed to be.
    """
    outcomes = []
    for change in changes:
        if change.op not in ("create", "update") and not (prune and change.op == "delete"):
            continue
        try:
            if change.op == "create":
                api.create(change.kind, change.body)
            elif change.op == "update":
                api.update(change.kind, change.name, change.body)
            else:
                api.delete(change.kind, change.name)
        except EmqxApiError as exc:
            outcomes.append(Outcome(change, False, str(exc)))
            break
        outcomes.append(Outcome(change, True))
    return outcomes
