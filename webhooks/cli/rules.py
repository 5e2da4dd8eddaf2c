"""``sdiot rules lint|test|plan|apply|status|export|replay``: EMQX rules as code.

Rule files live in emqx_rules/rules/, connectors in emqx_rules/connectors/, cases in
emqx_rules/cases/ (see emqx_rules/loader.py). The broker is reached at SDIOT_EMQX_API_URL with
SDIOT_EMQX_API_KEY / SDIOT_EMQX_API_SECRET; the webhook tier's URL and token for the connector
come from SDIOT_WEBHOOK_URL and the first of SDIOT_WEBHOOK_TOKENS.
"""
import os
from pathlib import Path

from webhooks.cli import EX_CONFIG, EX_DATAERR, EX_UNAVAILABLE, CommandError
from webhooks.cli.output import as_json


def register(subparsers):
    p = subparsers.add_parser("rules", help="lint, test and apply the EMQX rules in emqx_rules/")
    p.add_argument("--rules-dir", type=Path, help="default: emqx_rules/rules")
    p.add_argument("--connectors-dir", type=Path, help="default: emqx_rules/connectors")
    p.add_argument("--cases-dir", type=Path, help="default: emqx_rules/cases")
    sub = p.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    sub.add_parser("lint", help="parse every rule, check its action, warn on known traps")
    t = sub.add_parser("test", help="run the case files offline (--live: also against a broker)")
    t.add_argument("--live", action="store_true", help="compare with the broker's /api/v5/rule_test")
    pl = sub.add_parser("plan", help="show what apply would change on the broker")
    pl.add_argument("--prune", action="store_true", help="also delete managed rules not in the files")
    ap = sub.add_parser("apply", help="create/update rules, actions and connectors on the broker")
    ap.add_argument("--prune", action="store_true", help="also delete managed objects not in the files")
    st = sub.add_parser("status", help="compare the broker with the files")
    st.add_argument("--exit-code", action="store_true", help="exit 1 when the broker has drifted")
    ex = sub.add_parser("export", help="write the broker's rules as rule files")
    ex.add_argument("--out", type=Path, required=True, help="folder to write <rule_id>.toml into")
    ex.add_argument("--managed-only", action="store_true", help="only rules this tool manages")
    rp = sub.add_parser("replay", help="run recorded MQTT messages through the rules and POST the outputs")
    rp.add_argument("file", type=Path, help="JSONL: topic, payload, clientid, username, qos, time")
    rp.add_argument("--to", required=True, help="webhook tier base URL, e.g. http://127.0.0.1:8000")
    rp.add_argument("--token", help="bearer token (default: first of SDIOT_WEBHOOK_TOKENS)")
    p.set_defaults(func=run)


def run(args):
    from emqx_rules import loader

    try:
        ruleset = loader.load(args.rules_dir or loader.RULES_DIR, args.connectors_dir or loader.CONNECTORS_DIR)
    except loader.RuleFileError as exc:
        raise CommandError(str(exc), EX_DATAERR) from None
    cases_dir = args.cases_dir or loader.CASES_DIR
    case_files = lambda rule_id: loader.case_files(rule_id, cases_dir)  # noqa: E731
    return _COMMANDS[args.rules_command](args, ruleset, case_files)


def _lint(args, ruleset, case_files):
    from emqx_rules.lint import lint

    findings = lint(ruleset, case_files=case_files)
    errors = sum(f.level == "error" for f in findings)
    if not as_json(args, {"rules": len(ruleset.rules), "errors": errors, "warnings": len(findings) - errors,
                          "findings": [{"level": f.level, "rule_id": f.rule_id, "message": f.message,
                                        "file": None if f.file is None else str(f.file)} for f in findings]}):
        for f in findings:
            print(f)
        print(f"{len(ruleset.rules)} rules, {errors} errors, {len(findings) - errors} warnings")
    return 1 if errors else 0


def _test(args, ruleset, case_files):
    from emqx_rules import case_runner

    failures, total = [], 0
    for rule in ruleset.rules.values():
        for path in case_files(rule.id):
            total += 1
            try:
                result = case_runner.run_case(rule, path)
            except case_runner.CaseFileError as exc:
                result = case_runner.CaseResult(rule.id, path.stem, False, str(exc))
            if not result.ok:
                failures.append(result)
    report = {"passed": total - len(failures), "failed": len(failures), "live": None,
              "failures": [{"rule_id": r.rule_id, "case": r.name, "detail": r.detail} for r in failures]}
    quiet = as_json(args, report)
    if not quiet:
        for r in failures:
            print(f"FAIL {r.rule_id}/{r.name}: {r.detail}")
        print(f"{total - len(failures)} passed, {len(failures)} failed")
    found = []
    if args.live:
        from emqx_rules.live_test import compare
        from webhooks.emqx_api import EmqxApiError

        try:
            found = compare(_api(args), ruleset, case_files)
        except EmqxApiError as exc:
            raise _emqx_failed(exc) from None
        report["live"] = [{"rule_id": d.rule_id, "case": d.case, "offline": d.offline, "broker": d.live}
                          for d in found]
        if not quiet:
            for d in found:
                print(f"DISAGREE {d.rule_id}/{d.case}:\n  offline {d.offline!r}\n  broker  {d.live!r}")
            print(f"live: {len(found)} disagreement(s) with the broker")
    return 1 if failures or found else 0


