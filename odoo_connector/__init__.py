"""Odoo side of the pipeline: the client (JSON-2 / JSON-RPC), the field mapping from ingest rows,
and the companion addon (``addons/smart_dairy_iot``) whose ``ingest`` methods receive them.

    from odoo_connector import OdooClient, OdooError
    from odoo_connector.mapping import to_odoo_values, presence_to_odoo, status_to_odoo
"""
from .client import OdooClient, protocol_for
from .errors import (
    AccessDenied,
    APIError,
    AuthenticationError,
    ConnectError,
    ConnectionLost,
    ConnectTimeout,
    MisalignedAnswer,
    MissingError,
    OdooError,
    ProtocolError,
    ReadTimeout,
    SerializationError,
    ServerError,
    Timeout,
    TransportError,
    UserError,
    ValidationError,
)
from .retry import RetryPolicy

__all__ = [
    "OdooClient", "OdooError", "RetryPolicy", "protocol_for",
    "TransportError", "ConnectError", "ConnectTimeout", "Timeout", "ReadTimeout", "ConnectionLost",
    "ServerError", "APIError", "AuthenticationError", "AccessDenied", "ValidationError", "UserError",
    "MissingError", "SerializationError", "ProtocolError", "MisalignedAnswer",
]
