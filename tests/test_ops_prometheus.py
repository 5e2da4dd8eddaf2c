"""Prometheus config, alert rules and their unit tests, checked by promtool itself.

promtool comes from Debian's ``prometheus`` package (.ci/run installs it). Each test asserts
promtool's exit status and shows its own output on failure; nothing here re-checks PromQL.
"""
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PROM = ROOT / "ops" / "prometheus"
ALERT_FILES = sorted((PROM / "alerts").glob("*.yml"))
TEST_FILES = sorted((PROM / "tests").glob("*.yml"))
RUNBOOK = ROOT / "ops" / "RUNBOOK.md"


def promtool(*args, cwd=PROM):
    exe = shutil.which("promtool")
    if exe is None:
        pytest.fail("promtool is not installed (Debian package prometheus; .ci/run installs it)")
    return subprocess.run([exe, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120)


def assert_ok(result):
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def alert_rules():
    for path in ALERT_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    yield rule


def test_config_is_valid_with_its_rule_files():
    """promtool check config accepts prometheus.yml and the alert files it loads."""
    result = promtool("check", "config", "prometheus.yml")
    assert_ok(result)
    # The rule_files glob must have matched our files, not nothing.
    for path in ALERT_FILES:
        assert path.name in result.stdout, result.stdout


def test_alert_rules_are_valid():
    """promtool check rules accepts every alert file."""
    assert ALERT_FILES
    assert_ok(promtool("check", "rules", *ALERT_FILES))


def test_alert_unit_tests_pass():
    """promtool test rules runs the alert unit tests green."""
    assert TEST_FILES
    assert_ok(promtool("test", "rules", *TEST_FILES))


def test_every_alert_is_unit_tested():
    """Each alert is named in at least one promtool test case."""
    tested = set()
    for path in TEST_FILES:
        for case in yaml.safe_load(path.read_text())["tests"]:
            tested.update(t["alertname"] for t in case.get("alert_rule_test", []))
    missing = {rule["alert"] for rule in alert_rules()} - tested
    assert not missing, f"alerts without a promtool test: {sorted(missing)}"


def test_every_alert_has_for_severity_summary_and_runbook():
    """Every alert waits (`for`), carries a severity, a summary and a runbook link."""
    rules = list(alert_rules())
    assert len(rules) >= 10
    for rule in rules:
        assert rule.get("for"), rule["alert"]
        assert rule.get("labels", {}).get("severity") in {"critical", "warning"}, rule["alert"]
        assert rule.get("annotations", {}).get("summary"), rule["alert"]
        assert rule["annotations"].get("runbook_url", "").startswith("ops/RUNBOOK.md#"), rule["alert"]


def runbook_anchors():
    """GitHub-style anchors of the runbook's headings."""
    anchors = set()
    for line in RUNBOOK.read_text().splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^a-z0-9 _-]", "", title).replace(" ", "-"))
    return anchors


def test_runbook_links_point_at_existing_sections():
    """Every runbook_url anchor is a heading in ops/RUNBOOK.md."""
    anchors = runbook_anchors()
    for rule in alert_rules():
        anchor = rule["annotations"]["runbook_url"].split("#", 1)[1]
        assert anchor in anchors, f"{rule['alert']}: no heading for #{anchor} in ops/RUNBOOK.md"


def test_required_alerts_exist():
    """The alerts the issue asks for are all there."""
    names = {rule["alert"] for rule in alert_rules()}
    exprs = " ".join(rule["expr"] for rule in alert_rules())
    assert {"SdiotIngestUnavailable", "SdiotDeadLetterRate", "SdiotOutboxLagging", "SdiotOdooErrors",
            "SdiotForwarderFailedRows", "EmqxActionDropped", "EmqxActionFailed",
            "EmqxAuthenticationFailureSpike", "SdiotCertificatesExpiring"} <= names
    for metric in ("sdiot_ingest_rejected_total", "sdiot_outbox_oldest_pending_age_seconds",
                   "sdiot_odoo_errors_total", "sdiot_forwarder_failed_rows_total", "emqx_action_dropped",
                   "emqx_action_failed", "emqx_authentication_failure", "sdiot_certificates_expiring"):
        assert metric in exprs, metric
