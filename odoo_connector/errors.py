"""Everything the connector raises, as one tree. Mapped at one boundary: transport.py (HTTP failures)
and error_bodies.py (Odoo's error bodies, both protocols).

    OdooError(model, method)                  .retryable, .outcome_unknown
    ├── TransportError                        the request did not get a full answer
    │   ├── ConnectError                      nothing was sent: always safe to repeat
    │   │   └── ConnectTimeout                (also a Timeout)
    │   ├── Timeout
    │   │   ├── ConnectTimeout
    │   │   └── ReadTimeout                   sent, no answer in time: OUTCOME UNKNOWN
    │   └── ConnectionLost                    sent, connection dropped: OUTCOME UNKNOWN
    ├── ServerError(status)                   HTTP 5xx (or 429) without an Odoo error body
    └── APIError(name, data)                  Odoo answered with an error
        ├── AuthenticationError               key/login refused (Odoo AccessDenied, HTTP 401)
        ├── AccessDenied                      authenticated, not allowed (Odoo AccessError, 403)
        ├── ValidationError                   the data was refused (ValidationError, 422, ValueError)
        ├── UserError                         a business rule refused the call
        ├── MissingError                      record, model or method not found (addon missing?)
        ├── SerializationError                concurrent update; Odoo rolled back after its retries
        └── ProtocolError                     the answer is not what the protocol promises
            └── MisalignedAnswer              ingest's answer does not line up with the rows sent

``retryable`` says whether repeating the *same* call can succeed and is safe:

* connect errors, 502/503/504 (and 429), serialization failures: True — nothing was committed,
  or the server told us to come back.
* read timeouts and lost connections: True **only because every write this project makes is
  idempotent** — readings are created by ``ingest`` keyed on ``message_key`` (unique in Odoo), and
  device events are applied only when newer than what the record holds. A repeated call returns
  the ids of the first one. For an arbitrary non-idempotent method the client itself does not
  repeat such a call (see ``retry.py``); ``outcome_unknown`` tells the caller to reconcile.
* validation, access, authentication, missing, protocol errors: False — repeating cannot help.
"""


class OdooError(Exception):
    retryable = False
    outcome_unknown = False

    def __init__(self, message, *, model=None, method=None):
        super().__init__(message)
        self.message = message
        self.model = model
        self.method = method

    def __str__(self):
        where = f"{self.model}.{self.method}: " if self.model and self.method else ""
        return f"{where}{self.message}"

    @property
    def kind(self):
        """Bounded label for metrics (sdiot_odoo_errors_total{kind})."""
        return type(self).__name__


class TransportError(OdooError):
    retryable = True


class ConnectError(TransportError):
    """The connection could not be made; the request never reached Odoo."""


class Timeout(TransportError):
    """Base of both timeouts (httpx spelling); only ReadTimeout leaves the outcome unknown."""


class ConnectTimeout(ConnectError, Timeout):
    """No connection within the connect timeout: nothing was sent."""


class ReadTimeout(Timeout):
    """Sent, but no answer within the read timeout: Odoo may have committed."""

    outcome_unknown = True


class ConnectionLost(TransportError):
    """Sent, then the connection dropped (reset, worker killed by limit_time_real)."""

    outcome_unknown = True


class ServerError(OdooError):
    """An HTTP error status without an Odoo error body (a proxy, a dead worker)."""

    RETRYABLE_STATUS = frozenset({429, 502, 503, 504})

    def __init__(self, message, *, status, model=None, method=None):
        super().__init__(message, model=model, method=method)
        self.status = status
        self.retryable = status in self.RETRYABLE_STATUS
        # A gateway that gave up (502/504) may have left Odoo working on the request.
        self.outcome_unknown = status in (502, 504)


class APIError(OdooError):
    """Odoo answered with an error body; ``name`` is its exception class, e.g.
    ``odoo.exceptions.ValidationError``; ``status`` the HTTP status (200 on JSON-RPC)."""

    def __init__(self, message, *, name=None, status=None, data=None, model=None, method=None):
        super().__init__(message, model=model, method=method)
        self.name = name
        self.status = status
        self.data = data or {}


class AuthenticationError(APIError):
    pass


class AccessDenied(APIError):
    pass


class ValidationError(APIError):
    pass


class UserError(APIError):
    pass


class MissingError(APIError):
    pass


class SerializationError(APIError):
    retryable = True


class ProtocolError(APIError):
    pass


class MisalignedAnswer(ProtocolError):
    """The addon answered, but not one ``{"id"}`` or ``{"error"}`` per row sent (an addon bug, or a
    row it chokes on): no answer can be trusted to belong to its row."""
