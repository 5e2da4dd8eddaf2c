"""Every metric an alert, an alert test or a dashboard names is one something exports.

Our metrics: read from the constructors in the Python sources (prometheus_client's Counter,
Gauge, Histogram, Summary), expanded to the series names the client library exposes (a Counter
``x`` or ``x_total`` is scraped as ``x_total``; a Histogram ``x`` as ``x_bucket``/``x_sum``/
``x_count``). prometheus-flask-exporter's two series are named in the team contract. EMQX's are
checked against the names EMQX 5.8.9 defines (list below, with the source of each group).
"""
import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "webhooks", ROOT / "odoo_connector", ROOT / "emqx_rules"]
_CONSTRUCTOR = re.compile(r"\b(Counter|Gauge|Histogram|Summary)(?:MetricFamily)?\(\s*[\"']([a-zA-Z_:][a-zA-Z0-9_:]*)[\"']")
_NAME = re.compile(r"\b((?:sdiot|emqx|flask)_[a-zA-Z0-9_]+)\b")

# prometheus-flask-exporter defaults (TEAM contract): a histogram and a counter.
FLASK = {"flask_http_request_duration_seconds_bucket", "flask_http_request_duration_seconds_sum",
         "flask_http_request_duration_seconds_count", "flask_http_request_total"}

# emqx/emqx@v5.8.9 apps/emqx_prometheus/src/:
#   emqx_prometheus.erl (/api/v5/prometheus/stats): emqx_connections_count, emqx_live_connections_count,
#     emqx_messages_*, emqx_authentication_*, emqx_authorization_*
#   emqx_prometheus_data_integration.erl (/api/v5/prometheus/data_integration): emqx_rule_*, emqx_action_*
EMQX = {
    "emqx_connections_count", "emqx_live_connections_count",
    "emqx_messages_received", "emqx_messages_delivered", "emqx_messages_dropped",
    "emqx_authentication_success", "emqx_authentication_failure",
    "emqx_authorization_allow", "emqx_authorization_deny",
    "emqx_rule_matched", "emqx_rule_failed", "emqx_rule_failed_exception",
    "emqx_action_success", "emqx_action_failed", "emqx_action_dropped", "emqx_action_retried",
    "emqx_action_queuing", "emqx_action_inflight", "emqx_action_dropped_expired",
    "emqx_action_dropped_queue_full", "emqx_action_dropped_resource_stopped", "emqx_action_dropped_other",
}

# Names the alerts use before any code exports them (none today: keep it empty).
NOT_YET_EXPORTED = set()


def declared():
    """(kind, name) of every prometheus_client metric constructed in our sources."""
    found = set()
    for folder in SOURCES:
        for path in folder.rglob("*.py"):
            found.update(_CONSTRUCTOR.findall(path.read_text()))
    return found


def exported():
    names = set()
    for kind, name in declared():
        if kind == "Counter":
            names.add(name if name.endswith("_total") else name + "_total")
        elif kind == "Histogram":
            names.update(name + suffix for suffix in ("_bucket", "_sum", "_count"))
        elif kind == "Summary":
            names.update((name, name + "_sum", name + "_count"))
        else:
            names.add(name)
    return names


def referenced():
    """metric name -> files that name it (alerts, alert tests, dashboards)."""
    refs = {}
    texts = {}
    for path in sorted((ROOT / "ops" / "prometheus").rglob("*.yml")):
        if path.name == "prometheus.yml":
            continue
        doc = yaml.safe_load(path.read_text())
        exprs = [r["expr"] for g in doc.get("groups", []) for r in g["rules"]]
        exprs += [s["series"] for t in doc.get("tests", []) for s in t.get("input_series", [])]
        texts[path] = "\n".join(exprs)
    for path in sorted((ROOT / "ops" / "grafana" / "dashboards").glob("*.json")):
        dash = json.loads(path.read_text())
        texts[path] = "\n".join(t["expr"] for p in dash["panels"] for t in p.get("targets", []))
    for path, text in texts.items():
        # Label values ("http:sdiot_telemetry") are not metric names.
        for name in _NAME.findall(re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)):
            refs.setdefault(name, set()).add(path.relative_to(ROOT).as_posix())
    return refs


def test_sources_declare_the_contract_metrics():
    """The scan finds the contract's metrics (so an empty scan cannot pass the test below)."""
    names = exported()
    for name in ("sdiot_ingest_requests_total", "sdiot_ingest_rejected_total",
                 "sdiot_ingest_request_duration_seconds_bucket", "sdiot_outbox_oldest_pending_age_seconds",
                 "sdiot_odoo_errors_total", "sdiot_forwarder_failed_rows_total"):
        assert name in names, name


def test_every_referenced_metric_is_exported():
    """Alerts, alert tests and dashboards name only series that the code or EMQX exports."""
    known = exported() | FLASK | EMQX | NOT_YET_EXPORTED
    refs = referenced()
    assert len(refs) >= 20
    missing = {name: sorted(files) for name, files in refs.items() if name not in known}
    assert not missing, f"metrics nobody exports: {missing}"


def test_not_yet_exported_is_only_what_the_alerts_need():
    """The allowance covers names the alerts use, nothing more (it cannot hide a dashboard typo)."""
    assert NOT_YET_EXPORTED <= set(referenced())
    for name in NOT_YET_EXPORTED:
        assert all("/alerts/" in f or "/tests/" in f for f in referenced()[name]), name
