"""Settings: the one reader of the environment (``SDIOT_*``), with defaults for the embedded mode.

Each entry point — the app factory, ``sdiot`` (the CLI, the forwarder), the gunicorn config —
builds one ``Settings`` with ``from_env()`` and passes it down; no other module reads the
environment. Every name in ``VARIABLES`` is a public contract documented in the README's
configuration table (a test keeps the two equal).
"""
import os
from dataclasses import dataclass, field, fields

DEFAULT_DATABASE_URL = "sqlite:///sdiot.db"


def _split(value):
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _flag(value):
    return value.strip().lower() not in ("0", "false", "no", "off")


def _choice(value, allowed):
    value = value.strip().lower()
    if value not in allowed:
        raise ValueError(f"use one of {', '.join(allowed)}")
    return value


@dataclass(frozen=True)
class Settings:
    # -- the ingest tier --------------------------------------------------------------------------
    database_url: str = DEFAULT_DATABASE_URL
    webhook_tokens: tuple = ()
    admin_tokens: tuple = ()
    # When set, GET /metrics wants one of these as a bearer token (Prometheus: authorization.credentials).
    metrics_tokens: tuple = ()
    max_body_bytes: int = 256 * 1024
    # Bound kept for a dead letter's raw body. Equal to the body limit, so every body the tier
    # reads in full can be replayed; only 413 bodies are kept in part.
    dead_letter_body_bytes: int = 256 * 1024
    max_clock_skew_seconds: int = 300
    max_backfill_days: int = 30
    max_payload_depth: int = 8
    retry_after_seconds: int = 5
    # Past this many undelivered rows the tier answers 503 so EMQX buffers instead (0 = no limit).
    outbox_limit: int = 1_000_000
    pool_size: int = 8
    # Longest a request waits for a pool connection before it is answered 503 (EMQX resends).
    pool_timeout_seconds: float = 1.0
    # PostgreSQL: concurrent requests share one INSERT and commit (see webhooks/store/group_commit.py).
    group_commit: bool = True
    drain_file: str | None = None
    retention_days: int = 31
    # `sdiot serve` and the benchmarks; gunicorn reads these itself (webhooks/gunicorn_conf.py)
    bind: str | None = None
    worker_class: str | None = None
    # Set by the gunicorn config before prometheus_client is imported (multiprocess mode).
    metrics_dir: str | None = None
    # -- logs (webhooks/logs.py): every process, the tier, the forwarder and the CLI -------------
    log_format: str = "json"
    log_level: str = "info"
    # -- the auth DB, EMQX's REST API, the farm CA ------------------------------------------------
    auth_database_url: str | None = None
    cert_warn_days: int = 30
    emqx_api_url: str | None = None
    emqx_api_key: str | None = None
    emqx_api_secret: str | None = None
    ca_dir: str = "./var/ca"
    # -- the forwarder and Odoo -------------------------------------------------------------------
    forwarder_batch_size: int | None = None  # None: the forwarder's own default (forwarder/options.py)
    forwarder_lease_seconds: float | None = None
    forwarder_poll_seconds: float | None = None
    forwarder_metrics_port: int | None = None
    forwarder_backoff_max_seconds: float | None = None
    odoo_url: str | None = None
    odoo_api_key: str | None = None
    odoo_db: str | None = None
    odoo_user: str | None = None
    odoo_protocol: str = "auto"
    # -- tools --------------------------------------------------------------------------------------
    bench_pg_url: str | None = None
    extra: dict = field(default_factory=dict)


# name in Settings -> (environment variable, parser)
VARIABLES = {
    "database_url": ("SDIOT_DATABASE_URL", str),
    "webhook_tokens": ("SDIOT_WEBHOOK_TOKENS", _split),
    "admin_tokens": ("SDIOT_ADMIN_TOKENS", _split),
    "metrics_tokens": ("SDIOT_METRICS_TOKENS", _split),
    "max_body_bytes": ("SDIOT_MAX_BODY_BYTES", int),
    "dead_letter_body_bytes": ("SDIOT_DEAD_LETTER_BODY_BYTES", int),
    "max_clock_skew_seconds": ("SDIOT_MAX_CLOCK_SKEW_SECONDS", int),
    "max_backfill_days": ("SDIOT_MAX_BACKFILL_DAYS", int),
    "max_payload_depth": ("SDIOT_MAX_PAYLOAD_DEPTH", int),
    "retry_after_seconds": ("SDIOT_RETRY_AFTER_SECONDS", int),
    "outbox_limit": ("SDIOT_OUTBOX_LIMIT", int),
    "pool_size": ("SDIOT_DB_POOL_SIZE", int),
    "pool_timeout_seconds": ("SDIOT_DB_POOL_TIMEOUT", float),
    "group_commit": ("SDIOT_GROUP_COMMIT", _flag),
    "drain_file": ("SDIOT_DRAIN_FILE", str),
    "retention_days": ("SDIOT_RETENTION_DAYS", int),
    "bind": ("SDIOT_BIND", str),
    "worker_class": ("SDIOT_WORKER_CLASS", str),
    "metrics_dir": ("PROMETHEUS_MULTIPROC_DIR", str),
    "log_format": ("SDIOT_LOG_FORMAT", lambda v: _choice(v, ("json", "text"))),
    "log_level": ("SDIOT_LOG_LEVEL", lambda v: _choice(v, ("debug", "info", "warning", "error", "critical"))),
    "auth_database_url": ("SDIOT_AUTH_DATABASE_URL", str),
    "cert_warn_days": ("SDIOT_CERT_WARN_DAYS", int),
    "emqx_api_url": ("SDIOT_EMQX_API_URL", str),
    "emqx_api_key": ("SDIOT_EMQX_API_KEY", str),
    "emqx_api_secret": ("SDIOT_EMQX_API_SECRET", str),
    "ca_dir": ("SDIOT_CA_DIR", str),
    "forwarder_batch_size": ("SDIOT_FORWARDER_BATCH_SIZE", int),
    "forwarder_lease_seconds": ("SDIOT_FORWARDER_LEASE_SECONDS", float),
    "forwarder_poll_seconds": ("SDIOT_FORWARDER_POLL_SECONDS", float),
    "forwarder_metrics_port": ("SDIOT_FORWARDER_METRICS_PORT", int),
    "forwarder_backoff_max_seconds": ("SDIOT_FORWARDER_BACKOFF_MAX_SECONDS", float),
    "odoo_url": ("SDIOT_ODOO_URL", str),
    "odoo_api_key": ("SDIOT_ODOO_API_KEY", str),
    "odoo_db": ("SDIOT_ODOO_DB", str),
    "odoo_user": ("SDIOT_ODOO_USER", str),
    "odoo_protocol": ("SDIOT_ODOO_PROTOCOL", lambda v: v.strip().lower()),
    "bench_pg_url": ("SDIOT_BENCH_PG_URL", str),
}


class SettingsError(ValueError):
    """A variable holds a value its setting cannot take; the message names it."""


def from_env(environ=None, **overrides):
    """Defaults, then the environment, then explicit overrides (tests, command-line options)."""
    environ = os.environ if environ is None else environ
    values = {}
    for name, (var, parse) in VARIABLES.items():
        raw = environ.get(var)
        if raw is not None and raw.strip() != "":
            try:
                values[name] = parse(raw)
            except ValueError as exc:
                raise SettingsError(f"{var}={raw!r} is not valid: {exc}") from None
    known = {f.name for f in fields(Settings)}
    unknown = set(overrides) - known
    if unknown:
        raise TypeError(f"unknown settings: {sorted(unknown)}")
    values.update(overrides)
    return Settings(**values)
