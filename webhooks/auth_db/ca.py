"""The farm CA on disk: create it, load it, sign device certificates and CRLs with it.

Layout of SDIOT_CA_DIR (default ./var/ca), a 0700 folder: ``ca.key.pem`` (0600, never copied into
a database), ``ca.cert.pem`` (give it to EMQX as the mTLS listener's cacertfile), ``ca.json``
(the CRL URL put into certificates, and the number of the last CRL published). Keys are ECDSA
P-256: small certificates for constrained devices, fast handshakes in a reconnect storm.
"""
import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from webhooks.auth_db.errors import CAError

KEY_FILE, CERT_FILE, META_FILE = "ca.key.pem", "ca.cert.pem", "ca.json"


@dataclass
class CA:
    directory: Path
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    crl_url: str | None

    @property
    def key_id(self):
        """Hex subject key id: certificates and CRLs name their CA by it."""
        return self.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest.hex()


def _write(path, data, mode):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)  # the umask could only make it tighter, but say it exactly
        os.write(fd, data)
    finally:
        os.close(fd)


def init_ca(directory=None, common_name="Smart Dairy farm CA", days=3650, crl_url=None, force=False):
    directory = Path(directory)
    if (directory / KEY_FILE).exists() and not force:
        raise CAError(f"{directory / KEY_FILE} exists; a new CA would orphan every issued certificate (use --force to replace)")
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Smart Dairy IoT")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    _write(directory / KEY_FILE, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()), 0o600)
    _write(directory / CERT_FILE, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    _write(directory / META_FILE, json.dumps({"crl_url": crl_url, "crl_number": 0}).encode(), 0o600)
    return CA(directory, cert, key, crl_url)


def load_ca(directory=None):
    directory = Path(directory)
    try:
        key = serialization.load_pem_private_key((directory / KEY_FILE).read_bytes(), password=None)
        cert = x509.load_pem_x509_certificate((directory / CERT_FILE).read_bytes())
        meta = json.loads((directory / META_FILE).read_text())
    except FileNotFoundError:
        raise CAError(f"no CA in {directory}: run `sdiot ca init` (or set SDIOT_CA_DIR)") from None
    except ValueError as exc:
        raise CAError(f"the CA in {directory} is unreadable: {exc}") from None
    return CA(directory, cert, key, meta.get("crl_url"))


def publish_crl(ca, revoked, path, encoding=serialization.Encoding.PEM, days=7):
    """Sign the next CRL and put it at ``path``, replacing the last one atomically (EMQX, or the web
    server it fetches from, sees the old file or the new one, never half of one).

    CRL numbers must only grow (RFC 5280 5.2.3); the last one is kept beside the key and counts
    publications: it moves on only once the file is in place, so a run that fails spends none."""
    meta_path = ca.directory / META_FILE
    meta = json.loads(meta_path.read_text())
    number = int(meta.get("crl_number", 0)) + 1
    crl = build_crl(ca, revoked, number, days)
    replace_file(Path(path), crl.public_bytes(encoding), 0o644)
    replace_file(meta_path, json.dumps({**meta, "crl_number": number}).encode(), 0o600)
    return crl


def replace_file(path, data, mode):
    """``path`` now holds ``data`` (with ``mode``), or is untouched: a temporary file in the same
    folder, flushed to disk, renamed over it (a rename replaces a planted link, never follows it)."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a power cut
    finally:
        os.close(folder)


def build_crl(ca, revoked, number, days=7):
    """CRL ``number``, as EMQX accepts it: CRL number, AKI and an Issuing Distribution Point (EMQX's
    CRL docs say enforcement needs it), with the revoked ``(serial int, revoked_at, ReasonFlags|None)``."""
    now = dt.datetime.now(dt.timezone.utc)
    idp_name = [x509.UniformResourceIdentifier(ca.crl_url)] if ca.crl_url else None
    builder = (x509.CertificateRevocationListBuilder().issuer_name(ca.cert.subject)
               .last_update(now).next_update(now + dt.timedelta(days=days))
               .add_extension(x509.CRLNumber(number), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
               .add_extension(x509.IssuingDistributionPoint(
                   full_name=idp_name, relative_name=None, only_contains_user_certs=True,
                   only_contains_ca_certs=False, only_some_reasons=None, indirect_crl=False,
                   only_contains_attribute_certs=False), critical=True))
    for serial, revoked_at, reason in revoked:
        entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(revoked_at)
        if reason is not None and reason != x509.ReasonFlags.unspecified:
            entry = entry.add_extension(x509.CRLReason(reason), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(ca.key, hashes.SHA256())
