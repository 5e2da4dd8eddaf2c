"""Liveness, readiness and draining.

``/healthz``: the process answers. ``/readyz``: the store is reachable and we are not draining,
so Kubernetes and load balancers stop sending before a pod goes away. Draining starts when the
file named by ``SDIOT_DRAIN_FILE`` exists (a preStop hook touches it) or when
``app.extensions["sdiot_draining"].drain()`` is called; while draining, ingest answers 503 so EMQX retries on another pod.
"""
import logging
import os
import time

from flask import Blueprint, current_app, jsonify

from webhooks.store import StoreError

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)
_DRAIN_CHECK_SECONDS = 1.0


class DrainFlag:
    """Whether the pod drains: the drain file exists (looked at once a second at most), or
    ``drain()`` was called (tests, an embedding server)."""

    def __init__(self, path):
        self.path = path
        self._forced = False
        self._at, self._value = float("-inf"), False

    def drain(self, on=True):
        self._forced = on

    def __call__(self):
        if self._forced:
            return True
        if not self.path:
            return False
        now = time.monotonic()
        if now - self._at > _DRAIN_CHECK_SECONDS:
            self._at, self._value = now, os.path.exists(self.path)
        return self._value


def init_app(app):
    app.extensions["sdiot_draining"] = DrainFlag(app.config["SDIOT"].drain_file)
    app.register_blueprint(bp)


def draining():
    return current_app.extensions["sdiot_draining"]()


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
        log.warning("readyz: the store is unavailable: %s", exc)  # names host and port: the log only
        return jsonify(status="unavailable", detail="the ingest database is unavailable"), 503
    return jsonify(status="ready")
