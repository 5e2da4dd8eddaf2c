"""Logs: one JSON object per line (or human text), with secrets masked before any handler writes.

Two entry points set it up, one per kind of process: ``configure(settings)`` for ``sdiot`` (the
forwarder and every other command) and ``gunicorn_config(settings, access_log)``, gunicorn's
``logconfig_dict`` (its error log, its access log and the app's own loggers). The app factory does
not: logging is process-wide, and tests build many apps in one process.

A JSON line is ``{"time", "level", "logger", "message", ...}``; the fields a call passes as
``extra=`` follow in the order it gives them (the ingest view's: msg_id, message_key, stream,
outcome, reason, request_id, latency_ms). ``SDIOT_LOG_FORMAT=text`` prints the same as
``time LEVEL logger message key=value ...``.
"""
import logging
import re
import sys
import time
from collections.abc import Mapping
from functools import partial
from urllib.parse import unquote, urlsplit

from pythonjsonlogger.json import JsonFormatter

from webhooks.dburl import redact

_BASE = {"asctime": "time", "levelname": "level", "name": "logger"}
# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class _UTC:
    # ISO 8601 in UTC with milliseconds: log collectors parse it without a time-zone guess.
    converter = time.gmtime
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"


class JsonLines(_UTC, JsonFormatter):
    def __init__(self):
        # a %-string, not a list of names: python-json-logger reads lists only since 4.0
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s", rename_fields=_BASE,
                         reserved_attrs=list(_STANDARD))


class TextLines(_UTC, logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatMessage(self, record):
        fields = " ".join(f"{k}={v}" for k, v in record.__dict__.items() if k not in _STANDARD and v is not None)
        line = super().formatMessage(record)
        return f"{line} {fields}" if fields else line


FORMATTERS = {"json": JsonLines, "text": TextLines}

_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s\"'<>]+@[^\s\"'<>]+", re.IGNORECASE)
_BEARER = re.compile(r"\b(bearer\s+)[A-Za-z0-9._~+/-]{8,}=*", re.IGNORECASE)
_ASSIGNED = re.compile(r"\b((?:password|passwd|pwd|secret|api_?key|token)=)[^\s\"'&,;)]+", re.IGNORECASE)
_QUOTED = re.compile(r"""(["'](?:password|passwd|secret|api_?key|token)["']\s*:\s*["'])[^"']+""", re.IGNORECASE)
# Cheap first pass, with the configured values, on the lower-cased text (an IGNORECASE search
# is several times slower): most strings hold none of these, and then nothing else runs.
_SUSPECT = r"://|bearer|passw|pwd|secret|api_?key|token"


class SecretFilter(logging.Filter):
    """Masks secrets in a record's message, exception, stack and ``extra=`` strings: bearer tokens,
    ``password=``/``token=``/``api_key=`` values, passwords in URLs (``webhooks.dburl.redact``) and
    every configured secret value wherever it appears (``secrets_of``)."""

    def __init__(self, secrets=()):
        super().__init__()
        # Longest first, so a secret that contains another is masked whole.
        values = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._literal = re.compile("|".join(map(re.escape, values))) if values else None
        self._suspect = re.compile("|".join([*(re.escape(v.lower()) for v in values), _SUSPECT]))

    def mask(self, text):
        if not self._suspect.search(text.lower()):
            return text
        if self._literal is not None:
            text = self._literal.sub("***", text)
        text = _URL.sub(lambda m: redact(m.group(0)), text)
        text = _BEARER.sub(r"\1***", text)
        text = _ASSIGNED.sub(r"\1***", text)
        return _QUOTED.sub(r"\1***", text)

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad log call must not raise in the code that made it
            message = f"{record.msg} (unformattable arguments {record.args!r})"
        record.msg, record.args = self.mask(message), ()
        if record.exc_info:
            # Rendered here so the mask covers it; formatters print exc_text when exc_info is gone.
            record.exc_text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        fields = record.__dict__
        for key in fields.keys() - _STANDARD:
            if isinstance(fields[key], str):
                fields[key] = self.mask(fields[key])
        return True


