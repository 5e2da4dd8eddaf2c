"""``sdiot ca init`` and ``sdiot certs issue|revoke|crl|expiring``: the farm CA and device certificates.

The CA key stays in SDIOT_CA_DIR (0600); the auth DB records each certificate's serial, device,
validity and revocation. Device keys generated here are written 0600 next to the certificate and
never stored anywhere else.
"""
import os
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from webhooks.auth_db import ca as ca_files
from webhooks.auth_db import certs
from webhooks.cli.auth_session import add_db_argument, auth_session
from webhooks.auth_db import emqx_admin
from webhooks.auth_db.errors import CAError, EmqxError
from webhooks.cli import CommandError
from webhooks.cli.output import as_json


def register(subparsers):
    p = subparsers.add_parser("ca", help="the farm certificate authority")
    sub = p.add_subparsers(dest="ca_command", metavar="ACTION", required=True)
    i = sub.add_parser("init", help="create the farm CA in SDIOT_CA_DIR")
    i.add_argument("--ca-dir", help="default: SDIOT_CA_DIR or ./var/ca")
    i.add_argument("--common-name", default="Smart Dairy farm CA", help="the CA certificate's subject CN")
    i.add_argument("--days", type=int, default=3650, help="validity of the CA certificate")
    i.add_argument("--crl-url", help="HTTP URL where the CRL will be served (put into every certificate; EMQX fetches it)")
    i.add_argument("--force", action="store_true", help="replace an existing CA (orphans issued certificates)")
    i.set_defaults(func=_ca_init)

    p = subparsers.add_parser("certs", help="device certificates (CN = device id)")
    sub = p.add_subparsers(dest="certs_command", metavar="ACTION", required=True)
    a = sub.add_parser("issue", help="issue a client certificate for a device")
    a.add_argument("id")
    a.add_argument("--csr", help="a PEM CSR from the device (its key never leaves it)")
    a.add_argument("--days", type=int, default=certs.DEFAULT_DAYS, help="validity of the certificate")
    a.add_argument("--out-dir", default=".", help="where ID.cert.pem (and ID.key.pem) go")
    a.set_defaults(func=_issue)
    r = sub.add_parser("revoke", help="revoke a device's certificates (then publish a new CRL)")
    r.add_argument("id")
    r.add_argument("--serial", help="only this serial (hex)")
    r.add_argument("--reason", default="keyCompromise", choices=sorted(certs.REASONS), help="the CRL's reason code")
    r.add_argument("--no-kick", action="store_true", help="do not call EMQX to end a live session (no broker here)")
    r.set_defaults(func=_revoke)
    c = sub.add_parser("crl", help="write the CRL (PEM) EMQX fetches from the certificates' CRL URL, "
                                   "replacing the last one")
    c.add_argument("--out", help="default: SDIOT_CA_DIR/crl.pem")
    c.add_argument("--der", action="store_true", help="DER instead of PEM")
    c.add_argument("--days", type=int, default=7, help="next-update distance")
    c.set_defaults(func=_crl)
    e = sub.add_parser("expiring", help="certificates of active devices expiring soon")
    e.add_argument("--days", type=int, default=30, help="the window, from now")
    e.set_defaults(func=_expiring)
    for x in (a, r, c, e):
        add_db_argument(x)
        x.add_argument("--ca-dir", help="default: SDIOT_CA_DIR or ./var/ca")


def _ca_init(args):
    try:
        ca = ca_files.init_ca(args.ca_dir or args.settings.ca_dir, args.common_name, args.days, args.crl_url, args.force)
    except (CAError, OSError) as exc:
        raise CommandError(str(exc)) from None
    if not as_json(args, {"ca_dir": str(ca.directory), "cacertfile": str(ca.directory / ca_files.CERT_FILE),
                          "crl_url": ca.crl_url}):
        print(f"CA created in {ca.directory} (key 0600). Give EMQX {ca.directory / ca_files.CERT_FILE} as cacertfile.")
    return 0


def _load_ca(args):
    try:
        return ca_files.load_ca(args.ca_dir or args.settings.ca_dir)
    except CAError as exc:
        raise CommandError(str(exc)) from None


