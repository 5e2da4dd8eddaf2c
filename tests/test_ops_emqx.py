"""ops/emqx: the node config parses as HOCON, includes the auth file EMQX is given, and carries
the settings the issue asks for; the API-key bootstrap example has the format EMQX 5.8 reads.

pyhocon parses (the same parser webhooks/auth_db/emqx_config.py uses for the auth queries).
Key names were checked against emqx/emqx@v5.8.9; the citations sit next to VERIFIED_KEYS.
"""
import re
from pathlib import Path

import pytest
import yaml
from pyhocon import ConfigFactory, ConfigTree

from webhooks.auth_db import emqx_config

ROOT = Path(__file__).resolve().parent.parent
EMQX = ROOT / "ops" / "emqx"
CONF_TEXT = (EMQX / "emqx.conf").read_text()
INCLUDE = re.compile(r'^include "(/opt/emqx/etc/auth\.hocon)"$', re.M)

# Every leaf key emqx.conf sets, with where EMQX 5.8.9 defines it:
#   node.data_dir, cluster.*: apps/emqx_conf/src/emqx_conf_schema.erl, rel/config/examples/cluster-with-static.conf.example
#   dashboard.listeners.http.bind: apps/emqx_dashboard/src/emqx_dashboard_schema.erl
#   api_key.bootstrap_file: apps/emqx_management/src/emqx_mgmt_api_key_schema.erl
#   mqtt.max_packet_size, flapping_detect.enable, listeners.*.{max_connections,enable,ssl_options.*}:
#       apps/emqx/src/emqx_schema.erl
#   listeners.*.{max_conn_rate,messages_rate,bytes_rate}: apps/emqx/src/emqx_limiter/src/emqx_limiter_schema.erl
#       (short_paths/0), rel/config/examples/rate_limit.conf.example
#   retainer.*: apps/emqx_retainer/src/emqx_retainer_schema.erl
VERIFIED_KEYS = {
    "node.data_dir", "cluster.name", "cluster.discovery_strategy", "cluster.static.seeds",
    "dashboard.listeners.http.bind", "api_key.bootstrap_file", "mqtt.max_packet_size",
    "flapping_detect.enable",
    *(f"listeners.{kind}.default.{key}" for kind in ("tcp", "ssl")
      for key in ("max_connections", "max_conn_rate", "messages_rate", "bytes_rate")),
    "listeners.ssl.default.ssl_options.certfile", "listeners.ssl.default.ssl_options.keyfile",
    "listeners.ssl.default.ssl_options.cacertfile", "listeners.ssl.default.ssl_options.versions",
    "listeners.ws.default.enable", "listeners.wss.default.enable",
    "retainer.max_payload_size", "retainer.backend.storage_type", "retainer.backend.max_retained_messages",
}


def leaves(tree, prefix=""):
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, ConfigTree):
            yield from leaves(value, path + ".")
        else:
            yield path


def node_config():
    """emqx.conf alone (the include removed)."""
    return ConfigFactory.parse_string(INCLUDE.sub("", CONF_TEXT), resolve=False)


def merged_config():
    """emqx.conf with its include pointed at the repo's auth.hocon, as compose mounts it."""
    text = INCLUDE.sub(f'include "{EMQX / "auth.hocon"}"', CONF_TEXT)
    return ConfigFactory.parse_string(text, resolve=False, basedir=str(EMQX))


def test_node_config_sets_only_verified_keys():
    """Every key emqx.conf sets is one EMQX 5.8.9's schema defines (list above, with sources)."""
    unknown = set(leaves(node_config())) - VERIFIED_KEYS
    assert not unknown, f"keys not checked against EMQX 5.8 source: {sorted(unknown)}"


def test_every_setting_says_why():
    """Each setting line is directly preceded by a one-line # reason."""
    previous = ""
    for number, line in enumerate(CONF_TEXT.splitlines(), 1):
        stripped = line.strip()
        if re.match(r"^[a-z_.]+\s*=", stripped):
            assert previous.startswith("#"), f"emqx.conf:{number}: `{stripped}` has no reason above it"
        if stripped:
            previous = stripped


