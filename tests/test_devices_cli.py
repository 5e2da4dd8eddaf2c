"""`sdiot devices` on a real auth DB: CSV import all-or-nothing, listing, config, revocation.

EMQX is faked at the transport with ``responses``, shaped as in emqx/emqx:
apps/emqx_management/src/emqx_mgmt_api_clients.erl and emqx_mgmt_api_publish.erl.
"""
import json
import os
import stat

import psycopg
import pytest
import responses

from webhooks.cli import main
from webhooks.migrations import migrate_up

EMQX = "http://emqx.test:18083/api/v5"
CSV_HEADER = "farm_id,device_type,device_id\n"


@pytest.fixture
def auth_url(empty_pg_url, monkeypatch):
    migrate_up("auth", empty_pg_url)
    monkeypatch.setenv("SDIOT_AUTH_DATABASE_URL", empty_pg_url)
    for name in ("URL", "KEY", "SECRET"):
        monkeypatch.delenv(f"SDIOT_EMQX_API_{name}", raising=False)
    return empty_pg_url


def _count(url):
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM mqtt_user").fetchone()[0]


def test_import_adds_every_row_and_writes_secrets_0600(auth_url, tmp_path, capsys):
    """A clean CSV adds every device; the secrets file is 0600 and holds one secret per device."""
    farm = tmp_path / "farm.csv"
    rows = [f"farm1,{t},{p}{n:03d}" for t, p in (("milk_meter", "MM"), ("collar", "AC")) for n in range(1, 26)]
    farm.write_text(CSV_HEADER + "\n".join(rows) + "\n")
    out = tmp_path / "secrets.csv"
    assert main(["devices", "import", str(farm), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "50/50" in err and "imported 50 devices" in err
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    lines = out.read_text().splitlines()
    assert lines[0] == "device_id,farm_id,device_type,password" and len(lines) == 51
    assert len({line.split(",")[3] for line in lines[1:]}) == 50
    assert _count(auth_url) == 50


def test_import_is_all_or_nothing_with_a_report(auth_url, tmp_path, capsys):
    """One bad row (or a duplicate, or an existing id) imports nothing and every bad line is reported."""
    assert main(["devices", "add", "--farm", "farm1", "--type", "gate", "--id", "GT001"]) == 0
    farm = tmp_path / "farm.csv"
    farm.write_text(CSV_HEADER + "farm1,milk_meter,MM001\n"
                    "farm1,milk_meter,TS002\n"  # line 3: wrong prefix
                    "farm1,milk_meter,MM001\n"  # line 4: duplicate in file
                    "farm1,gate,GT001\n"  # line 5: exists
                    "farm/x,feeder,FD001\n")  # line 6: bad farm
    capsys.readouterr()
    assert main(["devices", "import", str(farm)]) == 65  # EX_DATAERR
    err = capsys.readouterr().err
    for line in ("line 3: TS002", "line 4: MM001: duplicate of line 2", "line 5: GT001: already exists", "line 6: FD001"):
        assert line in err
    assert "nothing was imported" in err
    assert _count(auth_url) == 1


def test_import_needs_the_header(auth_url, tmp_path, capsys):
    """A CSV without the expected header is refused with the columns it needs."""
    farm = tmp_path / "farm.csv"
    farm.write_text("farm1,milk_meter,MM001\n")
    assert main(["devices", "import", str(farm)]) == 65
    assert "farm_id,device_type,device_id" in capsys.readouterr().err


def test_list_and_show(auth_url, capsys):
    """list prints devices with their state; show --json gives the device, certificates and config."""
    main(["devices", "add", "--farm", "farm1", "--type", "feeder", "--id", "FD001"])
    main(["devices", "add", "--farm", "farm2", "--type", "feeder", "--id", "FD002"])
    main(["devices", "revoke", "FD002", "--no-kick"])
    capsys.readouterr()
    assert main(["devices", "list", "--state", "active", "--json"]) == 0
    assert [d["device_id"] for d in json.loads(capsys.readouterr().out)["result"]["devices"]] == ["FD001"]
    assert main(["devices", "show", "FD002", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["result"]
    assert shown["state"] == "revoked" and shown["certificates"] == [] and shown["config"]["version"] == 0


def test_add_prints_the_secret_once(auth_url, capsys):
    """add prints the secret; nothing later shows it again."""
    main(["devices", "add", "--farm", "farm1", "--type", "environmental", "--id", "EN001", "--json"])
    password = json.loads(capsys.readouterr().out)["result"]["password"]
    main(["devices", "show", "EN001", "--json"])
    main(["devices", "list", "--json"])
    assert password not in capsys.readouterr().out


def test_unreachable_database_is_a_clean_error(monkeypatch, capsys):
    """A missing (78, EX_CONFIG) or unreachable (69, EX_UNAVAILABLE) auth DB is an operator message, not a traceback."""
    monkeypatch.delenv("SDIOT_AUTH_DATABASE_URL", raising=False)
    assert main(["devices", "list"]) == 78
    assert "SDIOT_AUTH_DATABASE_URL" in capsys.readouterr().err
    assert main(["devices", "list", "--database-url", "postgresql://postgres@127.0.0.1:1/x"]) == 69
    assert "cannot reach the auth DB" in capsys.readouterr().err


@responses.activate
def test_config_set_merges_and_publishes(auth_url, monkeypatch, capsys):
    """config --set merges keys (JSON values, else strings), bumps the version, publishes retained."""
    monkeypatch.setenv("SDIOT_EMQX_API_URL", "http://emqx.test:18083")
    monkeypatch.setenv("SDIOT_EMQX_API_KEY", "k")
    monkeypatch.setenv("SDIOT_EMQX_API_SECRET", "s")
    responses.post(f"{EMQX}/publish", status=202, json={"reason_code": 16, "message": "no_matching_subscribers"})
    main(["devices", "add", "--farm", "farm1", "--type", "temperature", "--id", "TS001"])
    assert main(["devices", "config", "TS001", "--set", "interval_s=60", "--set", "mode=eco", "--json"]) == 0
    assert main(["devices", "config", "TS001", "--set", "interval_s=30", "--unset", "mode", "--json"]) == 0
    capsys.readouterr()
    assert main(["devices", "config", "TS001", "--set", "interval_s=30", "--json"]) == 0  # no change
    record = json.loads(capsys.readouterr().out)["result"]
    assert (record["config"], record["version"], record["published_version"]) == ({"interval_s": 30}, 2, 2)
    last = json.loads(responses.calls[-1].request.body)
    assert last["topic"] == "dairy/farm1/temperature/TS001/config" and last["retain"] is True
    assert json.loads(last["payload"]) == {"device_id": "TS001", "version": 2, "config": {"interval_s": 30}}


def test_config_without_emqx_is_stored_not_published(auth_url, capsys):
    """Without SDIOT_EMQX_API_* the change is stored and the command says it was not published."""
    main(["devices", "add", "--farm", "farm1", "--type", "temperature", "--id", "TS001"])
    assert main(["devices", "config", "TS001", "--set", "interval_s=60"]) == 78  # EX_CONFIG
    assert "did not publish" in capsys.readouterr().err
    assert main(["devices", "config", "TS001", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)["result"]
    assert record["config"] == {"interval_s": 60} and record["published_version"] is None


@responses.activate
def test_revoke_kicks_through_emqx(auth_url, monkeypatch, capsys):
    """revoke without --no-kick clears the authz cache and kicks the device's session."""
    monkeypatch.setenv("SDIOT_EMQX_API_URL", "http://emqx.test:18083/")
    monkeypatch.setenv("SDIOT_EMQX_API_KEY", "k")
    monkeypatch.setenv("SDIOT_EMQX_API_SECRET", "s")
    responses.get(f"{EMQX}/clients", json={"data": [], "meta": {"page": 1, "limit": 100, "hasnext": False, "count": 0}})
    responses.delete(f"{EMQX}/clients/AC001/authorization/cache", status=204)
    responses.delete(f"{EMQX}/clients/AC001", status=204)
    responses.post(f"{EMQX}/authorization/node_cache/reset", status=204)
    responses.post(f"{EMQX}/authentication/node_cache/reset", status=204)
    main(["devices", "add", "--farm", "farm1", "--type", "collar", "--id", "AC001"])
    capsys.readouterr()
    assert main(["devices", "revoke", "AC001", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)["result"]
    assert result["kicked"] == ["AC001"] and result["device"]["state"] == "revoked"


def test_existing_secrets_file_stops_the_import_first(auth_url, tmp_path, capsys):
    """--out must be a new file; otherwise nothing is imported (secrets could not be shown)."""
    farm = tmp_path / "farm.csv"
    farm.write_text(CSV_HEADER + "farm1,milk_meter,MM001\n")
    out = tmp_path / "secrets.csv"
    out.write_text("old")
    assert main(["devices", "import", str(farm), "--out", str(out)]) == 1
    assert "nothing was imported" in capsys.readouterr().err
    assert _count(auth_url) == 0 and out.read_text() == "old"


def test_failed_import_leaves_no_secrets_file(auth_url, tmp_path):
    """A refused import removes the (empty) secrets file it reserved."""
    farm = tmp_path / "farm.csv"
    farm.write_text(CSV_HEADER + "farm1,milk_meter,XX001\n")
    assert main(["devices", "import", str(farm), "--out", str(tmp_path / "s.csv")]) == 65
    assert not (tmp_path / "s.csv").exists()


def test_a_service_users_secret_can_be_rotated_and_revoked(auth_url, capsys):
    """A leaked backend secret is handled with the same commands as a device's."""
    assert main(["devices", "add-backend", "--name", "bridge-f1", "--farm", "farm1", "--json"]) == 0
    old = json.loads(capsys.readouterr().out)["result"]["password"]
    assert main(["devices", "rotate", "bridge-f1", "--json"]) == 0
    new = json.loads(capsys.readouterr().out)["result"]["password"]
    assert new != old
    assert main(["devices", "revoke", "bridge-f1", "--no-kick", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"]["device"]["state"] == "revoked"


def test_import_reads_excels_csv_utf8_with_its_byte_order_mark(auth_url, tmp_path, capsys):
    """Excel's "CSV UTF-8" starts with a UTF-8 BOM; the header is still recognised and every row imported."""
    farm = tmp_path / "farm.csv"
    farm.write_bytes(b"\xef\xbb\xbf" + (CSV_HEADER + "farm1,milk_meter,MM001\r\nfarm1,collar,AC001\r\n").encode())
    assert main(["devices", "import", str(farm), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)["result"]
    assert result["imported"] == 2 and [d["device_id"] for d in result["devices"]] == ["MM001", "AC001"]
    assert _count(auth_url) == 2


def test_config_never_published_says_so_not_none(auth_url, capsys):
    """A config stored but never published reads "never published", not "published vNone"."""
    main(["devices", "add", "--farm", "farm1", "--type", "temperature", "--id", "TS001"])
    assert main(["devices", "config", "TS001", "--set", "interval_s=60", "--no-publish"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if " config v1 " in line)
    assert "(never published)" in line and "None" not in line
