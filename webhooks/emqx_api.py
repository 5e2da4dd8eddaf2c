"""The one client of EMQX's REST API v5; every HTTP call to EMQX goes through ``EmqxApi.call``.

    api = EmqxApi.from_env(component="rules")      # SDIOT_EMQX_API_URL, _KEY, _SECRET
    api.call("DELETE", f"/clients/{api.quote('MM001')}", ok=(204, 404))

The URL is ``http(s)://host:18083`` with or without ``/api/v5``. EMQX takes HTTP Basic with an
API key and secret (dashboard System > API Key, or ``api_key.bootstrap_file``; emqx/emqx
apps/emqx_dashboard/src/emqx_dashboard.erl authorize/2). The secret lives only in a requests
auth object: it is never in a repr, a log line or an error, and EMQX's answer quoted in an error
has any bearer or basic credential masked. (connect, read) timeouts, a User-Agent naming the
caller, and an injected ``requests.Session`` (tests fake EMQX at the transport with
``responses``). The domain calls sit on top: emqx_rules/rules_api.py (rules, connectors,
actions) and webhooks/auth_db/emqx_admin.py (kick, authz cache, publish).

Errors, mapped from requests here and nowhere else:

    EmqxApiError        every failure of a call, and a missing configuration
      .status None      EMQX not reached: refused, DNS, TLS, connect or read timeout (any
                        requests.RequestException), or SDIOT_EMQX_API_* not set
      .status int       EMQX answered a status the caller does not accept; .code is the "code"
                        of its JSON error ({"code": "NOT_FOUND", "message": ...}: the error
                        shape of every v5 handler, apps/emqx_dashboard/src/emqx_dashboard_swagger.erl)
"""
import logging
import re
import time
from importlib import metadata
from urllib.parse import quote

import requests
from requests.auth import HTTPBasicAuth

log = logging.getLogger("webhooks.emqx_api")

# Connect just above the 3 s TCP retransmit; a connector or action write can take EMQX a few
# seconds (it starts the resource before answering), so the read allows 30.
DEFAULT_TIMEOUT = (3.05, 30)
ENV = ("SDIOT_EMQX_API_URL", "SDIOT_EMQX_API_KEY", "SDIOT_EMQX_API_SECRET")
MASK = "******"
_TOKEN = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
try:
    _VERSION = metadata.version("smart-dairy-iot-core")
except metadata.PackageNotFoundError:  # a source tree that was never installed
    _VERSION = "0"


class EmqxApiError(Exception):
    """A call to EMQX failed; ``status`` is None when EMQX was not reached (or not configured)."""

    def __init__(self, message, status=None, code=None):
        super().__init__(message)
        self.status, self.code = status, code


class EmqxApi:
    def __init__(self, base_url, key, secret, session=None, timeout=DEFAULT_TIMEOUT, component="api"):
        base = base_url.rstrip("/")
        self.base = base if base.endswith("/api/v5") else base + "/api/v5"
        self.session = session if session is not None else requests.Session()
        self.timeout = timeout
        self.user_agent = f"smart-dairy-iot-core/{_VERSION} {component} requests/{requests.__version__}"
        self._auth = HTTPBasicAuth(key, secret)

    @classmethod
    def from_settings(cls, settings, **kwargs):
        """From SDIOT_EMQX_API_URL/_KEY/_SECRET (``settings``); EmqxApiError names the ones not set."""
        values = (settings.emqx_api_url, settings.emqx_api_key, settings.emqx_api_secret)
        missing = [name for name, value in zip(ENV, values) if not value]
        if missing:
            raise EmqxApiError(f"EMQX REST API not configured: set {', '.join(missing)} "
                               "(an API key from the EMQX dashboard, System > API Key)")
        return cls(*values, **kwargs)

    @classmethod
    def from_env(cls, environ=None, **kwargs):
        """``from_settings`` for the settings an environment mapping (default: the process's) gives."""
        from webhooks import config

        return cls.from_settings(config.from_env(environ), **kwargs)

    def __repr__(self):
        return f"EmqxApi({self.base!r}, key={self._auth.username!r}, secret={MASK!r})"

    @staticmethod
    def quote(segment):
        """A client id or name as one path segment (EMQX ids may hold '/', ' ', ':')."""
        return quote(segment, safe="")

    def call(self, method, path, ok=(200,), **kwargs):
        """The response to ``method path`` (under /api/v5) when its status is in ``ok``."""
        headers = {"User-Agent": self.user_agent, **kwargs.pop("headers", {})}
        started = time.monotonic()
        try:
            resp = self.session.request(method, self.base + path, auth=self._auth, headers=headers,
                                        timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise EmqxApiError(f"EMQX {method} {path}: unreachable ({type(exc).__name__})") from None
        log.debug("emqx %s %s -> %s in %.3fs", method, path, resp.status_code, time.monotonic() - started)
        if resp.status_code not in ok:
            code, message = _error_of(resp)
            text = " ".join(p for p in (f"EMQX {method} {path}: HTTP {resp.status_code}", code, message) if p)
            raise EmqxApiError(_mask(text), status=resp.status_code, code=code)
        return resp

    def json(self, method, path, ok=(200,), **kwargs):
        """The decoded JSON body of ``call``; a body that is not JSON is an EmqxApiError."""
        resp = self.call(method, path, ok, **kwargs)
        try:
            return resp.json()
        except ValueError:
            raise EmqxApiError(f"EMQX {method} {path}: HTTP {resp.status_code} answer is not JSON",
                               status=resp.status_code) from None


def _mask(text):
    """EMQX may quote a rejected header back (a connector's bearer token): never show it."""
    return _TOKEN.sub(lambda m: f"{m.group(1)} {MASK}", text)


def _error_of(resp):
    """(code, message) of EMQX's JSON error, or (None, the start of the body)."""
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and ("code" in body or "message" in body):
        return body.get("code"), str(body.get("message", ""))[:300]
    return None, resp.text[:200]
