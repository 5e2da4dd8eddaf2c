"""``sdiot devices add|import|list|show|rotate|revoke|decommission|config``: device provisioning.

Secrets are printed once (``"password"`` with --json) and stored only as salted hashes. revoke
and decommission also kick the live session through EMQX's REST API (SDIOT_EMQX_API_*).
"""
import json
import os
import sys

from webhooks.auth_db import certs, device_config, lifecycle, provisioning
from webhooks.cli.auth_session import add_db_argument, auth_session
from webhooks.auth_db import emqx_admin
from webhooks.cli import EX_CONFIG, EX_DATAERR, EX_USAGE, CommandError
from webhooks.cli.output import as_json
from webhooks.cli.progress import Progress
from webhooks.device_types import BY_NAME


def register(subparsers):
    p = subparsers.add_parser("devices", help="provision, list, rotate, revoke and configure devices")
    sub = p.add_subparsers(dest="devices_command", metavar="ACTION", required=True)

    def action(name, func, help_text):
        a = sub.add_parser(name, help=help_text)
        add_db_argument(a)
        a.set_defaults(func=func)
        return a

    a = action("add", _add, "add one device and print its secret (once)")
    a.add_argument("--farm", required=True)
    a.add_argument("--type", required=True, choices=sorted(BY_NAME))
    a.add_argument("--id", required=True, help="device id, e.g. MM001")
    a = action("add-backend", _add_backend, "add a platform service user (role backend) and print its secret")
    a.add_argument("--name", required=True, help="lowercase, e.g. odoo-bridge")
    a.add_argument("--farm", help="limit it to one farm (default: every farm)")
    a = action("import", _import, "add every device of a CSV (farm_id,device_type,device_id) or none")
    a.add_argument("file", help="UTF-8 CSV, with or without a byte-order mark (Excel's \"CSV UTF-8\")")
    a.add_argument("--out", help="write the secrets CSV here (0600) instead of standard output")
    a = action("list", _list, "list devices")
    a.add_argument("--farm")
    a.add_argument("--type", choices=sorted(BY_NAME))
    a.add_argument("--state", choices=["active", "inactive"])
    a.add_argument("--limit", type=int, default=1000, help="devices to list at most")
    action("show", _show, "one device with its certificates and config").add_argument("id")
    action("rotate", _rotate, "give a device a new secret (printed once)").add_argument("id")
    for name, help_text in (("revoke", "deactivate a device, revoke its certificates, kick it"),
                            ("decommission", "retire a device for good (id stays reserved)")):
        a = action(name, _retire, help_text)
        a.add_argument("id")
        a.add_argument("--no-kick", action="store_true", help="do not call EMQX (no broker here)")
    a = action("config", _config, "show or change a device's config; changes are published retained")
    a.add_argument("id")
    a.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="VALUE is JSON, else a string")
    a.add_argument("--unset", action="append", default=[], metavar="KEY")
    a.add_argument("--replace", action="store_true", help="replace the whole config with the --set keys")
    a.add_argument("--no-publish", action="store_true", help="store only; publish later")


def _emqx(args):
    return None if getattr(args, "no_kick", False) else emqx_admin.from_settings_or_none(args.settings)


def _secret(c):
    return {"device_id": c.device_id, "farm_id": c.farm_id, "device_type": c.device_type, "password": c.password}


def _credentials(args, c):
    if not as_json(args, _secret(c)):
        print(f"{c.device_id} ({c.device_type or 'backend'}, farm {c.farm_id or 'all'})\npassword (shown once, store it now): {c.password}")
    return 0


def _add(args):
    with auth_session(args) as conn:
        return _credentials(args, provisioning.add_device(conn, args.farm, args.type, args.id))


def _add_backend(args):
    with auth_session(args) as conn:
        return _credentials(args, provisioning.add_service_user(conn, args.name, farm_id=args.farm))


def _open_secrets_file(path):
    try:
        return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w")
    except OSError as exc:
        raise CommandError(f"--out {path}: {exc.strerror or exc} (it must not exist yet; nothing was imported)") from None


