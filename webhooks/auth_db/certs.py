"""Device certificates: issue (CN = device id), record, revoke, list what expires and what the CRL revokes.

The auth DB records every certificate's public facts (serial, device, validity, revocation);
private keys are returned to the caller once (or never exist here, with a CSR).
"""
import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from webhooks.auth_db.errors import DeviceInactive, InvalidDevice
from webhooks.auth_db.provisioning import get_device

DEFAULT_DAYS = 397  # the CA/Browser ceiling; long enough for a yearly rotation with slack
REASONS = {r.value: r for r in x509.ReasonFlags}
_COLUMNS = ("serial", "username", "not_before", "not_after", "issued_at", "revoked_at", "revocation_reason",
            "fingerprint_sha256")


def _public_key_from_csr(csr_pem, device_id):
    try:
        csr = x509.load_pem_x509_csr(csr_pem)
    except ValueError:
        raise InvalidDevice("the CSR is not a PEM certificate request") from None
    if not csr.is_signature_valid:
        raise InvalidDevice("the CSR's signature does not verify")
    cns = [a.value for a in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    if cns and cns != [device_id]:
        raise InvalidDevice(f"the CSR names CN={cns[0]!r}; it must be the device id {device_id}")
    key = csr.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < 2048 or not isinstance(key, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)):
        raise InvalidDevice("the CSR key must be EC or RSA >= 2048 bits")
    return key


def issue(conn, ca, device_id, csr_pem=None, days=DEFAULT_DAYS):
    """Sign a client certificate for an active device; returns (cert PEM, key PEM or None, record)."""
    device = get_device(conn, device_id)
    if device.get("role", "device") != "device":
        # The certificate listener turns the CN into the username: a service user's certificate
        # would carry its (backend) rights with no password and outside the device tooling.
        raise InvalidDevice(f"{device_id} is a {device['role']} user; certificates are for devices only")
    if not device["active"]:
        raise DeviceInactive(f"device {device_id} is {device['state']}; no certificate for it")
    key_pem = None
    if csr_pem is not None:
        public_key = _public_key_from_csr(csr_pem, device_id)
    else:
        key = ec.generate_private_key(ec.SECP256R1())
        public_key = key.public_key()
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    is_rsa = isinstance(public_key, rsa.RSAPublicKey)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, device_id),
                                        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, device["farm_id"])]))
               .issuer_name(ca.cert.subject).public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=is_rsa,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False))
    if ca.crl_url:  # where EMQX fetches the CRL from (enable_crl_check)
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(ca.crl_url)], relative_name=None, reasons=None,
            crl_issuer=None)]), critical=False)
    cert = builder.sign(ca.key, hashes.SHA256())
    serial = format(cert.serial_number, "x")
    conn.execute(
        "INSERT INTO device_certificate (serial, username, issuer_key_id, fingerprint_sha256, not_before, not_after)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        (serial, device_id, ca.key_id, cert.fingerprint(hashes.SHA256()).hex(),
         cert.not_valid_before_utc, cert.not_valid_after_utc))
    return cert.public_bytes(serialization.Encoding.PEM), key_pem, _record(conn, serial)


def _record(conn, serial):
    row = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM device_certificate WHERE serial = %s", (serial,)).fetchone()
    return _as_dict(row)


def _as_dict(row):
    d = dict(zip(_COLUMNS, row))
    d["device_id"] = d.pop("username")
    for key in ("not_before", "not_after", "issued_at", "revoked_at"):
        d[key] = d[key].isoformat() if d[key] else None
    return d


def revoke_for_device(conn, device_id, reason="unspecified", serial=None):
    """Mark the device's unrevoked certificates (or one serial) revoked; returns the serials."""
    if reason not in REASONS:
        raise InvalidDevice(f"revocation reason must be one of {', '.join(REASONS)}")
    sql = ("UPDATE device_certificate SET revoked_at = now(), revocation_reason = %s"
           " WHERE username = %s AND revoked_at IS NULL")
    params = [reason, device_id]
    if serial is not None:
        sql += " AND serial = %s"
        params.append(serial.lower().lstrip("0") or "0")
    return sorted(r[0] for r in conn.execute(sql + " RETURNING serial", params).fetchall())


def list_for_device(conn, device_id):
    rows = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM device_certificate WHERE username = %s"
                        " ORDER BY issued_at", (device_id,)).fetchall()
    return [_as_dict(r) for r in rows]


def expiring(conn, days=30):
    """Unrevoked certificates of active devices whose not-after falls within ``days``."""
    rows = conn.execute(
        f"SELECT {', '.join('c.' + c for c in _COLUMNS)} FROM device_certificate c"
        " JOIN mqtt_user u ON u.username = c.username"
        " WHERE c.revoked_at IS NULL AND u.active AND c.not_after < now() + make_interval(days => %s)"
        " ORDER BY c.not_after", (days,)).fetchall()
    return [_as_dict(r) for r in rows]


def revoked(conn, ca):
    """What the CRL of ``ca`` lists: its revoked certificates that have not yet expired, as
    ``(serial int, revoked_at, ReasonFlags|None)`` (``ca.publish_crl`` takes them)."""
    rows = conn.execute(
        "SELECT serial, revoked_at, revocation_reason FROM device_certificate"
        " WHERE issuer_key_id = %s AND revoked_at IS NOT NULL AND not_after > now() ORDER BY serial",
        (ca.key_id,)).fetchall()
    return [(int(s, 16), at, REASONS.get(r)) for s, at, r in rows]
