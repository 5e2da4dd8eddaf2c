"""``/api/v1/devices``: the provisioning API, over the same functions as ``sdiot devices``.

Authenticated with SDIOT_ADMIN_TOKENS (bearer, constant-time compare; separate from the webhook
tokens). Reads the auth DB at SDIOT_AUTH_DATABASE_URL (``AUTH_DATABASE_URL`` in app.config
overrides it). One connection per request, opened only when a view needs it: admin traffic is
rare, and a pool would be one more thing to size per worker. Every error is JSON
``{"error": code, "detail": ...}``; nothing answers 500 (transient trouble is 503 + Retry-After).
"""
import logging

import psycopg
from flask import Blueprint, current_app, g, jsonify, request
from prometheus_client import Counter
from werkzeug.exceptions import HTTPException

from webhooks import auth_tokens, config
from webhooks.auth_db import certs, device_config, lifecycle, provisioning
from webhooks.auth_db.database import AuthDatabaseUnavailable, connect_auth
from webhooks.auth_db.emqx_admin import EmqxAdmin
from webhooks.auth_db.errors import AuthDBError, EmqxError, ImportFailed

log = logging.getLogger(__name__)
bp = Blueprint("device_api", __name__, url_prefix="/api/v1/devices")
PROVISIONED = Counter("sdiot_devices_provisioned", "Devices added through the device API")
RETRY_AFTER = "5"


def init_app(app):
    """Register the blueprint (once: calling it again is harmless)."""
    if bp.name in app.blueprints:
        return
    app.register_blueprint(bp)
    app.teardown_appcontext(_close_connection)


def _admin_tokens():
    if "ADMIN_TOKENS" in current_app.config:
        return tuple(current_app.config["ADMIN_TOKENS"])
    settings = current_app.config.get("SDIOT") or config.from_env()
    return settings.admin_tokens


def _conn():
    if "auth_conn" not in g:
        g.auth_conn = connect_auth(current_app.config.get("AUTH_DATABASE_URL"))
    return g.auth_conn


def _close_connection(_exc=None):
    conn = g.pop("auth_conn", None)
    if conn is not None:
        conn.close()


def _emqx():
    try:
        return EmqxAdmin.from_env()
    except EmqxError:
        return None


def _error(status, code, detail, **extra):
    response = jsonify(error=code, detail=detail, **extra)
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = RETRY_AFTER
    return response


def _secret(body, status=200):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"  # the one time a secret is shown
    return response


@bp.before_request
def _authenticate():
    if not auth_tokens.valid(request.headers.get("Authorization"), _admin_tokens()):
        return _error(401, "unauthorized", "a bearer token from SDIOT_ADMIN_TOKENS is required")
    return None


@bp.errorhandler(ImportFailed)
def _import_failed(exc):
    return _error(exc.status, exc.code, str(exc), rows=[{"line": n, "device_id": d, "reason": r} for n, d, r in exc.report])


@bp.errorhandler(AuthDBError)
def _auth_db_error(exc):
    return _error(exc.status, exc.code, str(exc))


@bp.errorhandler(AuthDatabaseUnavailable)
@bp.errorhandler(psycopg.OperationalError)
def _unavailable(exc):
    log.warning("auth DB unavailable: %s", exc)
    return _error(503, "auth_db_unavailable", "the auth database is unavailable; retry")


@bp.errorhandler(psycopg.DataError)
def _bad_value(exc):
    # A value PostgreSQL cannot take (a NUL byte, an out-of-range number) is the caller's mistake:
    # retrying it can never succeed, so it must not look like a 503.
    return _error(422, "invalid_value", f"a value in the request cannot be stored: {str(exc).splitlines()[0][:200]}")


@bp.errorhandler(HTTPException)
def _http_error(exc):
    return _error(exc.code, exc.name.lower().replace(" ", "_"), exc.description)


@bp.errorhandler(Exception)
def _unexpected(exc):
    log.exception("device API error")
    return _error(503, "internal_error", "unexpected error; nothing further was changed, retry or report it")


def _json_object():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise AuthDBError("the body must be a JSON object")
    return body


@bp.post("")
def add():
    body = _json_object()
    creds = provisioning.add_device(_conn(), body.get("farm_id"), body.get("device_type"), body.get("device_id"))
    PROVISIONED.inc()
    response = _secret({"device": provisioning.get_device(_conn(), creds.device_id), "password": creds.password}, 201)
    response.headers["Location"] = f"{bp.url_prefix}/{creds.device_id}"
    return response


@bp.get("")
def list_all():
    args = request.args
    state = args.get("state")
    if state not in (None, "active", "inactive"):
        raise AuthDBError("state must be active or inactive")
    try:
        limit, offset = int(args.get("limit", 100)), int(args.get("offset", 0))
    except ValueError:
        raise AuthDBError("limit and offset must be integers") from None
    if not (1 <= limit <= 1000 and 0 <= offset <= 2**62):
        raise AuthDBError("limit must be 1..1000 and offset 0..2^62")
    devices = provisioning.list_devices(_conn(), args.get("farm_id"), args.get("device_type"),
                                        None if state is None else state == "active", limit=limit, offset=offset)
    return jsonify(devices=devices, count=len(devices), limit=limit, offset=offset)


@bp.get("/<device_id>")
def show(device_id):
    device = provisioning.get_device(_conn(), device_id)
    device["certificates"] = certs.list_for_device(_conn(), device_id)
    device["config"] = device_config.get_config(_conn(), device_id)
    return jsonify(device)


@bp.post("/<device_id>/rotate")
def rotate(device_id):
    creds = provisioning.rotate(_conn(), device_id)
    return _secret({"device": provisioning.get_device(_conn(), device_id), "password": creds.password})


def _retired(result):
    if result["kick_error"]:
        return _error(503, "emqx_unavailable", f"the device is {result['device']['state']} in the auth DB but its live"
                      f" session may remain: {result['kick_error']}; retrying is safe", **result)
    return jsonify(result)


@bp.post("/<device_id>/revoke")
def revoke(device_id):
    return _retired(lifecycle.revoke(_conn(), device_id, _emqx()))


@bp.delete("/<device_id>")
def decommission(device_id):
    return _retired(lifecycle.decommission(_conn(), device_id, _emqx()))


@bp.get("/<device_id>/config")
def get_config(device_id):
    return jsonify(device_config.get_config(_conn(), device_id))


@bp.put("/<device_id>/config")
def put_config(device_id):
    record = device_config.set_config(_conn(), device_id, _json_object())
    emqx = _emqx()
    if emqx is None:
        return _error(503, "emqx_unavailable", "config stored but not published: SDIOT_EMQX_API_* not set", config=record)
    try:
        return jsonify(device_config.publish(_conn(), emqx, device_id))
    except EmqxError as exc:
        return _error(503, "emqx_unavailable", f"config stored but not published: {exc}; retry the PUT", config=record)
