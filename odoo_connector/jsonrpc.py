"""JSON-RPC at ``/jsonrpc`` (Odoo 16–18; deprecated but present on 19–21).

Wire format (odoo/odoo: odoo/http.py JsonRPCDispatcher, odoo/addons/base/controllers/rpc.py,
odoo/service/model.py ``execute_kw``): request ``{"jsonrpc": "2.0", "method": "call",
"params": {"service", "method", "args"}, "id"}``; answer HTTP 200 with ``result`` or ``error``
(``code`` 200 in 16–18, 0 from 18.1; ``data`` = serialize_exception). Session expiry is code
100, not-found code 404. Login is ``common.authenticate`` -> uid or ``false``.
"""
import itertools

from . import error_bodies, errors, signatures

PATH = "/jsonrpc"


class JsonRpc:
    name = "jsonrpc"

    def __init__(self, transport, url, *, db, user, api_key):
        self.transport = transport
        self.endpoint = url.rstrip("/") + PATH
        self.db, self.user, self._api_key = db, user, api_key
        self._uid = None
        self._ids = itertools.count(1)

    def version(self):
        return self._rpc("common", "version", [])

    def uid(self):
        if self._uid is None:
            if not self.db or not self.user:
                raise errors.AuthenticationError(
                    "JSON-RPC needs SDIOT_ODOO_DB and SDIOT_ODOO_USER", model="res.users", method="authenticate"
                )
            uid = self._rpc("common", "authenticate", [self.db, self.user, self._api_key, {}])
            if not isinstance(uid, int) or isinstance(uid, bool):
                # Odoo answers false for a wrong login or key, and during the login cooldown.
                raise errors.AuthenticationError(
                    f"Odoo refused the login {self.user!r} on database {self.db!r}",
                    model="res.users",
                    method="authenticate",
                )
            self._uid = uid
        return self._uid

    def call(self, model, method, args, kwargs):
        args, kwargs = signatures.to_positional(method, args, kwargs)
        params = [self.db, self.uid(), self._api_key, model, method, args, kwargs]
        try:
            return self._rpc("object", "execute_kw", params, model=model, method=method)
        except errors.AuthenticationError:
            self._uid = None  # a revoked key or a changed user: log in again next time
            raise

    def _rpc(self, service, rpc_method, args, *, model=None, method=None):
        model, method = model or service, method or rpc_method
        request_id = next(self._ids)
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": rpc_method, "args": args},
            "id": request_id,
        }
        reply = self.transport.post(self.endpoint, body, model=model, method=method)
        return decode(reply, request_id, model=model, method=method)


def decode(reply, request_id, *, model, method):
    """The result of a JSON-RPC reply, or the matching OdooError."""
    envelope = reply.data if reply.is_json else None
    if reply.status != 200 and not (isinstance(envelope, dict) and "error" in envelope):
        return _http_error(reply, model=model, method=method)
    if not isinstance(envelope, dict) or envelope.get("jsonrpc") != "2.0":
        raise errors.ProtocolError(
            f"not a JSON-RPC answer (HTTP {reply.status}): {reply.text[:200]!r}",
            status=reply.status, model=model, method=method,
        )
    if "error" in envelope:
        error = envelope["error"] if isinstance(envelope["error"], dict) else {}
        exc = error_bodies.from_serialized(
            error.get("data"), status=reply.status, model=model, method=method,
            fallback_message=error.get("message"),
        )
        if error.get("code") == 100:
            exc = errors.AuthenticationError(exc.message, name=exc.name, status=reply.status,
                                             data=exc.data, model=model, method=method)
        raise exc
    if envelope.get("id") != request_id:
        raise errors.ProtocolError(
            f"answer id {envelope.get('id')!r} does not match request id {request_id}",
            status=reply.status, model=model, method=method,
        )
    return envelope.get("result")  # absent when the method returned None


def _http_error(reply, *, model, method):
    status = reply.status
    if status >= 500 or status == 429:
        raise errors.ServerError(f"HTTP {status} from Odoo: {reply.text[:200]!r}", status=status,
                                 model=model, method=method)
    if status == 404:
        raise errors.MissingError(f"{PATH} not found (HTTP 404): is this Odoo, and is RPC enabled?",
                                  status=status, model=model, method=method)
    # 400 "Invalid JSON data" / "Invalid JSON-RPC data" (plain text) and anything unexpected.
    raise errors.ProtocolError(f"HTTP {status}: {reply.text[:200]!r}", status=status, model=model, method=method)
