"""One claimed batch → Odoo: group by model, call once per group, sort the answers into
delivered / failed / retry-later. No SQL here (the worker marks what this returns).

* a per-row ``{"error": …}`` from ``ingest``: that row fails, the others are delivered;
* a row the mapping cannot translate: that row fails (a bug or bad data must not stick a batch);
* a whole call that fails: ``decision.decide`` says what its rows become. Odoo refusing the data
  (ValidationError, UserError) or an answer that does not line up with the rows (MisalignedAnswer)
  bisects the call until the row to blame fails alone; anything else — Odoo down or slow (safe to
  repeat: ``ingest`` is keyed on ``message_key``), a refused key or access, a missing addon, an
  error we do not know — holds the group and the rest of the batch for a retry.
"""
import logging
import time
from dataclasses import dataclass, field

from odoo_connector.routing import DEVICE_MODEL, method_for
from webhooks.forwarder import metrics
from webhooks.forwarder.decision import Decision, decide
from webhooks.forwarder.device_events import coalesce, event_time, is_device_event, to_event
from webhooks.forwarder.rows import trace_id

log = logging.getLogger("sdiot.forwarder")


@dataclass
class Result:
    delivered: list = field(default_factory=list)  # (row, odoo_id)
    failed: list = field(default_factory=list)  # (row, error text)
    retry: list = field(default_factory=list)  # rows
    retry_error: Exception | None = None


def deliver(client, rows, before_call=None):
    """Deliver claimed rows (both tables); returns a Result covering every row exactly once.

    ``before_call()`` runs before each Odoo call (the worker renews its lease there)."""
    from odoo_connector.mapping import to_odoo_values

    result = Result()
    groups, devices = {}, []
    for row in rows:
        if row["_table"] == "device_presence" and not row.get("device_id"):
            result.delivered.append((row, None))  # a non-device client: no Odoo record to update
            continue
        if is_device_event(row):
            devices.append(row)
            continue
        try:
            model, values = to_odoo_values(row)
        except Exception as exc:  # noqa: BLE001 - any mapping failure parks the row, never the batch
            result.failed.append((row, f"mapping: {exc}"))
            continue
        groups.setdefault(model, []).append((row, values))
    for model, pairs in sorted(groups.items()):
        if result.retry_error is not None:
            result.retry.extend(r for r, _ in pairs)
            continue
        _send(result, model, pairs, _calling(before_call, lambda vals, m=model: client.ingest(m, vals)))
    if devices:
        _deliver_devices(client, devices, result, before_call)
    return result


def _calling(before_call, call):
    if before_call is None:
        return call

    def wrapped(values):
        before_call()
        return call(values)
    return wrapped


def _deliver_devices(client, rows, result, before_call=None):
    pairs = []
    for group in coalesce(rows):
        try:
            pairs.append((group, _merged_event(group)))
        except Exception as exc:  # noqa: BLE001
            result.failed.extend((r, f"mapping: {exc}") for r in group.rows)
    if result.retry_error is not None:
        result.retry.extend(r for g, _ in pairs for r in g.rows)
        return
    sub = Result()
    _send(sub, DEVICE_MODEL, pairs, _calling(before_call, lambda vals: client.ingest(DEVICE_MODEL, vals)))
    for group, odoo_id in sub.delivered:
        result.delivered.extend((r, odoo_id) for r in group.rows)
        for r in group.superseded:
            log.info("msg_id=%s device=%s coalesced into msg_id=%s", trace_id(r), r.get("device_id"),
                     trace_id(group.winner))
    for group, error in sub.failed:
        result.failed.extend((r, error) for r in group.rows)
    result.retry.extend(r for g in sub.retry for r in g.rows)
    result.retry_error = result.retry_error or sub.retry_error


def _merged_event(group):
    """The winner's event, carrying what the rows it supersedes said and it did not.

    Status reports are partial (a boot report has the firmware, a periodic one only the battery):
    sending the newest alone would lose the older fields for good. Oldest first, newer values win;
    a field a report left out (None) does not erase one an older report gave.
    """
    winner = to_event(group.winner)
    merged = {}
    for row in sorted(group.superseded, key=event_time):
        merged.update({k: v for k, v in to_event(row).items() if v is not None})
    merged.update({k: v for k, v in winner.items() if v is not None})
    for key, value in winner.items():
        merged.setdefault(key, value)
    return merged


def _send(result, model, pairs, call):
    """Call Odoo for ``pairs`` [(item, values)]; a failed call goes where ``decide`` sends it.

    ``call`` is ``client.ingest``: one answer per row, or it raises (MisalignedAnswer included)."""
    if not pairs:
        return
    method = method_for(model)
    started = time.perf_counter()
    try:
        answers = call([v for _, v in pairs])
    except Exception as exc:  # noqa: BLE001 - every failure is sorted below
        metrics.ODOO_DURATION.labels(model, method).observe(time.perf_counter() - started)
        metrics.ODOO_ERRORS.labels(metrics.error_kind(exc)).inc()
        decision = decide(exc, len(pairs))
        if decision is Decision.HOLD:
            result.retry.extend(item for item, _ in pairs)
            result.retry_error = exc
        elif decision is Decision.ISOLATE:
            mid = len(pairs) // 2
            _send(result, model, pairs[:mid], call)
            if result.retry_error is not None:
                result.retry.extend(item for item, _ in pairs[mid:])
                return
            _send(result, model, pairs[mid:], call)
        else:
            result.failed.append((pairs[0][0], str(exc)))
        return
    metrics.ODOO_DURATION.labels(model, method).observe(time.perf_counter() - started)
    for (item, _), answer in zip(pairs, answers):
        if isinstance(answer, dict) and answer.get("id") is not None and not answer.get("error"):
            result.delivered.append((item, answer["id"]))
        else:
            error = answer.get("error") if isinstance(answer, dict) else None
            result.failed.append((item, str(error or f"unexpected answer {answer!r}")))
