"""Desired (files) versus actual (broker): the list of changes, pure.

A broker's GET answers differ from what was POSTed in ways that are not drift:
- server-managed fields (status, node_status, metrics, created_at, last_modified_at, rules,
  action_details, from, namespace, ...) -- we compare only the keys we send;
- defaults EMQX fills in for keys we did not send -- same rule;
- secrets shown as ``"******"`` (emqx_utils_redact) -- equal to anything (the connector's
  description carries a token fingerprint, so a rotated token still shows up);
- durations and sizes written differently ("60s" vs "1m", "32MB" vs "32mb").
Something we leave unset but EMQX has set (a body template added in the dashboard) is drift for the
few keys listed in ``_MUST_STAY_UNSET``. ``body = ""`` is set, not unset: EMQX sends an empty
body for it, and the JSON of the SELECT output only when body is absent
(emqx_bridge_http_connector.erl render_request_body/3) or ``${.}``, which renders that same JSON
(emqx_template.erl to_string/1).
"""
import re
from dataclasses import dataclass, field

from emqx_rules import sqltext
from emqx_rules.desired import is_managed

KINDS = ("connector", "action", "rule")  # create/update order; deletes run in reverse
_SECRET = "******"
# Keys whose values are never printed in a diff (emqx_utils_redact's list, plus auth headers).
_SENSITIVE = {"authorization", "proxy-authorization", "password", "secret", "token", "secret_key",
              "private_key", "keyfile", "security_token", "jwt"}
_MUST_STAY_UNSET = {"action": [("parameters", "body")]}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$", re.IGNORECASE)
_SIZE = re.compile(r"^\s*(\d+)\s*(b|kb|mb|gb)?\s*$", re.IGNORECASE)
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_UNIT_B = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}


@dataclass(frozen=True)
class Change:
    op: str  # create | update | delete | noop | unmanaged (exists in EMQX, not ours, not touched)
    kind: str  # connector | action | rule
    name: str
    body: dict | None = None  # the desired body (create/update)
    diffs: tuple = field(default=())  # "path: actual -> desired" lines for update

    @property
    def is_drift(self):
        return self.op in ("create", "update", "delete")


def canonical(value):
    """Durations and sizes as numbers, so "60s" equals "1m" and "32MB" equals "32mb"."""
    if isinstance(value, str):
        m = _DURATION.match(value)
        if m:
            return ("duration", float(m.group(1)) * _UNIT_MS[m.group(2).lower()])
        m = _SIZE.match(value)
        if m and m.group(2):
            return ("bytes", int(m.group(1)) * _UNIT_B[m.group(2).lower()])
    return value


def _same(want, have):
    if isinstance(want, bool) or isinstance(have, bool):
        return want is have
    if isinstance(want, (int, float)) and isinstance(have, (int, float)):
        return want == have
    if isinstance(want, str) and isinstance(have, str):
        return canonical(want) == canonical(have)
    return want == have


def differences(desired, actual, path=""):
    """Paths where ``actual`` does not hold what ``desired`` says (keys absent in desired ignored)."""
    out = []
    for key, want in desired.items():
        here = f"{path}.{key}" if path else key
        have = actual.get(key) if isinstance(actual, dict) else None
        if isinstance(want, dict) and isinstance(have, dict):
            out += differences(want, have, here)
        elif have == _SECRET and isinstance(want, str):
            continue
        elif key == "sql" and isinstance(want, str) and isinstance(have, str):
            if sqltext.normalize(want) != sqltext.normalize(have):
                out.append(f"{here}: SQL differs")
        elif not _same(want, have):
            shown = ("(secret)", "(secret)") if str(key).lower() in _SENSITIVE else (repr(have), repr(want))
            out.append(f"{here}: {shown[0]} -> {shown[1]}")
    return out


def _unset_violations(kind, actual):
    out = []
    for keys in _MUST_STAY_UNSET.get(kind, ()):
        node = actual
        for k in keys:
            node = node.get(k) if isinstance(node, dict) else None
        if node is not None and node != "${.}":
            out.append(f"{'.'.join(keys)}: {node!r} -> (unset)")
    return out


def plan(desired, actual):
    """Changes taking ``actual`` to ``desired``; both are {"connectors"|"actions"|"rules": {name: obj}}.

    Managed objects no longer in the files are ``delete`` (apply runs those only with --prune);
    objects we do not manage are ``unmanaged`` and never touched.
    """
    changes = []
    for kind in KINDS:
        want_all, have_all = desired.get(kind + "s", {}), actual.get(kind + "s", {})
        for name in sorted(want_all):
            want, have = want_all[name], have_all.get(name)
            if have is None:
                changes.append(Change("create", kind, name, want))
                continue
            diffs = differences(want, have) + _unset_violations(kind, have)
            changes.append(Change("update" if diffs else "noop", kind, name, want, tuple(diffs)))
    for kind in reversed(KINDS):
        want_all, have_all = desired.get(kind + "s", {}), actual.get(kind + "s", {})
        for name in sorted(set(have_all) - set(want_all)):
            op = "delete" if is_managed(have_all[name]) else "unmanaged"
            changes.append(Change(op, kind, name))
    return changes


def drift(changes):
    return [c for c in changes if c.is_drift]
