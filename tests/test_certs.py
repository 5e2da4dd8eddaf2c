"""The farm CA and device certificates: `sdiot ca init`, `sdiot certs issue|revoke|crl|expiring`."""
import json
import os
import stat

import psycopg
import pytest
import responses
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from webhooks.cli import main
from webhooks.migrations import migrate_up

CRL_URL = "http://crl.farm.test/farm-ca.crl"


@pytest.fixture
def env(empty_pg_url, tmp_path, monkeypatch, capsys):
    migrate_up("auth", empty_pg_url)
    monkeypatch.setenv("SDIOT_AUTH_DATABASE_URL", empty_pg_url)
    monkeypatch.setenv("SDIOT_CA_DIR", str(tmp_path / "ca"))
    assert main(["ca", "init", "--crl-url", CRL_URL]) == 0
    for device_id, device_type in (("MM001", "milk_meter"), ("TS001", "temperature")):
        assert main(["devices", "add", "--farm", "farm1", "--type", device_type, "--id", device_id]) == 0
    capsys.readouterr()
    return {"url": empty_pg_url, "ca": tmp_path / "ca", "out": tmp_path / "out"}


def _issue(env, capsys, device_id="MM001", *extra):
    assert main(["certs", "issue", device_id, "--out-dir", str(env["out"]), "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)["result"]


def _ca_cert(env):
    return x509.load_pem_x509_certificate((env["ca"] / "ca.cert.pem").read_bytes())


def test_ca_key_is_private_and_never_in_the_db(env):
    """The CA key file is 0600 in a 0700 folder, and no auth DB column holds key material."""
    assert stat.S_IMODE(os.stat(env["ca"] / "ca.key.pem").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(env["ca"]).st_mode) == 0o700
    with psycopg.connect(env["url"]) as conn:
        dump = json.dumps(conn.execute("SELECT to_jsonb(c) FROM device_certificate c").fetchall())
    assert "PRIVATE KEY" not in dump


def test_ca_init_refuses_to_overwrite(env, capsys):
    """A second `ca init` would orphan every certificate; it is refused without --force."""
    assert main(["ca", "init"]) == 1
    assert "--force" in capsys.readouterr().err


def test_issued_certificate_verifies_against_the_ca(env, capsys):
    """CN = device id, client-auth usage, signed by the farm CA, recorded in the auth DB."""
    record = _issue(env, capsys)
    cert = x509.load_pem_x509_certificate((env["out"] / "MM001.cert.pem").read_bytes())
    ca = _ca_cert(env)
    cert.verify_directly_issued_by(ca)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "MM001"
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert cdp[0].full_name[0].value == CRL_URL
    assert record["serial"] == format(cert.serial_number, "x")
    assert stat.S_IMODE(os.stat(env["out"] / "MM001.key.pem").st_mode) == 0o600
    key = serialization.load_pem_private_key((env["out"] / "MM001.key.pem").read_bytes(), None)
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()


def test_issue_from_a_csr_keeps_the_key_on_the_device(env, tmp_path, capsys):
    """With --csr the certificate carries the CSR's key and no key file is written."""
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TS001")])).sign(key, hashes.SHA256()))
    (tmp_path / "ts.csr").write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    _issue(env, capsys, "TS001", "--csr", str(tmp_path / "ts.csr"))
    cert = x509.load_pem_x509_certificate((env["out"] / "TS001.cert.pem").read_bytes())
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    assert not (env["out"] / "TS001.key.pem").exists()


def test_csr_for_another_device_is_refused(env, tmp_path, capsys):
    """A CSR whose CN names a different device is refused."""
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "MM001")])).sign(key, hashes.SHA256()))
    (tmp_path / "bad.csr").write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    assert main(["certs", "issue", "TS001", "--csr", str(tmp_path / "bad.csr"), "--out-dir", str(env["out"])]) == 65
    assert "must be the device id" in capsys.readouterr().err


def test_revoked_serials_appear_in_the_crl(env, capsys):
    """Revoked serials (and only those) are in a CRL signed by the CA with the extensions EMQX needs."""
    revoked = _issue(env, capsys)["serial"]
    kept = _issue(env, capsys, "TS001")["serial"]
    assert main(["certs", "revoke", "MM001", "--json", "--no-kick"]) == 0
    assert json.loads(capsys.readouterr().out)["result"]["revoked"] == [revoked]
    assert main(["certs", "crl"]) == 0
    crl = x509.load_pem_x509_crl((env["ca"] / "crl.pem").read_bytes())
    ca = _ca_cert(env)
    assert crl.is_signature_valid(ca.public_key()) and crl.issuer == ca.subject
    assert crl.get_revoked_certificate_by_serial_number(int(revoked, 16)) is not None
    assert crl.get_revoked_certificate_by_serial_number(int(kept, 16)) is None
    reason = crl.get_revoked_certificate_by_serial_number(int(revoked, 16)).extensions.get_extension_for_class(x509.CRLReason)
    assert reason.value.reason == x509.ReasonFlags.key_compromise
    idp = crl.extensions.get_extension_for_class(x509.IssuingDistributionPoint)
    assert idp.critical and idp.value.full_name[0].value == CRL_URL and idp.value.only_contains_user_certs
    aki = crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    first = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    assert main(["certs", "crl", "--der"]) == 0
    der = x509.load_der_x509_crl((env["ca"] / "crl.der").read_bytes())
    assert der.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == first + 1


