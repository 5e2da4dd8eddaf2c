"""The application factory: defaults → environment → test overrides → blueprints, handlers, store."""
import logging

from flask import Flask
from werkzeug.exceptions import HTTPException

from webhooks import config, device_api, health, ingest, metrics, status_page, validation
from webhooks.errors import Unavailable
from webhooks.responses import error_response, http_error
from webhooks.store import open_store

log = logging.getLogger(__name__)


def build(test_config=None):
    test_config = dict(test_config or {})
    app = Flask("webhooks")
    # Lower-case keys override Settings fields; upper-case keys are plain Flask config.
    overrides = {k: v for k, v in test_config.items() if k.islower()}
    app.config.update({k: v for k, v in test_config.items() if k.isupper()})
    settings = config.from_env(**overrides)
    app.config["SDIOT"] = settings
    app.config.setdefault("JSON_SORT_KEYS", False)

    validation.load_all()  # compile every schema once, at start, not on a request
    app.extensions["sdiot_store"] = open_store(settings.database_url, pool_size=settings.pool_size,
                                                pool_timeout=settings.pool_timeout_seconds,
                                                group_commit=settings.group_commit)

    health.init_app(app)
    app.register_blueprint(ingest.bp)
    device_api.init_app(app)
    status_page.init_app(app)
    metrics.init_app(app)
    _register_error_handlers(app)
    return app


def _register_error_handlers(app):
    """One JSON error shape; anything unexpected becomes 503 (EMQX retries), never 500."""

    retry_after = app.config["SDIOT"].retry_after_seconds

    @app.errorhandler(HTTPException)
    def http_exception(exc):
        return error_response(http_error(exc), retry_after)

    @app.errorhandler(Exception)
    def unexpected(exc):
        log.exception("unhandled error")
        return error_response(Unavailable("internal_error", "internal error; retry"), retry_after)
