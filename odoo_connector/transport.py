"""The HTTP seam: one ``requests.Session``, (connect, read) timeouts, a named User-Agent, and the
mapping of ``requests``/``urllib3`` failures to our TransportError kinds. Nothing else in the
package imports ``requests``; tests inject a session and fake Odoo with ``responses``.
"""
import json
import logging
import time
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from importlib import metadata

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from . import errors, redact, wire

log = logging.getLogger("odoo_connector")

# (connect, read): connect just above the 3 s TCP retransmit; read well under Odoo's
# limit_time_real (120 s) — a batch that needs longer than 30 s is too big and should be split.
DEFAULT_TIMEOUT = (3.05, 30)
DEBUG_BODY_CHARS = 2000


def _user_agent():
    try:
        version = metadata.version("smart-dairy-iot-core")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"smart-dairy-iot-core/{version} odoo_connector requests/{requests.__version__}"


USER_AGENT = _user_agent()


@dataclass(frozen=True)
class Reply:
    status: int
    text: str
    data: object  # parsed JSON, or None when the body is not JSON
    is_json: bool


class Transport:
    def __init__(self, session=None, timeout=DEFAULT_TIMEOUT, secrets=()):
        if session is None:
            session = requests.Session()
            # Cookie-less: JSON-2 answers 403 to a session_id cookie sent with X-Odoo-Database
            # (odoo/http.py), and nothing here needs a web session.
            session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        self.session = session
        self.timeout = timeout
        self._secrets = tuple(s for s in secrets if s)

    def post(self, url, body, *, headers=None, model=None, method=None):
        payload = wire.dumps(body)
        sent = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        sent.update(headers or {})
        return self._send("POST", url, sent, payload, body, model=model, method=method)

    def get(self, url, *, model=None, method=None):
        return self._send("GET", url, {"Accept": "application/json"}, None, None, model=model, method=method)

    def _send(self, verb, url, headers, payload, body, *, model, method):
        headers = {"User-Agent": USER_AGENT, **headers}
        if log.isEnabledFor(logging.DEBUG):
            dump = json.dumps(redact.scrub(body, self._secrets), default=str)[:DEBUG_BODY_CHARS]
            log.debug("odoo %s %s headers=%s body=%s", verb, url, redact.headers(headers), dump)
        started = time.monotonic()
        try:
            response = self.session.request(verb, url, data=payload, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise self._transport_error(exc, model=model, method=method) from None
        text = response.text
        try:
            data, is_json = response.json(), True
        except ValueError:
            data, is_json = None, False
        log.debug("odoo %s %s -> %s in %.3fs", verb, url, response.status_code, time.monotonic() - started)
        return Reply(response.status_code, text, data, is_json)

    def _transport_error(self, exc, *, model, method):
        """requests' exceptions -> ours; the message is scrubbed (it may echo a URL or body)."""
        message = redact.scrub(f"{type(exc).__name__}: {exc}", self._secrets)
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return errors.ConnectTimeout(message, model=model, method=method)
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return errors.ReadTimeout(message, model=model, method=method)
        if isinstance(exc, requests.exceptions.ConnectionError):
            if _never_connected(exc):
                return errors.ConnectError(message, model=model, method=method)
            return errors.ConnectionLost(message, model=model, method=method)
        if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
            # The connection broke while the answer was read: Odoo may have committed (keyed ingest
            # makes the retry safe), and it is certainly not a configuration mistake.
            return errors.ConnectionLost(message, model=model, method=method)
        error = errors.TransportError(message, model=model, method=method)
        error.retryable = False  # a bad URL or schema: configuration, not a blip
        return error


def _never_connected(exc):
    """True when urllib3 failed before sending (refused, DNS, TLS handshake)."""
    if isinstance(exc, requests.exceptions.SSLError):
        return True
    seen = set()
    cause = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, (NewConnectionError, ConnectTimeoutError, ConnectionRefusedError)):
            return True
        reason = getattr(cause, "reason", None)
        nxt = reason if isinstance(reason, BaseException) else None
        if nxt is None and cause.args and isinstance(cause.args[0], BaseException):
            nxt = cause.args[0]
        cause = nxt or cause.__cause__ or cause.__context__
    return False
