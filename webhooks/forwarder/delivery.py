"""One claimed batch → Odoo: group by model, call once per group, sort the answers into
delivered / failed / retry-later. No SQL here (the worker marks what this returns).

* a per-row ``{"error": …}`` from ``ingest``: that row fails, the others are delivered;
* a row the mapping cannot translate: that row fails (a bug or bad data must not stick a batch);
* a retryable error (Odoo down, slow, a proxy 502/503/504, a timeout — safe because ``ingest`` is
  keyed on ``message_key``, serialization failures): the group and the rest of the batch wait;
* the key is refused or the addon is missing (auth, access, missing model): also wait, loudly —
  turning a whole outbox into failed rows over a rotated key would help nobody;
* a whole-call refusal that names the data (ValidationError, UserError): bisect to isolate the
  row Odoo refuses; a single row fails;
* anything else (an Odoo error we do not know, its database restarting, its pool full, a proxy
  page): wait. Only Odoo saying "this data is wrong" may turn rows into failed ones.
"""
import logging
import time
from dataclasses import dataclass, field

from webhooks.forwarder import metrics
from webhooks.forwarder.device_events import (DEVICE_METHOD, DEVICE_MODEL, coalesce, event_time,
                                               is_device_event, to_event)
from webhooks.forwarder.rows import trace_id

log = logging.getLogger("sdiot.forwarder")
DATA_KINDS = {"ValidationError", "UserError"}


@dataclass
class Result:
    delivered: list = field(default_factory=list)  # (row, odoo_id)
    failed: list = field(default_factory=list)  # (row, error text)
    retry: list = field(default_factory=list)  # rows
    retry_error: Exception | None = None


def must_wait(exc):
    """True when the call should be repeated later rather than its rows failed."""
    if bool(getattr(exc, "retryable", False)) or not _is_odoo_error(exc):
        return True
    return not any(c.__name__ in DATA_KINDS for c in type(exc).__mro__)


def _is_odoo_error(exc):
    return any(c.__name__ == "OdooError" for c in type(exc).__mro__)


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
    _send(sub, DEVICE_MODEL, pairs, _calling(before_call, lambda vals: client.ingest(DEVICE_MODEL, vals)),
          method=DEVICE_METHOD)
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


def _send(result, model, pairs, call, method="ingest"):
    """Call Odoo for ``pairs`` [(item, values)]; on a non-retryable whole-call error, bisect."""
    if not pairs:
        return
    started = time.perf_counter()
    try:
        answers = call([v for _, v in pairs])
        if not isinstance(answers, list) or len(answers) != len(pairs):
            raise _Misaligned(f"{model}.{method} answered {len(answers) if isinstance(answers, list) else type(answers).__name__} "
                              f"results for {len(pairs)} rows")
    except Exception as exc:  # noqa: BLE001 - every failure is sorted below
        metrics.ODOO_DURATION.labels(model, method).observe(time.perf_counter() - started)
        metrics.ODOO_ERRORS.labels(metrics.error_kind(exc)).inc()
        if must_wait(exc) and not isinstance(exc, _Misaligned):
            result.retry.extend(item for item, _ in pairs)
            result.retry_error = exc
            return
        if len(pairs) > 1:
            mid = len(pairs) // 2
            _send(result, model, pairs[:mid], call, method)
            if result.retry_error is not None:
                result.retry.extend(item for item, _ in pairs[mid:])
                return
            _send(result, model, pairs[mid:], call, method)
            return
        result.failed.append((pairs[0][0], str(exc)))
        return
    metrics.ODOO_DURATION.labels(model, method).observe(time.perf_counter() - started)
    for (item, _), answer in zip(pairs, answers):
        if isinstance(answer, dict) and answer.get("id") is not None and not answer.get("error"):
            result.delivered.append((item, answer["id"]))
        else:
            error = answer.get("error") if isinstance(answer, dict) else None
            result.failed.append((item, str(error or f"unexpected answer {answer!r}")))


class _Misaligned(Exception):
    """Odoo's answer does not line up with the rows sent (an addon bug): isolate and fail."""
