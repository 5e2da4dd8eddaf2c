"""``sdiot acl check|matrix``: what EMQX would decide, from the real queries in ops/emqx/auth.hocon.

``check`` runs the shipped authn query (superuser flag) and authz query against the auth DB and
applies EMQX's matching (webhooks/auth_db/acl.py). Exit status: 0 allow, 1 deny.
``matrix`` probes a sample of devices with their own and others' topics.
"""
from emqx_rules import topic_filter
from webhooks.auth_db import acl, emqx_config
from webhooks.cli.auth_session import add_db_argument, auth_session
from webhooks.cli import EX_CONFIG, CommandError
from webhooks.cli.output import as_json
from webhooks.device_types import BY_NAME


def register(subparsers):
    p = subparsers.add_parser("acl", help="simulate EMQX authorization against the auth DB")
    sub = p.add_subparsers(dest="acl_command", metavar="ACTION", required=True)
    c = sub.add_parser("check", help="may USERNAME publish/subscribe TOPIC?")
    c.add_argument("--username", required=True)
    c.add_argument("--clientid", help="default: the username")
    mode = c.add_mutually_exclusive_group(required=True)
    mode.add_argument("--publish", metavar="TOPIC")
    mode.add_argument("--subscribe", metavar="TOPIC")
    c.add_argument("--qos", type=int, choices=[0, 1, 2], default=0, help="QoS of the publish or subscribe")
    c.add_argument("--retain", action="store_true", help="publish with the retain flag")
    c.set_defaults(func=_check)
    m = sub.add_parser("matrix", help="allowed/denied topics for a sample of devices")
    m.add_argument("--farm")
    m.add_argument("--limit", type=int, default=5, help="devices to sample")
    m.set_defaults(func=_matrix)
    for a in (c, m):
        add_db_argument(a)
        a.add_argument("--emqx-config", help="EMQX auth config (default: ops/emqx/auth.hocon)")


def check(conn, config, username, action, topic, clientid=None, qos=0, retain=False):
    """EMQX's decision for one request, with the deciding row (runs both shipped queries)."""
    try:  # EMQX refuses a malformed topic (or a publish to a wildcard) before authz asks anything
        topic_filter.validate(topic, "name" if action == "publish" else "filter")
    except topic_filter.InvalidTopic as exc:
        raise CommandError(f"EMQX refuses this topic before authz: {exc}") from None
    client = {"username": username, "clientid": clientid or username}
    authn = emqx_config.run_authn(conn, config, username, clientid=client["clientid"])
    superuser = bool(authn and authn.get("is_superuser") in (True, 1, "true", "1"))
    rows = emqx_config.run_authz(conn, config, username, clientid=client["clientid"])
    return acl.decide(rows, client, action, topic, qos=qos, retain=retain,
                      no_match=config.no_match, superuser=superuser)


def _load(args):
    try:
        return emqx_config.load(args.emqx_config)
    except emqx_config.ConfigError as exc:
        raise CommandError(str(exc), EX_CONFIG) from None


def _check(args):
    action, topic = ("publish", args.publish) if args.publish is not None else ("subscribe", args.subscribe)
    config = _load(args)
    with auth_session(args) as conn:
        d = check(conn, config, args.username, action, topic, args.clientid, args.qos, args.retain)
    rule = None if d.rule is None else {k: v for k, v in d.rule.items()}
    if not as_json(args, {"decision": d.decision, "rule": rule, "reason": d.reason, "row": d.index}):
        why = {"superuser": "superuser (authz skipped)", "no_match": f"no row matched (no_match = {config.no_match})",
               "invalid_topic": "a malformed $delayed or $share topic (EMQX denies it)"}
        detail = why.get(d.reason) or (f"row {d.index}: {rule['permission']} {rule['action']} {rule['topic']}"
                                       f" qos={rule['qos'] or 'any'} retain={'any' if rule['retain'] is None else rule['retain']}")
        print(f"{d.decision.upper()}  {args.username} {action} {topic}\n  decided by {detail}")
    return 0 if d.decision == "allow" else 1


def probes(device, other):
    """(action, topic, expected) for one device: its own topics and a sample of what it must not do."""
    base = f"dairy/{device['farm_id']}/{BY_NAME[device['device_type']].path}/{device['device_id']}"
    out = [("publish", f"{base}/{k}", "allow") for k in ("data", "status", "alerts")]
    out += [("subscribe", f"{base}/{k}", "allow") for k in ("commands", "config")]
    out += [("publish", f"{base}/commands", "deny"), ("publish", f"{base}/config", "deny"),
            ("subscribe", f"{base}/data", "deny"), ("subscribe", "#", "deny"),
            ("subscribe", f"dairy/{device['farm_id']}/#", "deny"), ("subscribe", "dairy/+/+/+/commands", "deny"),
            ("subscribe", "$SYS/#", "deny"), ("publish", f"dairy/{device['farm_id']}-other/{base.split('/', 2)[2]}/data", "deny")]
    if other is not None:
        obase = f"dairy/{other['farm_id']}/{BY_NAME[other['device_type']].path}/{other['device_id']}"
        out += [("publish", f"{obase}/data", "deny"), ("subscribe", f"{obase}/commands", "deny")]
    return out


def _matrix(args):
    from webhooks.auth_db.provisioning import list_devices

    config = _load(args)
    results = []
    with auth_session(args) as conn:
        devices = list_devices(conn, farm_id=args.farm, active=True, limit=args.limit + 1)
        if not devices:  # zero checks must not read as "no surprises"
            where = f"farm {args.farm!r}" if args.farm else "the auth DB"
            raise CommandError(f"no active devices in {where}: nothing to check (sdiot devices add ...)")
        for i, device in enumerate(devices[:args.limit]):
            other = devices[(i + 1) % len(devices)] if len(devices) > 1 else None
            for action, topic, expected in probes(device, other):
                d = check(conn, config, device["device_id"], action, topic)
                results.append({"username": device["device_id"], "action": action, "topic": topic,
                                "decision": d.decision, "expected": expected, "row": d.index})
    surprises = [r for r in results if r["decision"] != r["expected"]]
    if not as_json(args, {"checks": results, "unexpected": len(surprises)}):
        for r in results:
            flag = "" if r["decision"] == r["expected"] else "   <-- expected " + r["expected"]
            print(f"{r['username']:10} {r['decision']:5} {r['action']:9} {r['topic']}{flag}")
        print(f"{len(results)} checks, {len(surprises)} unexpected")
    return 1 if surprises else 0
