"""The ACL as EMQX would apply it: `sdiot acl check` runs the authz query read from
ops/emqx/auth.hocon against the migrated auth DB, with EMQX's matching (see test_acl_simulator.py).
"""
import json

import pytest

from webhooks.cli import main
from webhooks.migrations import migrate_up

MM = "dairy/farm1/milk_meters/MM001"
TS_SAME_FARM = "dairy/farm1/temperature/TS001"
MM_OTHER_FARM = "dairy/farm2/milk_meters/MM002"

MATRIX = [
    # own topics
    ("MM001", "publish", f"{MM}/data", "allow"),
    ("MM001", "publish", f"{MM}/status", "allow"),
    ("MM001", "publish", f"{MM}/alerts", "allow"),
    ("MM001", "subscribe", f"{MM}/commands", "allow"),
    ("MM001", "subscribe", f"{MM}/config", "allow"),
    # own topics, wrong direction
    ("MM001", "publish", f"{MM}/commands", "deny"),
    ("MM001", "publish", f"{MM}/config", "deny"),
    ("MM001", "subscribe", f"{MM}/data", "deny"),
    ("MM001", "publish", f"{MM}/other", "deny"),
    # another device on the same farm, and one on another farm
    ("MM001", "publish", f"{TS_SAME_FARM}/data", "deny"),
    ("MM001", "subscribe", f"{TS_SAME_FARM}/commands", "deny"),
    ("MM001", "publish", f"{MM_OTHER_FARM}/data", "deny"),
    ("MM001", "publish", "dairy/farm2/milk_meters/MM001/data", "deny"),  # own id under another farm
    ("MM001", "publish", "dairy/farm1/temperature/MM001/data", "deny"),  # own id under another path
    ("MM001", "subscribe", f"{MM_OTHER_FARM}/config", "deny"),
    # shared subscriptions are authorized on their real topic
    ("MM001", "subscribe", f"$share/g1/{MM}/commands", "allow"),
    ("MM001", "subscribe", f"$share/g1/{TS_SAME_FARM}/commands", "deny"),
    # wildcards and broker internals
    ("MM001", "subscribe", "#", "deny"),
    ("MM001", "subscribe", "dairy/#", "deny"),
    ("MM001", "subscribe", "dairy/+/milk_meters/MM001/commands", "deny"),
    ("MM001", "subscribe", "dairy/farm1/+/+/commands", "deny"),
    ("MM001", "subscribe", f"{MM}/#", "deny"),
    ("MM001", "subscribe", f"{MM}/+", "deny"),
    ("MM001", "subscribe", "$SYS/#", "deny"),
    ("MM001", "subscribe", "$SYS/brokers", "deny"),
    ("MM001", "publish", "$SYS/brokers", "deny"),
    # unknown, revoked users
    ("MM404", "publish", "dairy/farm1/milk_meters/MM404/data", "deny"),
    ("WT009", "publish", "dairy/farm1/waterers/WT009/data", "deny"),
    # the backend role: commands and config to any device, readings from any device
    ("odoo-bridge", "publish", f"{MM}/commands", "allow"),
    ("odoo-bridge", "publish", f"{MM_OTHER_FARM}/config", "allow"),
    ("odoo-bridge", "subscribe", "dairy/+/+/+/data", "allow"),
    ("odoo-bridge", "subscribe", f"{TS_SAME_FARM}/alerts", "allow"),
    ("odoo-bridge", "subscribe", "dairy/farm1/+/+/status", "allow"),
    ("odoo-bridge", "publish", f"{MM}/data", "deny"),
    ("odoo-bridge", "subscribe", "#", "deny"),
    ("odoo-bridge", "subscribe", "$SYS/#", "deny"),
    ("odoo-bridge", "subscribe", "dairy/#", "deny"),
    # a backend user limited to one farm
    ("farm1-bridge", "publish", f"{MM}/commands", "allow"),
    ("farm1-bridge", "publish", f"{MM_OTHER_FARM}/commands", "deny"),
    ("farm1-bridge", "subscribe", "dairy/+/+/+/data", "deny"),
]