def test_include_is_the_file_compose_mounts():
    """emqx.conf includes /opt/emqx/etc/auth.hocon, which is where compose mounts ops/emqx/auth.hocon."""
    (path,) = INCLUDE.findall(CONF_TEXT)
    compose = yaml.safe_load((ROOT / "compose.yml").read_text())
    for node in ("emqx1", "emqx2"):
        assert f"./ops/emqx/auth.hocon:{path}:ro" in compose["services"][node]["volumes"]


def test_merged_config_uses_the_queries_the_auth_db_tests_run():
    """The authn/authz queries EMQX gets through the include are the ones emqx_config.load()
    reads, i.e. the ones the auth-DB tests and `sdiot acl check` run against the migrated schema."""
    conf = merged_config()
    shipped = emqx_config.load()
    assert shipped.path.resolve() == (EMQX / "auth.hocon").resolve()
    authn = [a for a in conf["authentication"] if a["backend"] == "postgresql"]
    authz = [s for s in conf["authorization"]["sources"] if s["type"] == "postgresql"]
    assert [a["query"] for a in authn] == [shipped.authn_query]
    assert [s["query"] for s in authz] == [shipped.authz_query]
    assert conf["authorization"]["no_match"] == "deny"


def test_auth_db_tests_read_queries_from_the_shipped_file():
    """tests/test_auth_*.py go through emqx_config (the loader of ops/emqx/auth.hocon)."""
    users = [p.name for p in sorted((ROOT / "tests").glob("test_auth_*.py")) if "emqx_config" in p.read_text()]
    assert users, "no tests/test_auth_*.py reads the queries through webhooks.auth_db.emqx_config"


def test_listeners_are_sized_and_limited_for_ten_thousand_devices():
    """TCP and TLS: connection caps above 10k, a connect-rate limit, per-client message/byte limits."""
    listeners = merged_config()["listeners"]
    for kind in ("tcp", "ssl"):
        default = listeners[kind]["default"]
        assert default["max_connections"] >= 10_000
        for key in ("max_conn_rate", "messages_rate", "bytes_rate"):
            assert re.fullmatch(r"\d+(KB|MB)?/s", default[key]), (kind, key)
    assert listeners["ssl"]["devices_mtls"]["enable_authn"] is False  # the certificate-only listener


def test_retainer_keeps_device_configs():
    """The retainer survives a cluster restart (disc) and is bounded."""
    retainer = merged_config()["retainer"]
    assert retainer["backend"]["storage_type"] == "disc"
    assert retainer["backend"]["max_retained_messages"] > 10_000


# emqx/emqx@v5.8.9 apps/emqx_management/src/emqx_mgmt_auth.erl init_bootstrap_file/1: every
# non-blank line is matched (ungreedy) against "(.+):(.+)(?::(.+))?$"; there is no comment syntax;
# open source accepts only the role "administrator" (valid_role/1 without the EE RBAC).
_BOOTSTRAP_LINE = re.compile(r"^(.+?):(.+?)(?::(.+?))?$")


def test_api_key_bootstrap_example_has_emqx_58_format():
    """Each line is key:secret[:role], role administrator, with no comment lines EMQX would misread."""
    lines = [line.strip() for line in (EMQX / "api_keys.bootstrap.example").read_text().splitlines() if line.strip()]
    assert lines
    for line in lines:
        match = _BOOTSTRAP_LINE.match(line)
        assert match and not line.startswith("#"), line
        assert (match.group(3) or "administrator") == "administrator"
        assert match.group(2).startswith("change-me"), "the example must not hold a real secret"


@pytest.mark.parametrize("template", ["${SDIOT_EMQX_API_KEY}:${SDIOT_EMQX_API_SECRET}:administrator"])
def test_env_example_builds_the_bootstrap_line(template):
    """.env.example composes EMQX_API_KEYS_BOOTSTRAP from the key and secret the rules tool uses."""
    env = dict(line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines()
               if line and not line.startswith("#"))
    assert env["EMQX_API_KEYS_BOOTSTRAP"] == template
    assert _BOOTSTRAP_LINE.match(template)
