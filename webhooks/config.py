"""Settings, read only from the environment (``SDIOT_*``), with defaults for the embedded mode.

Every name here is a public contract documented in the README's configuration table.
"""
import os
from dataclasses import dataclass, field, fields

DEFAULT_DATABASE_URL = "sqlite:///sdiot.db"


def _split(value):
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    webhook_tokens: tuple = ()
    admin_tokens: tuple = ()
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
    # PostgreSQL: concurrent requests share one INSERT and commit (see webhooks/store/group_commit.py).
    group_commit: bool = True
    extra: dict = field(default_factory=dict)


# name in Settings -> (environment variable, parser)
_ENV = {
    "database_url": ("SDIOT_DATABASE_URL", str),
    "webhook_tokens": ("SDIOT_WEBHOOK_TOKENS", _split),
    "admin_tokens": ("SDIOT_ADMIN_TOKENS", _split),
    "max_body_bytes": ("SDIOT_MAX_BODY_BYTES", int),
    "dead_letter_body_bytes": ("SDIOT_DEAD_LETTER_BODY_BYTES", int),
    "max_clock_skew_seconds": ("SDIOT_MAX_CLOCK_SKEW_SECONDS", int),
    "max_backfill_days": ("SDIOT_MAX_BACKFILL_DAYS", int),
    "max_payload_depth": ("SDIOT_MAX_PAYLOAD_DEPTH", int),
    "retry_after_seconds": ("SDIOT_RETRY_AFTER_SECONDS", int),
    "outbox_limit": ("SDIOT_OUTBOX_LIMIT", int),
    "pool_size": ("SDIOT_DB_POOL_SIZE", int),
    "group_commit": ("SDIOT_GROUP_COMMIT", lambda v: v.strip().lower() not in ("0", "false", "no", "off")),
}


def from_env(environ=None, **overrides):
    """Defaults, then the environment, then explicit overrides (tests)."""
    environ = os.environ if environ is None else environ
    values = {}
    for name, (var, parse) in _ENV.items():
        raw = environ.get(var)
        if raw is not None and raw != "":
            try:
                values[name] = parse(raw)
            except ValueError as exc:
                raise SystemExit(f"{var}={raw!r} is not valid: {exc}") from None
    known = {f.name for f in fields(Settings)}
    unknown = set(overrides) - known
    if unknown:
        raise TypeError(f"unknown settings: {sorted(unknown)}")
    values.update(overrides)
    return Settings(**values)
