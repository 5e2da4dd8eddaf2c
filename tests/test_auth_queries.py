"""The authn query shipped in ops/emqx/auth.hocon, run against the migrated schema on PostgreSQL.

The query is read from the file EMQX loads (webhooks/auth_db/emqx_config.py), never copied here.
EMQX's side: apps/emqx_auth_postgresql/src/emqx_authn_postgresql.erl takes the first row's
password_hash, salt and is_superuser; apps/emqx/src/emqx_passwd.erl checks the password.
"""
import json

import pytest

from webhooks.auth_db import emqx_config, hashing
from webhooks.auth_db.database import connect_auth
from webhooks.cli import main
from webhooks.migrations import migrate_up


@pytest.fixture
def auth_url(empty_pg_url, monkeypatch):
    migrate_up("auth", empty_pg_url)
    monkeypatch.setenv("SDIOT_AUTH_DATABASE_URL", empty_pg_url)
    return empty_pg_url


@pytest.fixture
def config():
    return emqx_config.load()


def emqx_authenticates(conn, config, username, password, clientid=None):
    """EMQX's verdict: the first authn row's hash checked with the configured algorithm."""
    row = emqx_config.run_authn(conn, config, username, clientid=clientid or username)
    if row is None:
        return "ignore"
    ok = hashing.check_password(config.hash_algorithm, row["password_hash"], row["salt"], password)
    return "ok" if ok else "bad_username_or_password"


def _add(capsys, device_id="MM001", farm="farm1", device_type="milk_meter"):
    assert main(["devices", "add", "--farm", farm, "--type", device_type, "--id", device_id, "--json"]) == 0
    return json.loads(capsys.readouterr().out)["result"]["password"]


def test_queries_use_only_bound_placeholders(config):
    """The shipped queries bind ${username} unquoted (EMQX makes it a prepared-statement parameter)."""
    for query in (config.authn_query, config.authz_query):
        assert "${username}" in query and "'${" not in query
        evil = "x'; DROP TABLE mqtt_user; --"
        sql, params = emqx_config.bind(query, {"username": evil, "clientid": evil})
        assert params and set(params) == {evil} and "${" not in sql


def test_cli_provisioned_device_authenticates(auth_url, config, capsys):
    """A device added by `sdiot devices add` logs in with its printed secret, and only with it."""
    password = _add(capsys)
    with connect_auth(auth_url) as conn:
        assert emqx_authenticates(conn, config, "MM001", password) == "ok"
        assert emqx_authenticates(conn, config, "MM001", password + "x") == "bad_username_or_password"
        assert emqx_authenticates(conn, config, "MM999", password) == "ignore"
        row = emqx_config.run_authn(conn, config, "MM001")
    assert row["is_superuser"] is False


def test_a_device_cannot_log_in_with_another_devices_client_id(auth_url, config, capsys):
    """Client id = device id: otherwise MM001 could take over MM002's session and its commands."""
    password = _add(capsys)
    _add(capsys, device_id="MM002")
    with connect_auth(auth_url) as conn:
        assert emqx_authenticates(conn, config, "MM001", password, clientid="MM001") == "ok"
        assert emqx_authenticates(conn, config, "MM001", password, clientid="MM002") == "ignore"
        row = emqx_config.run_authn(conn, config, "MM001")
    assert row["is_superuser"] is False


def test_rotation_replaces_the_secret(auth_url, config, capsys):
    """After `sdiot devices rotate` only the new secret works."""
    old = _add(capsys)
    assert main(["devices", "rotate", "MM001", "--json"]) == 0
    new = json.loads(capsys.readouterr().out)["result"]["password"]
    with connect_auth(auth_url) as conn:
        assert emqx_authenticates(conn, config, "MM001", new) == "ok"
        assert emqx_authenticates(conn, config, "MM001", old) == "bad_username_or_password"


@pytest.mark.parametrize("command", ["revoke", "decommission"])
def test_retired_device_gets_no_row(auth_url, config, capsys, command):
    """Revoked and decommissioned devices are unknown to authn (EMQX: ignore, then not_authorized)."""
    password = _add(capsys)
    assert main(["devices", command, "MM001", "--no-kick"]) == 0
    with connect_auth(auth_url) as conn:
        assert emqx_authenticates(conn, config, "MM001", password) == "ignore"


def test_null_salt_is_coalesced(auth_url, config):
    """The authn query never hands EMQX a NULL salt (emqx_passwd would crash on it)."""
    with connect_auth(auth_url) as conn:
        conn.execute("ALTER TABLE mqtt_user ALTER COLUMN salt DROP NOT NULL")  # as if a hand edit slipped in
        digest = hashing.hash_password(config.hash_algorithm, "s3cret", "")
        conn.execute("INSERT INTO mqtt_user (username, role, device_type, farm_id, password_hash, salt)"
                     " VALUES ('TS001', 'device', 'temperature', 'farm1', %s, NULL)", (digest,))
        row = emqx_config.run_authn(conn, config, "TS001")
        assert row["salt"] == ""
        assert emqx_authenticates(conn, config, "TS001", "s3cret") == "ok"


def test_certificate_only_device_cannot_use_a_password(auth_url, config, capsys):
    """A device with no password hash (certificate only) returns no authn row."""
    _add(capsys)
    with connect_auth(auth_url) as conn:
        conn.execute("UPDATE mqtt_user SET password_hash = NULL WHERE username = 'MM001'")
        assert emqx_config.run_authn(conn, config, "MM001") is None


def test_mtls_listener_is_certificate_only():
    """The mTLS listener verifies a mandatory client cert, checks the CRL, and takes identity from the CN."""
    from pyhocon import ConfigFactory

    conf = ConfigFactory.parse_file(str(emqx_config.DEFAULT_PATH), resolve=False)
    listener = conf["listeners"]["ssl"]["devices_mtls"]
    assert listener["enable_authn"] is False
    ssl = listener["ssl_options"]
    assert (ssl["verify"], ssl["fail_if_no_peer_cert"], ssl["enable_crl_check"]) == ("verify_peer", True, True)
    zone = conf["zones"][listener["zone"]]["mqtt"]
    assert zone["peer_cert_as_username"] == "cn"
    assert conf["authorization"]["no_match"] == "deny"


def test_emqx_needs_only_the_documented_grant(auth_url, config, capsys):
    """With only `GRANT SELECT ON mqtt_user, mqtt_acl_rendered`, both shipped queries run."""
    import uuid

    import psycopg

    password = _add(capsys)
    role = f"sdiot_t_emqx_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(auth_url, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" NOLOGIN')
        try:
            conn.execute(f'GRANT SELECT ON mqtt_user, mqtt_acl_rendered TO "{role}"')
            conn.execute(f'SET ROLE "{role}"')
            assert emqx_authenticates(conn, config, "MM001", password) == "ok"
            assert len(emqx_config.run_authz(conn, config, "MM001")) == 9
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SELECT * FROM device_certificate")
        finally:
            conn.execute("RESET ROLE")
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')
