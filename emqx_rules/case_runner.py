"""Rule case files: an EMQX input context and what EMQX's HTTP action would POST for it.

A case file ``cases/<rule_id>/<name>.json``::

    {"description": "why this case exists",
     "context": {... the column map EMQX builds for the event, complete: absent = undefined ...},
     "expect": [ {...POST body...} ]        # [] = no match (FROM or WHERE), one dict per output
     -- or --
     "expect_error": "RuleRuntimeError"}    # EMQX's rule fails on it (failed.exception): nothing sent

In ``expect``, a value ``{"$json": X}`` means "a string holding JSON equal to X" (the cold_chain
alert payload is json_encode()'d; key order is jiffy's and not part of the contract). Numbers are
compared with their type: 4.0 is not 4, as in EMQX's output.
"""
import json
from dataclasses import dataclass
from pathlib import Path

from webhooks.envelope import MESSAGE_FIELDS, PRESENCE_FIELDS


class CaseFileError(ValueError):
    pass


@dataclass(frozen=True)
class CaseResult:
    rule_id: str
    name: str
    ok: bool
    detail: str = ""
    actual: object = None


def load_case(path):
    path = Path(path)
    try:
        case = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise CaseFileError(f"{path}: not JSON: {exc}") from None
    if not isinstance(case, dict) or not isinstance(case.get("context"), dict):
        raise CaseFileError(f"{path}: needs a \"context\" object")
    if ("expect" in case) == ("expect_error" in case):
        raise CaseFileError(f"{path}: needs exactly one of \"expect\" (a list) or \"expect_error\"")
    if "expect" in case and not isinstance(case["expect"], list):
        raise CaseFileError(f"{path}: \"expect\" must be a list of bodies ([] for no match)")
    return case


def envelope_fields(rule):
    """The POST body's exact field names for this rule's endpoint (webhooks/envelope.py)."""
    return PRESENCE_FIELDS if rule.action.path.rstrip("/").endswith("/presence") else MESSAGE_FIELDS


def same(expected, actual):
    """Strict JSON equality with the ``{"$json": X}`` escape for JSON-in-a-string values."""
    if isinstance(expected, dict) and set(expected) == {"$json"}:
        if not isinstance(actual, str):
            return False
        try:
            return same(expected["$json"], json.loads(actual))
        except ValueError:
            return False
    if isinstance(expected, dict):
        return isinstance(actual, dict) and set(expected) == set(actual) and all(
            same(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(
            same(e, a) for e, a in zip(expected, actual))
    return type(expected) is type(actual) and expected == actual


def run_case(rule, path, evaluate=None):
    """Evaluate ``rule`` (its deployed, comment-free SQL) on the case's context and compare."""
    from emqx_rules import RuleError

    if evaluate is None:
        from emqx_rules import evaluate
    case, name = load_case(path), Path(path).stem
    fields = set(envelope_fields(rule))
    for body in case.get("expect", []):
        if set(body) != fields:
            return CaseResult(rule.id, name, False, f"case file: expected body keys {sorted(body)} "
                                                    f"are not the envelope {sorted(fields)}")
    try:
        actual = evaluate(rule.emqx_sql, case["context"])
    except RuleError as exc:
        want = case.get("expect_error")
        if want and want in {cls.__name__ for cls in type(exc).__mro__}:
            return CaseResult(rule.id, name, True, actual=f"{type(exc).__name__}: {exc}")
        return CaseResult(rule.id, name, False, f"raised {type(exc).__name__}: {exc}")
    if "expect_error" in case:
        return CaseResult(rule.id, name, False, f"expected {case['expect_error']}, got {actual!r}", actual)
    for body in actual:
        if set(body) != fields:
            return CaseResult(rule.id, name, False, f"output keys {sorted(body)} are not the envelope", actual)
    if not same(case["expect"], actual):
        return CaseResult(rule.id, name, False, f"expected {case['expect']!r}\n  got {actual!r}", actual)
    return CaseResult(rule.id, name, True, actual=actual)