def _import(args):
    try:
        # utf-8-sig: Excel's "CSV UTF-8" starts with a byte-order mark, which would end up in the
        # first header name ("\ufefffarm_id") and make the header look wrong.
        with open(args.file, newline="", encoding="utf-8-sig") as fh:
            lines = fh.read().splitlines()
    except OSError as exc:
        raise CommandError(f"{args.file}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise CommandError(f"{args.file}: not UTF-8 ({exc.reason} at byte {exc.start}); save it as \"CSV UTF-8\"",
                           EX_DATAERR) from None
    out = _open_secrets_file(args.out) if args.out else None  # before importing: secrets are shown once
    try:
        with auth_session(args) as conn, Progress("importing", quiet=getattr(args, "json", False)) as progress:
            created = provisioning.import_devices(conn, provisioning.read_csv(lines), progress=progress)
    except BaseException:
        if out is not None:
            out.close()
            os.unlink(args.out)
        raise
    rows = ["device_id,farm_id,device_type,password"] + [
        f"{c.device_id},{c.farm_id},{c.device_type},{c.password}" for c in created]
    if out is not None:
        with out:
            out.write("\n".join(rows) + "\n")
        if not as_json(args, {"imported": len(created), "secrets_file": args.out}):
            print(f"imported {len(created)} devices; secrets in {args.out} (shown once)", file=sys.stderr)
    elif not as_json(args, {"imported": len(created), "devices": [_secret(c) for c in created]}):
        print("\n".join(rows))
    return 0


def _list(args):
    active = None if args.state is None else args.state == "active"
    with auth_session(args) as conn:
        devices = provisioning.list_devices(conn, args.farm, args.type, active, limit=args.limit)
    if as_json(args, {"devices": devices}):
        return 0
    for d in devices:
        print(f"{d['device_id']:10} {d['device_type']:14} {d['farm_id']:20} {d['state']}")
    print(f"{len(devices)} device(s)", file=sys.stderr)
    return 0


def _show(args):
    with auth_session(args) as conn:
        device = provisioning.get_device(conn, args.id)
        device["certificates"] = certs.list_for_device(conn, args.id)
        device["config"] = device_config.get_config(conn, args.id)
    if not as_json(args, device):
        for key, value in device.items():
            shown = json.dumps(value, default=str) if isinstance(value, (list, dict)) else value
            print(f"{key:18} {'-' if shown is None else shown}")
    return 0


def _rotate(args):
    with auth_session(args) as conn:
        return _credentials(args, provisioning.rotate(conn, args.id))


def _retire(args):
    func = lifecycle.revoke if args.devices_command == "revoke" else lifecycle.decommission
    with auth_session(args) as conn:
        result = func(conn, args.id, _emqx(args))
    if not as_json(args, result):
        print(f"{args.id}: {result['device']['state']}; certificates revoked: {', '.join(result['revoked_certificates']) or 'none'}")
        if result["kicked"] is not None:
            print(f"kicked: {', '.join(result['kicked']) or 'no live session'}")
    if result["kick_error"] and not args.no_kick:
        raise CommandError(f"{args.id} is {result['device']['state']} in the auth DB, but: {result['kick_error']}."
                           f" Run the command again to retry (it is safe), or pass --no-kick")
    return 0


def _parse_set(items):
    out = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise CommandError(f"--set {item!r}: expected KEY=VALUE", EX_USAGE)
        try:
            out[key] = json.loads(raw)
        except ValueError:
            out[key] = raw
    return out


def _config(args):
    changes = _parse_set(args.set)
    with auth_session(args) as conn:
        if changes or args.unset or args.replace:
            record = device_config.set_config(conn, args.id, changes, merge=not args.replace, unset=args.unset)
            if not args.no_publish:
                emqx = emqx_admin.from_settings_or_none(args.settings)
                if emqx is None:
                    raise CommandError(f"stored config version {record['version']} but did not publish: set "
                                       "SDIOT_EMQX_API_URL/_KEY/_SECRET (or pass --no-publish)", EX_CONFIG)
                record = device_config.publish(conn, emqx, args.id)
        else:
            record = device_config.get_config(conn, args.id)
    if not as_json(args, record):
        published = record["published_version"]
        print(f"{record['device_id']} config v{record['version']} "
              f"({'never published' if published is None else f'published v{published}'}) -> {record['topic']}")
        print(json.dumps(record["config"], indent=2, sort_keys=True))
    return 0