def secrets_of(settings):
    """Every secret value the settings hold: tokens, API keys/secrets, database URL passwords."""
    values = [*settings.webhook_tokens, *settings.admin_tokens, settings.odoo_api_key,
              settings.emqx_api_secret]
    for url in (settings.database_url, settings.auth_database_url, settings.bench_pg_url):
        values += _passwords(url) if url else []
    return [v for v in values if v]


def _passwords(url):
    found = re.findall(r"[?&]password=([^&]*)", url)
    try:
        found.append(urlsplit(url).password or "")
    except ValueError:  # not a URL we can split; redact() still masks its userinfo
        pass
    return [form for value in found for form in (value, unquote(value))]


class AccessFields(logging.Filter):
    """gunicorn's access record (its ``args`` are the request's atoms) as JSON fields, its message
    shortened to ``METHOD path status``. The path is PATH_INFO, never the query string: a browser
    may carry the status page's ``?token=`` there."""
    ATOMS = {"remote": "h", "method": "m", "path": "U", "status": "s", "bytes": "B",
             "request_id": "{x-request-id}o", "user_agent": "a"}

    def filter(self, record):
        atoms = record.args
        if isinstance(atoms, Mapping):
            for name, atom in self.ATOMS.items():
                value = atoms[atom]
                setattr(record, name, None if value == "-" else value)
            record.status = int(record.status) if str(record.status).isdigit() else record.status
            record.duration_ms = round(atoms["D"] / 1000, 3)
            record.msg, record.args = f"{record.method} {record.path} {record.status}", ()
        return True


def configure(settings, stream=None, level=None, force=False):
    """Log this process's records as ``settings.log_format`` at ``level`` (default
    ``settings.log_level``) to ``stream`` (default stderr). Like ``logging.basicConfig`` it leaves
    a root logger that already has handlers alone (a host such as pytest), unless ``force``."""
    root = logging.getLogger()
    if root.handlers and not force:
        return None
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(FORMATTERS[settings.log_format]())
    handler.addFilter(SecretFilter(secrets_of(settings)))
    root.addHandler(handler)
    root.setLevel((level or settings.log_level).upper())
    return handler


def gunicorn_config(settings, access_log="-"):
    """gunicorn's ``logconfig_dict``: the error log and the app's loggers on stderr, the access log
    (``access_log``: ``-`` for stderr, a file path, or None for none) in the same format. No levels:
    gunicorn sets its error log's from ``loglevel`` (``--log-level`` wins over SDIOT_LOG_LEVEL), and
    the gunicorn config gives the root logger the same (``on_starting``)."""
    line = {"formatter": "lines", "filters": ["secrets"]}
    handlers = {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", **line}}
    if access_log:
        target = ({"class": "logging.StreamHandler", "stream": "ext://sys.stderr"} if access_log == "-"
                  # WatchedFileHandler reopens the file after logrotate moves it
                  else {"class": "logging.handlers.WatchedFileHandler", "filename": access_log})
        # text keeps gunicorn's own line (access_log_format); JSON gets the atoms as fields
        as_fields = ["access"] if settings.log_format == "json" else []
        handlers["access"] = {**target, **line, "filters": [*as_fields, "secrets"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        # factories as partials: dictConfig would otherwise resolve "ext://"-looking secret values
        "filters": {"secrets": {"()": partial(SecretFilter, secrets_of(settings))},
                    "access": {"()": AccessFields}},
        "formatters": {"lines": {"()": FORMATTERS[settings.log_format]}},
        "handlers": handlers,
        "root": {"handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False} if access_log
            else {"level": "WARNING", "handlers": [], "propagate": False},  # access records are INFO: none
        },
    }