@pytest.fixture(scope="module")
def auth_url(pg_available):
    """One provisioned DB for the whole matrix (the checks only read)."""
    from tests.conftest import _url_for, create_database, drop_database

    name = create_database()
    url = _url_for(name)
    migrate_up("auth", url)
    for args in (["--farm", "farm1", "--type", "milk_meter", "--id", "MM001"],
                 ["--farm", "farm1", "--type", "temperature", "--id", "TS001"],
                 ["--farm", "farm2", "--type", "milk_meter", "--id", "MM002"],
                 ["--farm", "farm1", "--type", "waterer", "--id", "WT009"]):
        assert main(["devices", "add", *args, "--database-url", url, "--json"]) == 0
    assert main(["devices", "add-backend", "--name", "odoo-bridge", "--database-url", url, "--json"]) == 0
    assert main(["devices", "add-backend", "--name", "farm1-bridge", "--farm", "farm1", "--database-url", url]) == 0
    assert main(["devices", "revoke", "WT009", "--no-kick", "--database-url", url]) == 0
    yield url
    drop_database(name)


def acl_check(url, capsys, username, action, topic):
    capsys.readouterr()
    code = main(["acl", "check", "--username", username, f"--{action}", topic, "--json", "--database-url", url])
    result = json.loads(capsys.readouterr().out)["result"]
    assert code == (0 if result["decision"] == "allow" else 1)
    return result


@pytest.mark.parametrize("username, action, topic, expected", MATRIX)
def test_acl_matrix(auth_url, capsys, username, action, topic, expected):
    """Each (user, action, topic) gets the decision the design promises, from the shipped query."""
    assert acl_check(auth_url, capsys, username, action, topic)["decision"] == expected


def test_deciding_row_is_reported(auth_url, capsys):
    """--json names the deciding row (topic still holding EMQX's ${username} placeholder)."""
    result = acl_check(auth_url, capsys, "MM001", "publish", f"{MM}/data")
    assert result["rule"] == {"permission": "allow", "action": "publish", "qos": None, "retain": None,
                              "topic": "dairy/farm1/milk_meters/${username}/data"}
    denied = acl_check(auth_url, capsys, "MM001", "subscribe", "$SYS/#")
    assert denied["rule"]["permission"] == "deny" and denied["rule"]["topic"] == "$SYS/#"
    unknown = acl_check(auth_url, capsys, "MM404", "publish", f"{MM}/data")
    assert unknown["rule"] is None and unknown["reason"] == "no_match"


def test_superuser_is_allowed_everything(auth_url, capsys):
    """A superuser (set on a service user) skips the rows, as EMQX does."""
    import psycopg

    with psycopg.connect(auth_url, autocommit=True) as conn:
        conn.execute("UPDATE mqtt_user SET is_superuser = true WHERE username = 'odoo-bridge'")
    try:
        result = acl_check(auth_url, capsys, "odoo-bridge", "subscribe", "$SYS/#")
        assert (result["decision"], result["reason"], result["rule"]) == ("allow", "superuser", None)
    finally:
        with psycopg.connect(auth_url, autocommit=True) as conn:
            conn.execute("UPDATE mqtt_user SET is_superuser = false WHERE username = 'odoo-bridge'")


def test_matrix_command_finds_no_surprise(auth_url, capsys):
    """`sdiot acl matrix` probes sampled devices and exits 0 when every decision is the expected one."""
    assert main(["acl", "matrix", "--database-url", auth_url, "--json", "--limit", "10"]) == 0
    results = json.loads(capsys.readouterr().out)["result"]["checks"]
    assert {r["username"] for r in results} == {"MM001", "MM002", "TS001"}
    assert all(r["decision"] == r["expected"] for r in results)


def test_matrix_on_a_farm_with_no_devices_fails(auth_url, capsys):
    """Zero checks is not a pass: the matrix of an empty farm says so and exits non-zero."""
    assert main(["acl", "matrix", "--database-url", auth_url, "--farm", "no-such-farm"]) == 1
    assert "no active devices in farm 'no-such-farm'" in capsys.readouterr().err
