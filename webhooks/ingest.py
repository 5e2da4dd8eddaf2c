"""``POST /v1/ingest/<stream>``: the endpoints EMQX's HTTP action calls.

Each view reads like the contract: authenticate → bound the body → parse → bind (envelope, topic,
identity, payload, schema, clock) → store → answer. EMQX drops a message on any status other than
2xx, 429 and 503, so nothing here may answer 500: a rejected body is kept as a dead letter (422),
a store that cannot take the write gets 503 + Retry-After (EMQX retries), and a bug is caught,
its body kept as a dead letter with reason ``internal_error``. A body cut off before its
Content-Length is a broken connection, not a reading: 503 (send it again), nothing kept.
"""
import json
import logging
import time

from flask import Blueprint, Response, current_app, jsonify, request

from webhooks import auth_tokens, metrics, pipeline
from webhooks.envelope import STREAMS
from webhooks.errors import Rejected, TooLarge, Unauthorized, Unavailable
from webhooks.health import draining
from webhooks.store import StoreUnavailable

log = logging.getLogger(__name__)
bp = Blueprint("ingest", __name__)
ALL_STREAMS = (*STREAMS, "presence")


@bp.post("/v1/ingest/<stream>")
def ingest(stream):
    if stream not in ALL_STREAMS:
        return jsonify(status="error", detail=f"no ingest stream '{stream}'"), 404
    started = time.perf_counter()
    response, outcome = _handle(stream)
    metrics.observe_request(stream, outcome, time.perf_counter() - started)
    return response


def _handle(stream):
    settings = current_app.config["SDIOT"]
    store = current_app.extensions["sdiot_store"]
    body, decoded = b"", None
    try:
        if not auth_tokens.valid(request.headers.get("Authorization"), settings.webhook_tokens):
            raise Unauthorized("unauthorized", "missing or unknown bearer token")
        if draining():
            raise Unavailable("draining", "this pod is shutting down")
        body, too_large, cut_off = _read_body(settings.max_body_bytes)
        if cut_off:
            # The sender went away mid-body (EMQX resends on a broken connection). A dead letter
            # would keep a fragment no replay can accept; if anyone still listens, 503 asks for
            # the whole body again rather than letting the message drop.
            log.info("ingest %s: %s", stream, cut_off)
            return _unavailable(settings, f"{cut_off}; send it again"), "incomplete"
        if too_large:
            metrics.REJECTED.labels(stream, "body_too_large").inc()
            _dead_letter(store, settings, stream, "body_too_large",
                         f"over {settings.max_body_bytes} bytes", body, truncated=True)
            raise TooLarge("body_too_large", f"the body is over {settings.max_body_bytes} bytes")
        decoded = pipeline.decode_body(body)
        result = pipeline.accept(store, settings, stream, decoded)
        # json.dumps straight into a Response: jsonify's provider costs more than the rest of the answer
        return Response(json.dumps(result), mimetype="application/json"), result["status"]
    except Rejected as exc:
        return _reject(store, settings, stream, exc, body, decoded)
    except Unauthorized as exc:
        return (jsonify(status="unauthorized", detail=exc.detail), 401), "unauthorized"
    except TooLarge as exc:
        return (jsonify(status="rejected", reason=exc.reason, detail=exc.detail), 413), "too_large"
    except (Unavailable, StoreUnavailable) as exc:
        log.warning("ingest %s unavailable: %s", stream, exc)
        return _unavailable(settings, str(exc)), "unavailable"
    except Exception as exc:  # a bug: keep the body, answer, never 500
        log.exception("ingest %s failed; keeping the body as a dead letter", stream)
        return _reject(store, settings, stream, Rejected("internal_error", f"{type(exc).__name__}: {exc}"[:300]), body)


def _read_body(limit):
    """(at most ``limit`` bytes, whether the body is larger, why it is incomplete or None)."""
    length = request.content_length
    if length is not None and length > limit:
        return request.stream.read(limit), True, None
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        return data[:limit], True, None
    if length is not None and len(data) < length:
        return data, False, f"the body ended after {len(data)} of {length} bytes"
    return data, False, None


def _reject(store, settings, stream, exc, body, decoded=None):
    metrics.REJECTED.labels(stream, exc.reason).inc()
    try:
        dead_letter_id = _dead_letter(store, settings, stream, exc.reason, exc.detail, body, decoded=decoded)
    except Exception as store_exc:  # cannot keep it: make EMQX hold on to it instead
        log.warning("dead letter for %s not stored (%s); answering 503", stream, store_exc)
        return _unavailable(settings, "could not store the rejected body"), "unavailable"
    payload = dict(status="rejected", reason=exc.reason, detail=exc.detail, dead_letter_id=dead_letter_id)
    return Response(json.dumps(payload), status=422, mimetype="application/json"), "rejected"


def _storable(text):
    """Text any database takes: no NUL, no lone surrogate (either makes the insert itself fail)."""
    return text.encode("utf-8", errors="backslashreplace").decode("utf-8").replace("\x00", "\\u0000")


def _dead_letter(store, settings, stream, reason, detail, body, truncated=False, decoded=None):
    limit = settings.dead_letter_body_bytes
    text = body[:limit].decode("utf-8", errors="backslashreplace").replace("\x00", "\\u0000")
    hints = {k: _storable(v) for k, v in _hints(body, decoded).items()}
    return store.insert_dead_letter(stream, reason, _storable(detail), text, truncated or len(body) > limit, **hints)


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


def _unavailable(settings, detail):
    response = jsonify(status="unavailable", detail=detail[:300])
    response.status_code = 503
    response.headers["Retry-After"] = str(settings.retry_after_seconds)
    return response
