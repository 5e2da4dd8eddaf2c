"""``sdiot rules export``: a broker's rules written as rule files, to adopt or inspect them.

Each rule becomes ``<rule_id>.toml`` in the layout loader.py reads. Its first HTTP action (if
any) becomes the [action] table: connector, path, method, headers, body, resource_opts, without
server-managed fields. Secrets stay as EMQX showed them (``"******"``): export never has them.
The SQL is written as EMQX holds it (comments were stripped on apply).

A GET answers with every default filled in (emqx_bridge_v2_api.erl fill_defaults/3), and on 6.x
that includes resource options EMQX 5.8 refuses (emqx_schema.ACTION_RESOURCE_OPTS_6X): they are
left out, and one that differs from 6.x's default is named in a comment, so the file lints and
applies on 5.8. ``body = ""`` is kept: it is an empty body to EMQX, not an unset one.
"""
import json
import re
from pathlib import Path

from emqx_rules.desired import MANAGED_PREFIX
from emqx_rules.emqx_schema import exportable_resource_opts

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k):
    return k if _BARE_KEY.match(k) else json.dumps(k)


def _value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def _sql_block(sql):
    if "'''" not in sql:
        return f"sql = '''\n{sql.strip()}\n'''"  # literal string: backslashes and quotes as is
    return f"sql = {_value(sql.strip())}"


def rule_file_text(rule, actions):
    """The TOML text of one exported rule; ``actions`` maps action name -> the broker's object."""
    description = (rule.get("description") or "").removeprefix(MANAGED_PREFIX).strip()
    lines = [f"# Exported from EMQX rule {rule['id']!r}; review before committing.",
             f"description = {_value(description)}"]
    if rule.get("enable") is False:
        lines.append("enable = false")
    lines.append(_sql_block(rule.get("sql", "")))
    http = [a for a in rule.get("actions", []) if isinstance(a, str) and a.startswith("http:")]
    others = [a for a in rule.get("actions", []) if a not in http]
    if others:
        lines.append(f"# Not exported (only HTTP actions are managed here): {json.dumps(others)}")
    action = actions.get(http[0].split(":", 1)[1]) if http else None
    if action:
        params = action.get("parameters", {})
        lines += ["", "[action]", f"name = {_value(action['name'])}",
                  f"connector = {_value(action.get('connector', ''))}",
                  f"path = {_value(params.get('path', ''))}", f"method = {_value(params.get('method', 'post'))}"]
        if params.get("headers"):
            lines.append(f"headers = {_value(params['headers'])}")
        if params.get("body") is not None:
            lines.append(f"body = {_value(params['body'])}")
        opts, dropped = exportable_resource_opts(action.get("resource_opts") or {})
        if dropped:
            lines.append(f"# Not exported (EMQX 5.8 has no such resource_opts): {_value(dropped)}")
        if opts:
            lines.append(f"resource_opts = {_value(opts)}")
    return "\n".join(lines) + "\n"


def export(snapshot, out_dir, only_managed=False):
    """Write one file per rule of ``snapshot`` (RulesApi.snapshot()); returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for rule_id, rule in sorted(snapshot["rules"].items()):
        if only_managed and not (rule.get("description") or "").startswith(MANAGED_PREFIX):
            continue
        path = out / f"{rule_id}.toml"
        path.write_text(rule_file_text(rule, snapshot["actions"]), encoding="utf-8")
        written.append(path)
    return written