def test_revoking_the_device_revokes_its_certificates(env, capsys):
    """`sdiot devices revoke` also revokes the device's certificates, so the next CRL lists them."""
    serial = _issue(env, capsys)["serial"]
    assert main(["devices", "revoke", "MM001", "--no-kick"]) == 0
    main(["certs", "crl"])
    crl = x509.load_pem_x509_crl((env["ca"] / "crl.pem").read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(int(serial, 16)) is not None
    assert main(["certs", "issue", "MM001", "--out-dir", str(env["out"])]) == 1  # no new cert for it


def test_expiring_lists_certificates_within_the_window(env, capsys):
    """expiring --days N lists unrevoked certificates of active devices ending within N days."""
    short = _issue(env, capsys, "MM001", "--days", "10")["serial"]
    _issue(env, capsys, "TS001", "--days", "365")
    assert main(["certs", "expiring", "--days", "30", "--json"]) == 0
    assert [r["serial"] for r in json.loads(capsys.readouterr().out)["result"]["certificates"]] == [short]
    assert main(["certs", "revoke", "MM001", "--no-kick"]) == 0
    capsys.readouterr()
    assert main(["certs", "expiring", "--days", "30", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"]["certificates"] == []


def test_missing_ca_is_a_clean_error(env, tmp_path, capsys, monkeypatch):
    """Without a CA, issue says to run `sdiot ca init`."""
    monkeypatch.setenv("SDIOT_CA_DIR", str(tmp_path / "nothing"))
    assert main(["certs", "issue", "MM001"]) == 1
    assert "sdiot ca init" in capsys.readouterr().err


EMQX_API = "http://emqx.test:18083/api/v5"


@responses.activate
def test_revoking_a_certificate_kicks_its_live_session(env, monkeypatch, capsys):
    """EMQX checks the CRL only at the handshake, so revoke also ends the session on that certificate.

    Shapes as in emqx/emqx apps/emqx_management/src/emqx_mgmt_api_clients.erl (DELETE /clients/:id → 204).
    """
    for name, value in (("URL", "http://emqx.test:18083"), ("KEY", "k"), ("SECRET", "s")):
        monkeypatch.setenv(f"SDIOT_EMQX_API_{name}", value)
    responses.get(f"{EMQX_API}/clients", json={"data": [], "meta": {"page": 1, "limit": 100, "hasnext": False,
                                                                      "count": 0}})
    responses.delete(f"{EMQX_API}/clients/MM001/authorization/cache", status=204)
    responses.delete(f"{EMQX_API}/clients/MM001", status=204)
    responses.post(f"{EMQX_API}/authorization/node_cache/reset", status=204)
    responses.post(f"{EMQX_API}/authentication/node_cache/reset", status=204)
    _issue(env, capsys)
    assert main(["certs", "revoke", "MM001", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)["result"]
    assert result["kicked"] == ["MM001"] and result["kick_error"] is None and len(result["revoked"]) == 1


def test_revoke_without_emqx_fails_loudly_unless_no_kick(env, capsys):
    """Without the EMQX API the revocation is stored but the command says the session lives on."""
    _issue(env, capsys)
    assert main(["certs", "revoke", "MM001"]) == 1
    assert "not kicked" in capsys.readouterr().err


def test_service_users_get_no_certificate(env, capsys):
    """A backend user's certificate would carry backend rights on the cert-only listener: refused."""
    assert main(["devices", "add-backend", "--name", "bridge-f1", "--farm", "farm1"]) == 0
    capsys.readouterr()
    assert main(["certs", "issue", "bridge-f1", "--out-dir", str(env["out"])]) == 65
    assert "devices only" in capsys.readouterr().err


def test_an_existing_key_file_is_never_overwritten(env, capsys):
    """A planted or old key file keeps its permissions; issuing refuses rather than write into it."""
    env["out"].mkdir()
    planted = env["out"] / "MM001.key.pem"
    planted.write_text("old")
    planted.chmod(0o644)
    assert main(["certs", "issue", "MM001", "--out-dir", str(env["out"])]) == 1
    assert planted.read_text() == "old" and "exists" in capsys.readouterr().err


def _crl_number(path):
    return x509.load_pem_x509_crl(path.read_bytes()).extensions.get_extension_for_class(x509.CRLNumber).value.crl_number


def test_crl_twice_replaces_the_file_with_the_next_number(env, capsys):
    """`certs revoke X && certs crl`, run again: the CRL is replaced (no leftover temp file), numbered 1 then 2."""
    serial = _issue(env, capsys)["serial"]
    assert main(["certs", "crl"]) == 0
    assert main(["certs", "revoke", "MM001", "--no-kick"]) == 0
    capsys.readouterr()
    assert main(["certs", "crl", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["command"] == "certs crl" and doc["result"]["crl_number"] == 2 and doc["result"]["revoked"] == 1
    crl = env["ca"] / "crl.pem"
    assert _crl_number(crl) == 2 and stat.S_IMODE(os.stat(crl).st_mode) == 0o644
    assert x509.load_pem_x509_crl(crl.read_bytes()).get_revoked_certificate_by_serial_number(int(serial, 16))
    assert sorted(p.name for p in env["ca"].iterdir()) == ["ca.cert.pem", "ca.json", "ca.key.pem", "crl.pem"]


def test_a_crl_that_could_not_be_written_spends_no_number(env, tmp_path, capsys):
    """A run that fails to put its file in place leaves the last number as it was: the next CRL is #1."""
    assert main(["certs", "crl", "--out", str(tmp_path / "no-such-folder" / "crl.pem")]) == 1
    assert "no CRL was published" in capsys.readouterr().err
    assert json.loads((env["ca"] / "ca.json").read_text())["crl_number"] == 0
    assert main(["certs", "crl"]) == 0
    assert _crl_number(env["ca"] / "crl.pem") == 1
