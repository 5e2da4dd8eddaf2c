"""``sdiot rules lint``: every rule parses, its action exists, EMQX accepts every setting, and
none walks into a known trap.

Errors fail the command (and stop ``apply``). Besides SQL that does not parse and a missing
connector, they are everything EMQX's REST API would refuse with a 400 (emqx_schema.py: names,
unknown or 6.x-only keys, batch options on an HTTP action, bad enum values) and ``body = ""``,
which EMQX sends as an empty body. Each names its file and field.
Warnings are traps with a reason (shared/reference/emqx.md 1-3):
- a double-quoted string outside FROM is an identifier, so ``x = "abc"`` is silently false;
- an ingest rule that reads ``payload.x`` fails on non-JSON payloads and sends nothing, so the
  tier never sees them (acknowledge with ``reads_payload = true`` when that is the intent);
- ``SELECT *`` in an ingest rule sends every column, not the envelope;
- a body template does no JSON escaping; leave it unset;
- ``request_ttl`` below ``health_check_interval`` drops the queue during an outage (emqx/emqx#18948);
- ``query_mode = "sync"`` blocks the publishing client on the HTTP call.
"""
import re
from dataclasses import dataclass
from pathlib import Path

from emqx_rules import emqx_schema, sqltext
from emqx_rules.plan import canonical

_INGEST_PATH = re.compile(r"^/v1/ingest/")


@dataclass(frozen=True)
class Finding:
    level: str  # error | warning
    rule_id: str  # the rule, or the connector whose file it is
    message: str
    file: Path | None = None

    def __str__(self):
        where = f"{_shown(self.file)}: " if self.file else ""
        return f"{self.level}: {where}{self.rule_id}: {self.message}"


def _shown(path):
    path = Path(path)
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def _schema_errors(subject, file, problems):
    return [Finding("error", subject, f"{field}: {message}", file) for field, message in problems]


def _set(action, *names):
    return {n: getattr(action, n) for n in names if getattr(action, n) not in (None, {})}


def _ms(value):
    c = canonical(value) if isinstance(value, str) else None
    return c[1] if isinstance(c, tuple) and c[0] == "duration" else None


def lint_rule(rule, ruleset, compile_rule, rule_error):
    out = []
    err = lambda m: out.append(Finding("error", rule.id, m, rule.file))  # noqa: E731
    warn = lambda m: out.append(Finding("warning", rule.id, m, rule.file))  # noqa: E731
    sql = rule.emqx_sql
    try:
        compile_rule(sql)
    except rule_error as exc:
        err(f"SQL does not parse: {exc}")
    connector = ruleset.connectors.get(rule.action.connector)
    if connector is None:
        err(f"action {rule.action.name} uses connector {rule.action.connector!r}, which has no file "
            f"in connectors/ (have: {sorted(ruleset.connectors)})")
    if not rule.action.path.startswith("/"):
        err(f"action path {rule.action.path!r} must start with '/' (it is appended to the connector URL)")
    for token in sqltext.double_quoted_outside_from(sql):
        warn(f"{token} outside FROM is an identifier, not a string: use single quotes")
    ingest = bool(_INGEST_PATH.match(rule.action.path))
    if ingest and sqltext.reads_payload_fields(sql) and not rule.reads_payload:
        warn("reads payload.x: on a non-JSON payload the rule fails and EMQX sends nothing, so the tier "
             "never sees it; pass payload through raw, or set reads_payload = true and say why")
    if ingest and sqltext.selects_star(sql):
        warn("SELECT * sends every column, not the ingest envelope: select the envelope fields")
    out += _schema_errors(rule.id, rule.file, emqx_schema.action_problems(
        "[action]", _set(rule.action, "name", "method", "body", "resource_opts")))
    if rule.action.body not in (None, "", "${.}"):
        warn("body template: EMQX does not JSON-escape templates; leave body unset and shape in SQL")
    opts = {**(connector.action_defaults.get("resource_opts", {}) if connector else {}),
            **rule.action.resource_opts}
    ttl, hc = _ms(opts.get("request_ttl", "45s")), _ms(opts.get("health_check_interval", "15s"))
    if ttl is not None and hc is not None and ttl < hc:
        warn(f"request_ttl {opts.get('request_ttl')} < health_check_interval "
             f"{opts.get('health_check_interval')}: an outage drops the whole queue (emqx/emqx#18948)")
    if opts.get("query_mode") == "sync":
        warn("query_mode sync blocks the publishing client on every HTTP call; use async")
    if re.search(r"\$events/message_dropped", sql) and not re.search(r"\bWHERE\b", sqltext.code_only(sql), re.I):
        warn("$events/message_dropped without WHERE: with no MQTT subscribers every publish fires it")
    return out


def lint(ruleset, compile_rule=None, rule_error=None, case_files=None):
    """All findings for all rules; rules without case files get a warning."""
    if compile_rule is None:
        from emqx_rules import RuleError, compile_rule
        rule_error = RuleError
    findings, owner = [], {}
    for connector in ruleset.connectors.values():
        findings += _schema_errors(connector.name, connector.file, emqx_schema.connector_problems(connector))
        findings += _schema_errors(connector.name, connector.file,
                                   emqx_schema.action_problems("[action_defaults]", connector.action_defaults))
    for rule in ruleset.rules.values():
        if rule.action.name in owner:
            findings.append(Finding("error", rule.id, f"action name {rule.action.name} is also rule "
                                                      f"{owner[rule.action.name]}'s: give each rule its own",
                                    rule.file))
        owner.setdefault(rule.action.name, rule.id)
        findings += lint_rule(rule, ruleset, compile_rule, rule_error)
        if case_files is not None and not case_files(rule.id):
            findings.append(Finding("warning", rule.id, "no case files in cases/<rule_id>/: add some", rule.file))
    return findings
