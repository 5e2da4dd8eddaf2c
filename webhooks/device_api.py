"""``/api/v1/devices``: the provisioning API, over the same functions as ``sdiot devices``.

Authenticated with SDIOT_ADMIN_TOKENS (bearer, constant-time compare; separate from the webhook
tokens). Reads the auth DB at SDIOT_AUTH_DATABASE_URL (``AUTH_DATABASE_URL`` in app.config
overrides it). One connection per request, opened only when a view needs it: admin traffic is
rare, and a pool would be one more thing to size per worker. Every error is rendered by one
handler in the shape of every API error (webhooks/responses.py); nothing answers 500 (transient
trouble is 503 + Retry-After from settings).
"""
import logging

from flask import Blueprint, current_app, g, jsonify, request
from prometheus_client import Counter
from werkzeug.exceptions import HTTPException

from webhooks import auth_tokens, config
from webhooks.auth_db import certs, device_config, lifecycle, provisioning
from webhooks.auth_db.database import AuthDatabaseUnavailable, auth_error, connect_auth
from webhooks.auth_db import emqx_admin
from webhooks.auth_db.errors import EmqxError
from webhooks.errors import ApiError, BadRequest, Unauthorized, Unavailable
from webhooks.responses import error_response, http_error

log = logging.getLogger(__name__)
bp = Blueprint("device_api", __name__, url_prefix="/api/v1/devices")
PROVISIONED = Counter("sdiot_devices_provisioned", "Devices added through the device API")


def init_app(app, settings=None):
    """Register the blueprint (once: calling it again is harmless). An app that is not the tier's
    (a bare Flask app mounting only this API) gets its settings here, from the environment."""
    if bp.name in app.blueprints:
        return
    app.config.setdefault("SDIOT", settings or config.from_env())
    app.register_blueprint(bp)
    app.teardown_appcontext(_close_connection)


def _settings():
    return current_app.config["SDIOT"]


def _admin_tokens():
    if "ADMIN_TOKENS" in current_app.config:
        return tuple(current_app.config["ADMIN_TOKENS"])
    return _settings().admin_tokens


def _conn():
    if "auth_conn" not in g:
        g.auth_conn = connect_auth(current_app.config.get("AUTH_DATABASE_URL") or _settings().auth_database_url)
    return g.auth_conn


def _close_connection(_exc=None):
    conn = g.pop("auth_conn", None)
    if conn is not None:
        conn.close()


def _emqx():
    return emqx_admin.from_settings_or_none(_settings())


def _unavailable(code, detail, **extra):
    """A 503 a view decides itself (a partial success: stored, but EMQX was not told)."""
    return error_response(Unavailable(code, detail, **extra), _settings().retry_after_seconds)


def _secret(body, status=200):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"  # the one time a secret is shown
    return response


@bp.before_request
def _authenticate():
    if not auth_tokens.valid(request.headers.get("Authorization"), _admin_tokens()):
        return error_response(Unauthorized("unauthorized", "a bearer token from SDIOT_ADMIN_TOKENS is required"),
                              _settings().retry_after_seconds)
    return None


@bp.errorhandler(Exception)
def _any_error(exc):
    return error_response(_as_api_error(exc), _settings().retry_after_seconds)


def _as_api_error(exc):
    """Every exception a view can raise, as the error tree's member that says how to answer."""
    if isinstance(exc, ApiError):  # the auth DB's errors are a branch of the same tree
        return exc
    if isinstance(exc, HTTPException):
        return http_error(exc)
    if isinstance(exc, AuthDatabaseUnavailable):
        log.warning("auth DB unavailable: %s", exc)
        return Unavailable("auth_db_unavailable", "the auth database is unavailable; retry")
    mapped = auth_error(exc)  # a driver error: unavailable (503) or a value it cannot store (422)
    if mapped is not None:
        return mapped
    log.exception("device API error")
    return Unavailable("internal_error", "unexpected error; nothing further was changed, retry or report it")


def _json_object():
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes: the caller's mistake, not a 503
        body = None
    if not isinstance(body, dict):
        raise BadRequest("bad_request", "the body must be a JSON object")
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
        raise BadRequest("bad_request", "state must be active or inactive")
    try:
        limit, offset = int(args.get("limit", 100)), int(args.get("offset", 0))
    except ValueError:
        raise BadRequest("bad_request", "limit and offset must be integers") from None
    if not (1 <= limit <= 1000 and 0 <= offset <= 2**62):
        raise BadRequest("bad_request", "limit must be 1..1000 and offset 0..2^62")
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
        return _unavailable("emqx_unavailable", f"the device is {result['device']['state']} in the auth DB but its live"
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
        return _unavailable("emqx_unavailable", "config stored but not published: SDIOT_EMQX_API_* not set", config=record)
    try:
        return jsonify(device_config.publish(_conn(), emqx, device_id))
    except EmqxError as exc:
        return _unavailable("emqx_unavailable", f"config stored but not published: {exc}; retry the PUT", config=record)
