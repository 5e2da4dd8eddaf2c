"""Prometheus metrics, correct across gunicorn workers.

With ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn.conf.py sets it before any import of
prometheus_client), every worker writes its samples to files there and ``/metrics`` aggregates
them with ``MultiProcessCollector``; without it (tests, a single process) the default registry
is served. Label sets are bounded: stream and outcome are fixed lists, reason is a code.
"""

from flask import Response, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import REGISTRY, multiprocess
from prometheus_flask_exporter import PrometheusMetrics

from webhooks import auth_tokens, cert_metrics

REQUESTS = Counter("sdiot_ingest_requests", "Ingest requests by stream and outcome", ["stream", "outcome"])
REJECTED = Counter("sdiot_ingest_rejected", "Ingest bodies stored as dead letters, by reason", ["stream", "reason"])
DURATION = Histogram(
    "sdiot_ingest_request_duration_seconds",
    "Time to answer an ingest request, by stream",
    ["stream"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


# Labelled children looked up once: .labels() costs more than the increment on the hot path.
_children = {}


def observe_request(stream, outcome, seconds):
    key = (stream, outcome)
    pair = _children.get(key)
    if pair is None:
        pair = _children[key] = (REQUESTS.labels(stream, outcome), DURATION.labels(stream))
    pair[0].inc()
    pair[1].observe(seconds)


def _registry(settings):
    if settings.metrics_dir:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return None


def init_app(app):
    """Request metrics from prometheus-flask-exporter, plus ours, served at /metrics."""
    exporter_registry = CollectorRegistry(auto_describe=True)
    PrometheusMetrics(
        app,
        path=None,  # we serve /metrics ourselves so both registries (or the multiprocess one) appear
        registry=exporter_registry,
        group_by="url_rule",
        # one pattern, not three: the exporter matches every one against every request
        excluded_paths=["^/(?:metrics|healthz|readyz)$"],
        default_labels={},
    )

    # Per-app collectors computed at scrape time (not per-process samples, so not multiprocess files).
    scraped = CollectorRegistry(auto_describe=False)
    settings = app.config["SDIOT"]
    certificates = app.config.get("CERT_METRICS") or cert_metrics.from_settings(settings)
    if certificates is not None:
        scraped.register(certificates)

    @app.get("/metrics")
    def metrics():
        if settings.metrics_tokens and not auth_tokens.valid(request.headers.get("Authorization"),
                                                             settings.metrics_tokens):
            return Response("a bearer token from SDIOT_METRICS_TOKENS is required\n", 401,
                            {"WWW-Authenticate": "Bearer", "Content-Type": "text/plain; charset=utf-8"})
        shared = _registry(settings)
        if shared is not None:
            body = generate_latest(shared)
        else:
            body = generate_latest(REGISTRY) + generate_latest(exporter_registry)
        return Response(body + generate_latest(scraped), mimetype=CONTENT_TYPE_LATEST)
