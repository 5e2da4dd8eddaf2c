"""``POST /v1/ingest/<stream>``: the endpoints EMQX's HTTP action calls.

Each view reads like the contract: authenticate → bound the body → parse → bind (envelope, topic,
identity, payload, schema, clock) → store → answer. Every failure on the way is an ``ApiError``
(errors.py) whose status decides the answer, rendered in one place (``_answer_error``). EMQX drops a
message on any status other than 2xx, 429 and 503, so nothing here may answer 500: a rejected body
is kept as a dead letter (422, or 413 for its prefix), a store that cannot take the write gets 503
+ Retry-After (EMQX retries), and a bug is caught, its body kept as a dead letter with reason
``internal_error``. A body cut off before its Content-Length is a broken connection, not a
reading: 503 (send it again), nothing kept.
"""
import json
import logging
import time
import uuid

from flask import Blueprint, current_app, request

from webhooks import auth_tokens, metrics, pipeline
from webhooks.envelope import STREAMS
from webhooks.errors import ApiError, LengthRequired, Rejected, TooLarge, Unauthorized, Unavailable
from webhooks.health import draining
from webhooks.responses import error_response, json_response
from webhooks.store import StoreRejected, StoreUnavailable

log = logging.getLogger(__name__)
bp = Blueprint("ingest", __name__)
ALL_STREAMS = (*STREAMS, "presence")


class _Seen:
    """What has been read of the request so far: a dead letter keeps it."""
    __slots__ = ("body", "decoded")

    def __init__(self):
        self.body, self.decoded = b"", None


@bp.post("/v1/ingest/<stream>")
def ingest(stream):
    if stream not in ALL_STREAMS:
        return json_response({"status": "error", "error": "not_found", "detail": f"no ingest stream '{stream}'"}, 404)
    started = time.perf_counter()
    # The caller's (a proxy's) id when it sends one, so its logs and ours join; bounded, it is echoed.
    request_id = (request.headers.get("X-Request-ID") or uuid.uuid4().hex)[:128]
    settings = current_app.config["SDIOT"]
    store = current_app.extensions["sdiot_store"]
    seen, result = _Seen(), {}
    try:
        result = _accept(settings, store, stream, seen)
        response, outcome, reason = json_response(result), result["status"], None
    except Exception as exc:  # noqa: BLE001 - every failure is answered below, never as a 500
        response, outcome, reason = _answer_error(settings, store, stream, _as_api_error(stream, exc), seen)
    elapsed = time.perf_counter() - started
    metrics.observe_request(stream, outcome, elapsed)
    response.headers["X-Request-ID"] = request_id
    # One line per request, its fields in README's "Logs" order (webhooks/logs.py renders them).
    log.info("ingest", extra={"msg_id": result.get("msg_id") or _msg_id(seen.decoded),
                              "message_key": result.get("message_key"), "stream": stream, "outcome": outcome,
                              "reason": reason, "request_id": request_id, "latency_ms": round(elapsed * 1000, 3)})
    return response


def _accept(settings, store, stream, seen):
    if not auth_tokens.valid(request.headers.get("Authorization"), settings.webhook_tokens):
        raise Unauthorized("unauthorized", "missing or unknown bearer token")
    if draining():
        raise Unavailable("draining", "this pod is shutting down")
    if request.content_length is None and "chunked" not in request.headers.get("Transfer-Encoding", "").lower():
        # HTTP/1.0 without Content-Length: the body's end is the connection's. Nothing to keep.
        raise LengthRequired("length_required", "send Content-Length (or a chunked body)")
    seen.body = _read_body(settings.max_body_bytes)
    seen.decoded = pipeline.decode_body(seen.body)
    return pipeline.accept(store, settings, stream, seen.decoded)


def _read_body(limit):
    """The whole body, at most ``limit`` bytes; raises TooLarge (with the prefix read) or Unavailable."""
    length = request.content_length
    data = request.stream.read(limit if length is not None and length > limit else limit + 1)
    if len(data) > limit or (length is not None and length > limit):
        raise TooLarge("body_too_large", f"the body is over {limit} bytes", prefix=data[:limit])
    if length is not None and len(data) < length:
        # The sender went away mid-body (EMQX resends on a broken connection). A dead letter would
        # keep a fragment no replay can accept; if anyone still listens, 503 asks for it again.
        raise Unavailable("incomplete_body", f"the body ended after {len(data)} of {length} bytes; send it again")
    return data


