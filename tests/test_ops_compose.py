"""compose.yml against the Compose Specification schema, and the image's Dockerfile.

The schema is compose-spec/compose-spec's ``schema/compose-spec.json`` (vendored as
ops/schemas/compose-spec.json, see ops/schemas/README.md); jsonschema decides. The Dockerfile is
read by the ``dockerfile`` package, a binding of BuildKit's own parser. The other tests state the
operational rules: pinned images, healthchecks, start order, secrets only from the environment.
"""
import json
import re
import subprocess
from pathlib import Path

import dockerfile
import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_TEXT = (ROOT / "compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES = COMPOSE["services"]
ONE_SHOT = {"migrate", "rules", "odoo-init", "cli"}
_VAR = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(:?[-?][^}]*)?\}")


def test_compose_matches_the_compose_specification():
    """jsonschema finds no error against the Compose Specification schema."""
    schema = json.loads((ROOT / "ops" / "schemas" / "compose-spec.json").read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(COMPOSE), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_the_schema_check_can_fail():
    """The vendored schema rejects a misspelt service key (the check above is not vacuous)."""
    schema = json.loads((ROOT / "ops" / "schemas" / "compose-spec.json").read_text())
    bad = {"services": {"x": {"image": "busybox:1.36", "helthcheck": {}}}}
    assert list(jsonschema.Draft7Validator(schema).iter_errors(bad))


def test_every_image_is_pinned():
    """No service runs :latest or an untagged image; EMQX is the Apache-2.0 5.8 line."""
    for name, svc in SERVICES.items():
        image = svc["image"]
        if image.startswith("${"):
            assert "build" in svc, name
            continue
        repo, _, tag = image.rpartition(":")
        assert repo and re.search(r"\d", tag) and tag != "latest", f"{name}: {image}"
    assert SERVICES["emqx1"]["image"].startswith("emqx/emqx:5.8.")
    assert SERVICES["postgres"]["image"].startswith("postgres:16")
    assert SERVICES["odoo"]["image"] == "odoo:18.0"


def test_long_running_services_have_healthchecks_and_volumes_are_named():
    """Every service that stays up has a healthcheck; data lives in named volumes."""
    for name, svc in SERVICES.items():
        if name not in ONE_SHOT:
            assert "healthcheck" in svc, name
        for volume in svc.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert source.startswith("./") or source in COMPOSE["volumes"], f"{name}: {volume}"


def test_start_order_waits_on_health_and_completion():
    """migrate waits for a healthy DB; the tier waits for migrate; rules wait for EMQX and the tier."""
    dep = lambda s: {k: v["condition"] for k, v in SERVICES[s]["depends_on"].items()}
    assert dep("migrate") == {"postgres": "service_healthy"}
    assert dep("webhook")["migrate"] == "service_completed_successfully"
    assert dep("forwarder")["migrate"] == "service_completed_successfully"
    assert dep("rules") == {"emqx1": "service_healthy", "emqx2": "service_healthy", "webhook": "service_healthy"}
    assert dep("odoo") == {"odoo-init": "service_completed_successfully"}


def test_one_shots_run_the_documented_commands():
    """migrate runs both migrations; rules applies emqx_rules/; the tier and forwarder run sdiot."""
    assert "sdiot migrate auth" in SERVICES["migrate"]["command"][-1]
    assert "sdiot migrate ingest" in SERVICES["migrate"]["command"][-1]
    assert SERVICES["rules"]["command"] == ["sdiot", "rules", "apply"]
    assert SERVICES["webhook"]["command"][:2] == ["sdiot", "serve"]
    assert SERVICES["forwarder"]["command"] == ["sdiot", "forward"]
    assert "sdiot store maintain" in SERVICES["store-maintain"]["command"][-1]


def test_webhook_is_wired_like_the_contract():
    """The tier's healthcheck asks /readyz; it gets the contract's env vars."""
    web = SERVICES["webhook"]
    assert "/readyz" in " ".join(web["healthcheck"]["test"])
    for var in ("SDIOT_DATABASE_URL", "SDIOT_WEBHOOK_TOKENS", "SDIOT_ADMIN_TOKENS", "PROMETHEUS_MULTIPROC_DIR"):
        assert var in web["environment"], var


def test_emqx_is_a_two_node_static_cluster_with_the_repo_config():
    """Both nodes mount emqx.conf and auth.hocon; their names are the static seeds."""
    conf = (ROOT / "ops" / "emqx" / "emqx.conf").read_text()
    for node in ("emqx1", "emqx2"):
        svc = SERVICES[node]
        mounts = {v.split(":")[1] for v in svc["volumes"]}
        assert {"/opt/emqx/etc/emqx.conf", "/opt/emqx/etc/auth.hocon"} <= mounts
        name = svc["environment"]["EMQX_NODE__NAME"]
        assert f'"{name}"' in conf, f"{name} is not in cluster.static.seeds"
    assert "discovery_strategy = static" in conf


def test_secrets_only_from_the_environment():
    """Secrets are ${VAR:?} (required, no default) and .env.example documents every variable."""
    example = dict(line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines()
                   if line and not line.startswith("#"))
    used = {m.group(1): m.group(2) or "" for m in _VAR.finditer(COMPOSE_TEXT)}
    for var, modifier in used.items():
        assert var in example or var == "SDIOT_IMAGE", f"{var} is not in .env.example"
        if re.search(r"PASSWORD|SECRET|TOKENS|COOKIE|API_KEY$", var):
            assert modifier.startswith(":?"), f"{var} must be required (${{{var}:?…}}), not defaulted"
    for key, value in example.items():
        # SDIOT_EMQX_API_KEY is the key's name; its secret is SDIOT_EMQX_API_SECRET.
        if re.search(r"PASSWORD|SECRET|TOKENS|COOKIE|API_KEY$", key) and key != "SDIOT_EMQX_API_KEY":
            assert value.startswith("change-me"), f".env.example {key} must be a placeholder"


def test_the_emqx_api_key_file_comes_from_the_environment():
    """EMQX's bootstrap file is a compose secret built from the environment, where emqx.conf reads it."""
    assert COMPOSE["secrets"]["emqx_api_keys"] == {"environment": "EMQX_API_KEYS_BOOTSTRAP"}
    conf = (ROOT / "ops" / "emqx" / "emqx.conf").read_text()
    assert 'bootstrap_file = "/run/secrets/emqx_api_keys"' in conf
    assert all("emqx_api_keys" in SERVICES[n]["secrets"] for n in ("emqx1", "emqx2"))


@pytest.fixture(scope="module")
def instructions():
    return dockerfile.parse_file(str(ROOT / "Dockerfile"))


def test_dockerfile_base_is_pinned_python_311(instructions):
    """BuildKit's parser reads one FROM: a pinned python 3.11 slim bookworm tag."""
    froms = [i.value[0] for i in instructions if i.cmd == "FROM"]
    assert len(froms) == 1
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", froms[0]), froms


def test_dockerfile_runs_as_non_root(instructions):
    """The last USER is a non-zero uid, set before the default command."""
    users = [i.value[0] for i in instructions if i.cmd == "USER"]
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    cmds = [i.cmd for i in instructions]
    assert cmds.index("CMD") > len(cmds) - 1 - cmds[::-1].index("USER")


def test_dockerfile_installs_the_project_with_its_data(instructions):
    """The image copies the tree (sql/, emqx_rules/, ops/emqx/, setup.py) and installs the project; the
    migrations come from the installed package, not from a path into the tree."""
    runs = " ".join(i.value[0] for i in instructions if i.cmd == "RUN")
    assert "pip install" in runs
    env = dict(zip(*[iter(next(i.value for i in instructions if i.cmd == "ENV"))] * 2))
    assert "SDIOT_SQL_DIR" not in env
    ignored = (ROOT / ".dockerignore").read_text().split()
    for needed in ("sql", "emqx_rules", "webhooks", "gunicorn.conf.py", "setup.py"):
        assert needed not in ignored
    assert "!ops/emqx" in ignored  # the EMQX auth config ships as package data (sdiot_emqx)
    assert ".env" in ignored and ".git" in ignored


def test_no_env_file_with_secrets_is_tracked():
    """.env (the operator's real secrets) is never committed; only .env.example is."""
    result = subprocess.run(["git", "ls-files", "--", ".env", "*.env.secret", ".env.secret"],
                            cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"secret files tracked by git: {result.stdout.split()}"