def _api(args):
    from emqx_rules.rules_api import RulesApi
    from webhooks.emqx_api import EmqxApiError

    try:
        return RulesApi.from_settings(args.settings)
    except EmqxApiError as exc:  # SDIOT_EMQX_API_* not set
        raise CommandError(str(exc), EX_CONFIG) from None


def _emqx_failed(exc):
    """EMQX not reached, or answering 5xx, is unavailable; any other answer is a refusal."""
    unavailable = exc.status is None or exc.status >= 500
    return CommandError(str(exc), EX_UNAVAILABLE if unavailable else 1,
                        "check SDIOT_EMQX_API_URL and that the broker is up" if exc.status is None else None)


def _changes(args, ruleset):
    from emqx_rules import desired, plan
    from webhooks.emqx_api import EmqxApiError

    try:
        want = desired.render(ruleset, os.environ)
    except desired.MissingSetting as exc:
        raise CommandError(str(exc), EX_CONFIG) from None
    try:
        have = _api(args).snapshot()
    except EmqxApiError as exc:
        raise _emqx_failed(exc) from None
    return plan.plan(want, have)


def _change(c):
    return {"op": c.op, "kind": c.kind, "name": c.name, "diffs": list(c.diffs)}


def _print_changes(changes, prune):
    symbol = {"create": "+", "update": "~", "delete": "-", "noop": "=", "unmanaged": "?"}
    for c in changes:
        note = " (kept: pass --prune to delete)" if c.op == "delete" and not prune else ""
        note = " (not managed here: left alone)" if c.op == "unmanaged" else note
        print(f"{symbol[c.op]} {c.op:9} {c.kind:9} {c.name}{note}")
        for d in c.diffs:
            print(f"      {d}")


def _counts(changes, prune):
    ops = [c.op for c in changes if c.op != "delete" or prune]
    return {op: ops.count(op) for op in ("create", "update", "delete")}


def _plan(args, ruleset, case_files):
    changes = _changes(args, ruleset)
    counts = _counts(changes, args.prune)
    if not as_json(args, {"changes": [_change(c) for c in changes], "counts": counts}):
        _print_changes(changes, args.prune)
        print("plan: " + ", ".join(f"{n} to {op}" for op, n in counts.items()))
    return 0


def _apply(args, ruleset, case_files):
    from emqx_rules.apply import apply_changes
    from emqx_rules.lint import lint

    errors = [f for f in lint(ruleset) if f.level == "error"]
    if errors:
        raise CommandError("not applying, lint errors: " + "; ".join(map(str, errors)), EX_DATAERR,
                           "`sdiot rules lint` lists them")
    changes = _changes(args, ruleset)
    report = {"changes": [_change(c) for c in changes], "outcomes": []}
    quiet = as_json(args, report)
    if not quiet:
        _print_changes(changes, args.prune)
    outcomes = apply_changes(_api(args), changes, prune=args.prune)
    report["outcomes"] = [{**_change(o.change), "done": o.done, "error": o.error} for o in outcomes]
    if not quiet:
        for o in outcomes:
            print(f"{'done' if o.done else 'FAILED'} {o.change.op} {o.change.kind} {o.change.name}"
                  + (f": {o.error}" if o.error else ""))
    if any(not o.done for o in outcomes):
        raise CommandError("apply stopped at the first error; fix it and run apply again")
    if not quiet:
        print(f"applied: {len(outcomes)} change(s)" if outcomes else "nothing to apply: broker matches the files")
    return 0


def _status(args, ruleset, case_files):
    from emqx_rules.plan import drift

    changes = _changes(args, ruleset)
    drifted = drift(changes)
    if not as_json(args, {"in_sync": not drifted, "drift": [_change(c) for c in drifted]}):
        _print_changes(drifted, prune=True)
        print(f"drift: {len(drifted)} object(s) differ from the files" if drifted else "in sync with the files")
    return 1 if drifted and args.exit_code else 0


def _export(args, ruleset, case_files):
    from emqx_rules.export import export
    from webhooks.emqx_api import EmqxApiError

    try:
        written = export(_api(args).snapshot(), args.out, only_managed=args.managed_only)
    except EmqxApiError as exc:
        raise _emqx_failed(exc) from None
    except OSError as exc:
        raise CommandError(f"--out {args.out}: {exc.strerror or exc}") from None
    if not as_json(args, {"out": str(args.out), "written": [str(p) for p in written]}):
        for path in written:
            print(path)
        print(f"exported {len(written)} rule(s) to {args.out}")
    return 0


def _replay(args, ruleset, case_files):
    from emqx_rules import replay

    token = args.token or next(iter(args.settings.webhook_tokens), None)
    if not token:
        raise CommandError("no token: pass --token or set SDIOT_WEBHOOK_TOKENS", EX_CONFIG)
    try:
        counts = replay.replay(replay.read_jsonl(args.file), args.to, token,
                               rules=replay.compiled_rules(ruleset))
    except OSError as exc:
        raise CommandError(f"{args.file}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise CommandError(str(exc), EX_DATAERR) from None
    if not as_json(args, {"counts": dict(sorted(counts.items())), "requests": sum(counts.values())}):
        for key, n in sorted(counts.items()):
            print(f"{key}: {n}")
        print(f"{sum(counts.values())} request(s)")
    return 0


_COMMANDS = {"lint": _lint, "test": _test, "plan": _plan, "apply": _apply, "status": _status,
             "export": _export, "replay": _replay}
