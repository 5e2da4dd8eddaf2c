"""OdooClient: one object the forwarder holds; picks JSON-2 or JSON-RPC and retries safely.

    client = OdooClient.from_env()
    client.ingest("iot.temperature.reading", rows)   # -> [{"id": 7}, {"error": "..."}, ...]

``ingest`` is one RPC per batch to the companion addon's ``ingest`` (``ingest_events`` on
iot.device), which skips message keys it already holds: repeating a batch after a timeout
returns the same ids and creates nothing twice, which is what makes retrying it safe.
"""
import os

from . import errors, redact, routing
from .json2 import Json2, web_version
from .jsonrpc import JsonRpc
from .retry import RetryPolicy
from .transport import DEFAULT_TIMEOUT, Transport

PROTOCOLS = ("auto", "json2", "jsonrpc")
# Repeating these cannot change data (reads) or is made harmless by message_key (ingest).
IDEMPOTENT_METHODS = frozenset({
    routing.INGEST_METHOD, routing.EVENTS_METHOD, "search", "search_read", "search_count", "read", "fields_get",
    "name_search", "context_get", "check_access_rights", "version",
})


def protocol_for(version_info):
    """'json2' from 19.0 (and saas-18.4) on, 'jsonrpc' before."""
    major, minor = (list(version_info) + [0, 0])[:2]
    if isinstance(major, str):  # "saas~18" on Odoo Online builds
        major = int("".join(ch for ch in major if ch.isdigit()) or 0)
        return "json2" if (major, int(minor or 0)) >= (18, 4) else "jsonrpc"
    return "json2" if int(major) >= 19 else "jsonrpc"


class OdooClient:
    def __init__(self, url, db=None, api_key=None, user=None, protocol="auto", session=None,
                 timeout=DEFAULT_TIMEOUT, retry=None):
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {PROTOCOLS}, not {protocol!r}")
        if not url:
            raise ValueError("an Odoo URL is required (SDIOT_ODOO_URL)")
        if not api_key:
            raise ValueError("an Odoo API key is required (SDIOT_ODOO_API_KEY)")
        self.url = url.rstrip("/")
        self.db, self.user, self.requested_protocol = db or None, user or None, protocol
        self._api_key = api_key
        self.retry = retry if retry is not None else RetryPolicy()
        self.transport = Transport(session, timeout, secrets=(api_key,))
        self._protocol = None if protocol == "auto" else self._make(protocol)

    @classmethod
    def from_env(cls, environ=None, **overrides):
        env = os.environ if environ is None else environ
        settings = {
            "url": env.get("SDIOT_ODOO_URL", ""),
            "db": env.get("SDIOT_ODOO_DB") or None,
            "api_key": env.get("SDIOT_ODOO_API_KEY", ""),
            "user": env.get("SDIOT_ODOO_USER") or None,
            "protocol": (env.get("SDIOT_ODOO_PROTOCOL") or "auto").strip().lower(),
        }
        settings.update(overrides)
        return cls(**settings)

    def __repr__(self):
        return (f"OdooClient(url={self.url!r}, db={self.db!r}, user={self.user!r}, "
                f"protocol={self.protocol_name!r}, api_key={redact.mask(self._api_key)!r})")

    @property
    def protocol_name(self):
        return self._protocol.name if self._protocol else self.requested_protocol

    def _make(self, name):
        if name == "json2":
            return Json2(self.transport, self.url, db=self.db, api_key=self._api_key)
        return JsonRpc(self.transport, self.url, db=self.db, user=self.user, api_key=self._api_key)

    @property
    def protocol(self):
        """The protocol object; with 'auto' the server's version decides on first use."""
        if self._protocol is None:
            self.version()
        return self._protocol

    def version(self):
        """common.version's dict: server_version, server_version_info, ..."""
        def ask():
            if isinstance(self._protocol, JsonRpc):
                return self._protocol.version()
            found = web_version(self.transport, self.url)  # 19+; absent before
            if found is None:
                if isinstance(self._protocol, Json2):
                    raise errors.ProtocolError("GET /web/version is missing: is this Odoo 19+?",
                                               model="web", method="version")
                found = JsonRpc(self.transport, self.url, db=self.db, user=self.user,
                                api_key=self._api_key).version()
            if not isinstance(found, dict) or not isinstance(found.get("server_version_info"), list):
                raise errors.ProtocolError(f"unexpected version answer: {found!r:.200}",
                                           model="common", method="version")
            return found
        info = self.retry.run(ask, idempotent=True)
        if self._protocol is None:
            self._protocol = self._make(protocol_for(info["server_version_info"]))
        return info

    def call(self, model, method, *args, **kwargs):
        """Any public model method; the result as Odoo returns it (recordsets as id lists)."""
        protocol = self.protocol
        return self.retry.run(lambda: protocol.call(model, method, args, kwargs),
                              idempotent=method in IDEMPOTENT_METHODS)

    def ingest(self, model, rows):
        """Deliver one batch in one RPC; a list aligned with rows of {"id"} or {"error"}."""
        rows = list(rows)
        if not rows:
            return []
        method = routing.method_for(model)
        result = self.call(model, method, rows)
        return check_aligned(result, rows, model=model, method=method)


def check_aligned(result, rows, *, model, method):
    """The addon's answer, verified: same length, each {"id": int} or {"error": str}."""
    if not isinstance(result, list) or len(result) != len(rows):
        size = len(result) if isinstance(result, list) else type(result).__name__
        raise errors.MisalignedAnswer(f"expected a list of {len(rows)} results, got {size}",
                                      model=model, method=method)
    for i, item in enumerate(result):
        ok = isinstance(item, dict) and (
            (isinstance(item.get("id"), int) and not isinstance(item.get("id"), bool))
            or isinstance(item.get("error"), str)
        )
        if not ok:
            raise errors.MisalignedAnswer(f"result {i} is neither {{'id'}} nor {{'error'}}: {item!r:.200}",
                                          model=model, method=method)
    return result
