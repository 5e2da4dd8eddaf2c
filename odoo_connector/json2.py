"""JSON-2 at ``/json/2/<model>/<method>`` (Odoo saas-18.4, 19.0 and later).

Wire format (odoo/odoo: addons/rpc/controllers/json2.py, odoo/http.py Json2RpcDispatcher):
``Authorization: bearer <api key>``, optional ``X-Odoo-Database``, a JSON object of named
arguments (``ids``, ``context``, the method's parameters). Success: HTTP 200 and the bare JSON
result. Error: a real status (401/403/404/422/500...) and the serialize_exception dict as body.
Each call is its own transaction. ``GET /web/version`` answers ``{"version_info", "version"}``.
"""
from . import error_bodies, errors, signatures


class Json2:
    name = "json2"

    def __init__(self, transport, url, *, db, api_key):
        self.transport = transport
        self.base = url.rstrip("/")
        self.db = db
        self._api_key = api_key

    def _headers(self):
        headers = {"Authorization": f"bearer {self._api_key}"}
        if self.db:
            headers["X-Odoo-Database"] = self.db
        return headers

    def version(self):
        return web_version(self.transport, self.base)

    def call(self, model, method, args, kwargs):
        body = signatures.to_named(method, args, kwargs)
        reply = self.transport.post(
            f"{self.base}/json/2/{model}/{method}", body, headers=self._headers(), model=model, method=method
        )
        if reply.status == 200:
            if not reply.is_json:
                raise errors.ProtocolError(
                    f"HTTP 200 without JSON: {reply.text[:200]!r}", status=200, model=model, method=method
                )
            return reply.data
        raise decode_error(reply, model=model, method=method)


def decode_error(reply, *, model, method):
    status = reply.status
    body = reply.data if reply.is_json else None
    if isinstance(body, dict) and isinstance(body.get("name"), str):
        exc = error_bodies.from_serialized(body, status=status, model=model, method=method)
        if type(exc) is errors.APIError and status in errors.ServerError.RETRYABLE_STATUS:
            return errors.ServerError(exc.message, status=status, model=model, method=method)
        return exc
    if status >= 500 or status == 429:
        return errors.ServerError(f"HTTP {status} from Odoo: {reply.text[:200]!r}", status=status,
                                  model=model, method=method)
    by_status = {401: errors.AuthenticationError, 403: errors.AccessDenied, 404: errors.MissingError}
    cls = by_status.get(status, errors.ProtocolError)
    return cls(f"HTTP {status}: {reply.text[:200]!r}", status=status, model=model, method=method)


def web_version(transport, base):
    """``GET /web/version`` (19+) as common.version's shape, or None when the route is absent."""
    reply = transport.get(f"{base}/web/version", model="web", method="version")
    data = reply.data if reply.is_json else None
    if reply.status != 200 or not isinstance(data, dict) or "version_info" not in data:
        if reply.status >= 500 or reply.status == 429:
            raise errors.ServerError(f"HTTP {reply.status} from /web/version", status=reply.status,
                                     model="web", method="version")
        return None
    return {"server_version": data.get("version"), "server_version_info": data["version_info"]}
