"""Reading rule and connector files: pure, no network, no environment.

Layout (``emqx_rules/``)::

    rules/<rule_id>.toml          one rule: description, sql, [action] (path, connector, ...)
    connectors/<name>.toml        one HTTP connector: url_env, bearer_token_env, [emqx], [action_defaults]
    cases/<rule_id>/<case>.json   case tests of that rule

A rule file's name is its stable EMQX rule id; its action is named ``sdiot_<rule_id>`` unless the
[action] table names it.
"""
import re
import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from emqx_rules import sqltext

# The shipped files are package data (setup.cfg), found where the package is installed.
PACKAGE_DIR = Path(str(files("emqx_rules")))
RULES_DIR = PACKAGE_DIR / "rules"
CONNECTORS_DIR = PACKAGE_DIR / "connectors"
CASES_DIR = PACKAGE_DIR / "cases"

# EMQX accepts more, but ids end up in URLs, action names and file names: keep them plain.
ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}\Z")
_RULE_KEYS = {"description", "sql", "action", "enable", "reads_payload"}
_ACTION_KEYS = {"name", "connector", "path", "method", "headers", "body", "resource_opts", "description"}
_CONNECTOR_KEYS = {"description", "url_env", "bearer_token_env", "emqx", "action_defaults"}


class RuleFileError(ValueError):
    """A rule or connector file that cannot be read; the message names the file and the fix."""


@dataclass(frozen=True)
class Action:
    name: str
    connector: str
    path: str
    method: str | None = None  # None: the connector's action_defaults (post)
    headers: dict = field(default_factory=dict)
    body: str | None = None  # None: EMQX JSON-encodes the SELECT output (what we want)
    resource_opts: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    sql: str  # as written, with comments
    action: Action
    enable: bool = True
    reads_payload: bool = False  # acknowledged: this rule fails on non-JSON payloads
    file: Path | None = None

    @property
    def emqx_sql(self):
        """The SQL sent to EMQX and run by the offline evaluator: comments stripped."""
        return sqltext.strip_comments(self.sql)


@dataclass(frozen=True)
class Connector:
    name: str
    description: str
    url_env: str
    bearer_token_env: str | None
    emqx: dict  # passed through to EMQX as written (pool, timeouts, resource_opts)
    action_defaults: dict
    file: Path | None = None


@dataclass(frozen=True)
class Ruleset:
    rules: dict  # id -> Rule, sorted by id
    connectors: dict  # name -> Connector


def _read_toml(path):
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(f"{path}: not valid TOML: {exc}") from None


def _check_keys(path, table, data, allowed):
    unknown = set(data) - allowed
    if unknown:
        raise RuleFileError(f"{path}: unknown key(s) {sorted(unknown)} in {table}; allowed: {sorted(allowed)}")


def load_rule(path):
    path = Path(path)
    rule_id = path.stem
    if not ID_RE.match(rule_id):
        raise RuleFileError(f"{path}: rule id {rule_id!r} must match {ID_RE.pattern} (rename the file)")
    data = _read_toml(path)
    _check_keys(path, "the rule", data, _RULE_KEYS)
    if not isinstance(data.get("sql"), str) or not data["sql"].strip():
        raise RuleFileError(f'{path}: needs sql = """SELECT ... FROM ..."""')
    act = data.get("action")
    if not isinstance(act, dict) or not act.get("path") or not act.get("connector"):
        raise RuleFileError(f"{path}: needs an [action] table with path and connector")
    _check_keys(path, "[action]", act, _ACTION_KEYS)
    action = Action(
        name=act.get("name", f"sdiot_{rule_id}"), connector=act["connector"], path=act["path"],
        method=act.get("method"), headers=dict(act.get("headers", {})), body=act.get("body"),
        resource_opts=dict(act.get("resource_opts", {})),
    )
    return Rule(id=rule_id, description=data.get("description", ""), sql=data["sql"], action=action,
                enable=bool(data.get("enable", True)), reads_payload=bool(data.get("reads_payload", False)),
                file=path)


def load_connector(path):
    path = Path(path)
    data = _read_toml(path)
    _check_keys(path, "the connector", data, _CONNECTOR_KEYS)
    if not data.get("url_env"):
        raise RuleFileError(f"{path}: needs url_env (the environment variable holding the URL)")
    return Connector(name=path.stem, description=data.get("description", ""), url_env=data["url_env"],
                     bearer_token_env=data.get("bearer_token_env"), emqx=dict(data.get("emqx", {})),
                     action_defaults=dict(data.get("action_defaults", {})), file=path)


def load(rules_dir=RULES_DIR, connectors_dir=CONNECTORS_DIR):
    """Every rule and connector file, by id/name. Raises RuleFileError on the first bad file."""
    rules = {r.id: r for r in map(load_rule, sorted(Path(rules_dir).glob("*.toml")))}
    connectors = {c.name: c for c in map(load_connector, sorted(Path(connectors_dir).glob("*.toml")))}
    if not rules:  # an incomplete install (or a wrong folder) must not lint as "0 rules, 0 errors"
        raise RuleFileError(f"no rule files (*.toml) in {rules_dir}")
    return Ruleset(rules=rules, connectors=connectors)


def case_files(rule_id, cases_dir=CASES_DIR):
    return sorted((Path(cases_dir) / rule_id).glob("*.json"))
