"""The APIs' answers: JSON bodies, and the one rendering of every error (see errors.py).

Every error answer of the ingest and device APIs has the same shape, ``{"status": outcome,
"error": code, "detail": text, ...}``; a 422 from ingest also names its ``reason`` (the contract
EMQX operators read) and the dead letter kept. A 503 always carries ``Retry-After`` from settings.
"""
import json

from flask import Response


def json_response(body, status=200, headers=None):
    # json.dumps straight into a Response: Flask's JSON provider costs more than the rest of the answer
    return Response(json.dumps(body), status=status, headers=headers, mimetype="application/json")


def error_body(exc):
    detail = str(exc.detail)
    # A 503's detail may quote a driver's message: keep it short (the log has the rest).
    body = {"status": getattr(exc, "outcome", "error"), "error": exc.code,
            "detail": detail[:300] if exc.status == 503 else detail}
    if exc.status == 422 or exc.status == 413:
        body["reason"] = exc.code
    body.update(getattr(exc, "extra", {}))
    return body


def error_response(exc, retry_after_seconds):
    """Render an ``ApiError`` (or anything with ``status``, ``code`` and ``detail``)."""
    headers = {"Retry-After": str(retry_after_seconds)} if exc.status == 503 else None
    return json_response(error_body(exc), exc.status, headers)


def http_error(exc):
    """A werkzeug ``HTTPException`` (404, 405, a malformed request) as an ``ApiError``."""
    from webhooks.errors import ApiError

    return ApiError(exc.name.lower().replace(" ", "_"), exc.description, status=exc.code)
