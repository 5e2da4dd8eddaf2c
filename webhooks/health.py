"""Liveness, readiness and draining.

``/healthz``: the process answers. ``/readyz``: the store is reachable and we are not draining,
so Kubernetes and load balancers stop sending before a pod goes away. Draining starts when the
file named by ``SDIOT_DRAIN_FILE`` exists (a preStop hook touches it) or when the app's
``DRAINING`` flag is set; while draining, ingest answers 503 so EMQX retries on another pod.
"""
import os
import time

from flask import Blueprint, current_app, jsonify

from webhooks.store import StoreError

bp = Blueprint("health", __name__)
_DRAIN_CHECK_SECONDS = 1.0
_cache = {"at": 0.0, "value": False}


def draining():
    if current_app.config.get("DRAINING"):
        return True
    path = os.environ.get("SDIOT_DRAIN_FILE")
    if not path:
        return False
    now = time.monotonic()
    if now - _cache["at"] > _DRAIN_CHECK_SECONDS:
        _cache.update(at=now, value=os.path.exists(path))
    return _cache["value"]


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    if draining():
        return jsonify(status="draining"), 503
    try:
        current_app.extensions["sdiot_store"].ping()
    except StoreError as exc:
        return jsonify(status="unavailable", detail=str(exc)[:200]), 503
    return jsonify(status="ready")