def _write(path, data, mode):
    """Write a new file with exactly ``mode``: an existing file (or a link planted in its place)
    would keep its own permissions, so a private key could land world-readable."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    except FileExistsError:
        raise CommandError(f"{path} exists; move it away first (a key is never overwritten)") from None
    os.fchmod(fd, mode)  # the umask may have narrowed or widened it
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _issue(args):
    ca = _load_ca(args)
    csr = None
    if args.csr:
        try:
            csr = Path(args.csr).read_bytes()
        except OSError as exc:
            raise CommandError(f"{args.csr}: {exc.strerror or exc}") from None
    out = Path(args.out_dir)
    for name in (f"{args.id}.cert.pem", f"{args.id}.key.pem"):
        if (out / name).exists() or (out / name).is_symlink():  # check before a serial is spent
            raise CommandError(f"{out / name} exists; move it away first (a key is never overwritten)")
    with auth_session(args) as conn:
        cert_pem, key_pem, record = certs.issue(conn, ca, args.id, csr, args.days)
    out.mkdir(parents=True, exist_ok=True)
    _write(out / f"{args.id}.cert.pem", cert_pem, 0o644)
    record["cert_file"] = str(out / f"{args.id}.cert.pem")
    if key_pem is not None:
        _write(out / f"{args.id}.key.pem", key_pem, 0o600)
        record["key_file"] = str(out / f"{args.id}.key.pem")
    if not as_json(args, record):
        print(f"issued serial {record['serial']} for {args.id}, valid until {record['not_after']}: {record['cert_file']}"
              + (f" (key {record['key_file']}, 0600)" if key_pem else ""))
    return 0


def _revoke(args):
    with auth_session(args) as conn:
        serials = certs.revoke_for_device(conn, args.id, args.reason, serial=args.serial)
    # EMQX checks the CRL only at the TLS handshake: a session on the revoked certificate lives on
    # until it is kicked, and reconnecting then meets the new CRL.
    kicked, kick_error = None, None
    emqx = emqx_admin.from_settings_or_none(args.settings) if serials and not args.no_kick else None
    if serials and emqx is None and not args.no_kick:
        kick_error = "EMQX REST API not configured; a live session on this certificate was not kicked"
    elif emqx is not None:
        try:
            kicked = emqx.disconnect_user(args.id)
        except EmqxError as exc:
            kick_error = str(exc)
    if not as_json(args, {"device_id": args.id, "revoked": serials, "kicked": kicked, "kick_error": kick_error}):
        print(f"revoked {', '.join(serials) or 'nothing (no unrevoked certificate)'}; now run `sdiot certs crl` and publish it")
    if kick_error:
        raise CommandError(f"certificates of {args.id} are revoked in the auth DB, but: {kick_error}."
                           " Run the command again to retry (it is safe), or pass --no-kick")
    return 0


def _crl(args):
    ca = _load_ca(args)
    with auth_session(args) as conn:
        revoked = certs.revoked(conn, ca)
    encoding = serialization.Encoding.DER if args.der else serialization.Encoding.PEM
    out = Path(args.out or ca.directory / ("crl.der" if args.der else "crl.pem"))
    try:
        crl = ca_files.publish_crl(ca, revoked, out, encoding, args.days)
    except OSError as exc:
        raise CommandError(f"{out}: {exc.strerror or exc}; no CRL was published (its number is not spent)") from None
    number = crl.extensions.get_extension_for_class(ca_files.x509.CRLNumber).value.crl_number
    if not as_json(args, {"crl_number": number, "revoked": len(crl), "file": str(out),
                          "next_update": crl.next_update_utc}):
        print(f"CRL #{number} with {len(crl)} revoked certificate(s) written to {out}", file=sys.stderr)
    return 0


def _expiring(args):
    with auth_session(args) as conn:
        rows = certs.expiring(conn, args.days)
    if not as_json(args, {"certificates": rows}):
        for r in rows:
            print(f"{r['device_id']:10} {r['serial']:40} {r['not_after']}")
        print(f"{len(rows)} certificate(s) expire within {args.days} days", file=sys.stderr)
    return 0
