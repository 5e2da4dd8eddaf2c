"""Grafana provisioning and dashboards: the provisioned datasource is the one the panels use, and
every panel query is PromQL that promtool accepts (each one checked as a recording rule)."""
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
GRAFANA = ROOT / "ops" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))


def load(path):
    return json.loads(path.read_text())


def targets():
    for path in DASHBOARDS:
        for panel in load(path)["panels"]:
            for target in panel.get("targets", []):
                yield path.name, panel["title"], target


def test_provisioning_points_at_the_dashboards_folder():
    """The file provider reads the folder compose mounts ops/grafana/dashboards at."""
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "sdiot.yml").read_text())["providers"][0]
    compose = yaml.safe_load((ROOT / "compose.yml").read_text())
    mount = f"./ops/grafana/dashboards:{provider['options']['path']}:ro"
    assert mount in compose["services"]["grafana"]["volumes"]


def test_panels_use_the_provisioned_datasource():
    """Every panel and target names the datasource uid that provisioning creates."""
    ds = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())["datasources"][0]
    assert DASHBOARDS
    uids = [load(p)["uid"] for p in DASHBOARDS]
    assert len(set(uids)) == len(uids)
    for name, title, target in targets():
        assert target["datasource"]["uid"] == ds["uid"], (name, title)


def test_dashboards_cover_the_issue():
    """Ingest by stream/outcome, latency, dead letters, outbox, Odoo, EMQX connections and rules."""
    exprs = " ".join(t["expr"] for _, _, t in targets())
    for needle in ("sdiot_ingest_requests_total", "sdiot_ingest_request_duration_seconds_bucket",
                   "sdiot_ingest_rejected_total", "sdiot_outbox_pending", "sdiot_outbox_oldest_pending_age_seconds",
                   "sdiot_odoo_request_duration_seconds_bucket", "sdiot_odoo_errors_total",
                   "emqx_connections_count", "emqx_rule_matched", "emqx_action_failed"):
        assert needle in exprs, needle


def test_every_panel_query_is_valid_promql(tmp_path):
    """promtool check rules accepts each query (Grafana's $__rate_interval replaced by 5m)."""
    exe = shutil.which("promtool")
    if exe is None:
        pytest.fail("promtool is not installed (Debian package prometheus; .ci/run installs it)")
    rules = [{"record": f"panel:{i}", "expr": re.sub(r"\$__rate_interval", "5m", t["expr"])}
             for i, (_, _, t) in enumerate(targets())]
    path = tmp_path / "panels.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "panels", "rules": rules}]}))
    result = subprocess.run([exe, "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(rules)} rules found" in result.stdout
