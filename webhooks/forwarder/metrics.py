"""The forwarder's Prometheus metrics (names fixed by the team's contract) and their endpoint.

The forwarder is its own process (the Procfile ``worker:``), so it serves its own registry on
``SDIOT_FORWARDER_METRICS_PORT`` (default 9101; 0 turns it off). Labels stay bounded: ``model`` is
one of the addon's few models, ``method`` one of two, ``kind`` an error class name.
"""
import re

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

REGISTRY = CollectorRegistry(auto_describe=True)

OUTBOX_PENDING = Gauge("sdiot_outbox_pending", "Outbox rows waiting for delivery to Odoo",
                       registry=REGISTRY)
OUTBOX_FAILED = Gauge("sdiot_outbox_failed", "Outbox rows Odoo refused (sdiot outbox retry)",
                      registry=REGISTRY)
OUTBOX_OLDEST_AGE = Gauge("sdiot_outbox_oldest_pending_age_seconds",
                          "Age of the oldest pending outbox row (since the broker received it)",
                          registry=REGISTRY)
BATCH_SIZE = Histogram("sdiot_forwarder_batch_size", "Rows claimed per forwarder batch",
                       buckets=(1, 5, 10, 25, 50, 100, 200, 500, 1000), registry=REGISTRY)
DELIVERED = Counter("sdiot_forwarder_delivered_total", "Rows delivered to Odoo", ["model"],
                    registry=REGISTRY)
FAILED_ROWS = Counter("sdiot_forwarder_failed_rows_total", "Rows Odoo refused", ["model"],
                      registry=REGISTRY)
ODOO_DURATION = Histogram("sdiot_odoo_request_duration_seconds", "Odoo RPC duration",
                          ["model", "method"],
                          buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
                          registry=REGISTRY)
ODOO_ERRORS = Counter("sdiot_odoo_errors_total", "Odoo calls that failed, by error kind", ["kind"],
                      registry=REGISTRY)


def error_kind(exc):
    """A bounded label for an error: the connector's ``kind`` if it has one, else the class name."""
    kind = getattr(exc, "kind", None)
    if isinstance(kind, str) and kind:
        return kind
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()


def set_outbox(stats):
    OUTBOX_PENDING.set(stats["pending"])
    OUTBOX_FAILED.set(stats["failed"])
    OUTBOX_OLDEST_AGE.set(stats["oldest_pending_age_seconds"] or 0.0)


def serve(port, addr="0.0.0.0"):
    """Start the /metrics endpoint (port 0: off). Returns the server or None."""
    if not port:
        return None
    server, _thread = start_http_server(port, addr=addr, registry=REGISTRY)
    return server