def _as_api_error(stream, exc):
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, StoreUnavailable):
        # The driver's message names the database host and port: the log gets it, the answer not.
        log.warning("ingest %s: the store is unavailable: %s", stream, exc)
        return Unavailable("store_unavailable", "the ingest database is unavailable; send it again")
    if isinstance(exc, StoreRejected):  # the pipeline maps these; one that slipped through is still the values'
        return Rejected("unstorable", str(exc)[:300])
    log.exception("ingest %s failed; keeping the body as a dead letter", stream)
    return Rejected("internal_error", f"{type(exc).__name__}: {exc}"[:300])


def _answer_error(settings, store, stream, error, seen):
    """The one place an ingest failure becomes an answer (and, for a rejection, a dead letter)."""
    if isinstance(error, Rejected):
        metrics.REJECTED.labels(stream, error.reason).inc()
        try:
            error.extra["dead_letter_id"] = _keep(store, settings, stream, error, seen)
        except Exception as exc:  # noqa: BLE001 - cannot keep it: make EMQX hold on to it instead
            log.warning("dead letter for %s not stored (%s); answering 503", stream, exc)
            error = Unavailable("store_unavailable", "could not store the rejected body")
    elif isinstance(error, Unavailable):
        (log.info if error.code in ("incomplete_body", "draining") else log.warning)(
            "ingest %s unavailable: %s", stream, error)
    if isinstance(error, TooLarge):
        error.extra.pop("prefix", None)
    outcome = _OUTCOME.get(error.code) or error.outcome
    return error_response(error, settings.retry_after_seconds), outcome, error.code


# metric outcome labels the alert rules and dashboards use, where they differ from the answer's word
_OUTCOME = {"body_too_large": "too_large", "incomplete_body": "incomplete"}


def _keep(store, settings, stream, error, seen):
    """Store the rejected body as a dead letter; returns its id.

    A body over the limit keeps its prefix (marked truncated). If the database refuses the body as
    it is, it is kept escaped to ASCII instead: a dead letter must never turn into a 503 loop."""
    body = error.extra.get("prefix", seen.body)
    limit = settings.dead_letter_body_bytes
    truncated = isinstance(error, TooLarge) or len(body) > limit
    text = body[:limit].decode("utf-8", errors="backslashreplace").replace("\x00", "\\u0000")
    hints = {k: _storable(v) for k, v in _hints(body, seen.decoded).items()}
    try:
        return store.insert_dead_letter(stream, error.reason, _storable(error.detail), text, truncated, **hints)
    except StoreRejected as exc:
        escaped = text.encode("ascii", errors="backslashreplace").decode("ascii")
        detail = _storable(f"{error.detail} (body escaped to ASCII: the database refused it as sent: {exc})")
        return store.insert_dead_letter(stream, error.reason, detail, escaped, truncated)


def _storable(text):
    """Text any database takes: no NUL, no lone surrogate (either makes the insert itself fail)."""
    return text.encode("utf-8", errors="backslashreplace").decode("utf-8").replace("\x00", "\\u0000")


def _msg_id(decoded):
    """A failed request's trace id, if its body was parsed and carries one (never parsed again here)."""
    return None if decoded is None else _hints(b"", decoded).get("msg_id")


def _hints(body, decoded=None):
    """msg_id, device_id and topic if the body is a JSON object carrying them (for search)."""
    if decoded is None:  # not parsed yet (or not parsable as strict UTF-8 JSON): try once more
        try:
            decoded = json.loads(body)
        except (ValueError, RecursionError):
            return {}
    if not isinstance(decoded, dict):
        return {}
    return {k: str(decoded[k])[:256] for k in ("msg_id", "device_id", "topic")
            if isinstance(decoded.get(k), (str, int))}
