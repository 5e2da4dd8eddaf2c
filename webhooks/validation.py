"""Payload validation: JSON Schemas (draft 2020-12) per device type and kind, built once per process.

``parse_payload`` parses the raw MQTT payload and bounds its depth and characters;
``check_schema`` checks it against the schema, raising ``Rejected`` with a precise reason and a
detail naming the offending field.

Two validators per schema: jsonschema-rs (compiled, ~1 µs a payload, formats enforced) answers
"valid?" on the hot path; python-jsonschema explains a failure (its ``best_match`` names the field
and rule). A payload is accepted only when the fast validator accepts it; a differential test
keeps the two in agreement.
"""
import json
import math
import re
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match

from webhooks.errors import Rejected

SCHEMA_DIR = Path(str(files("webhooks").joinpath("schemas")))


def schema_name(device_type, kind):
    return {"status": "status", "alerts": "alerts"}.get(kind, device_type.name)


@lru_cache(maxsize=None)
def _validator(name):
    schema = json.loads((SCHEMA_DIR / f"{name}.v1.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


@lru_cache(maxsize=None)
def _fast_validator(name):
    return jsonschema_rs.validator_for(_validator(name).schema, validate_formats=True)


def load_all():
    """Build every validator now (at app start), so no request pays for it."""
    names = [p.name.split(".")[0] for p in SCHEMA_DIR.glob("*.v1.json")]
    if not names:  # an incomplete install: every message would be a 422, or worse, a bug
        raise RuntimeError(f"no JSON Schemas in {SCHEMA_DIR}: the install is incomplete")
    return {name: (_validator(name), _fast_validator(name)) for name in names}


def schema_id(device_type, kind):
    return _validator(schema_name(device_type, kind)).schema["$id"]


def _depth(value, limit, level=1):
    if level > limit:
        return True
    if isinstance(value, dict):
        return any(_depth(v, limit, level + 1) for v in value.values() if isinstance(v, (dict, list)))
    if isinstance(value, list):
        return any(_depth(v, limit, level + 1) for v in value if isinstance(v, (dict, list)))
    return False


def parse_payload(text, max_depth):
    """The payload as a dict, or Rejected with why not."""
    if not isinstance(text, str):
        raise Rejected("invalid_envelope", "payload must be the raw payload string")
    # PostgreSQL cannot store NUL in text or jsonb, nor a lone surrogate: refuse them here, with a reason.
    if "\x00" in text:
        raise Rejected("payload_invalid_characters", "NUL in the payload")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate that arrived as a character, not an escape
        raise Rejected("payload_invalid_characters", "an unpaired surrogate character in the payload") from None
    try:
        payload = json.loads(text)
    except RecursionError:
        raise Rejected("payload_too_deep", f"nesting deeper than {max_depth} levels") from None
    except ValueError as exc:
        raise Rejected("payload_not_json", f"{exc.__class__.__name__}: {exc}"[:300]) from None
    if not isinstance(payload, dict):
        raise Rejected("payload_not_object", f"payload is a JSON {type(payload).__name__}, not an object")
    if _depth(payload, max_depth):
        raise Rejected("payload_too_deep", f"nesting deeper than {max_depth} levels")
    unstorable = _unstorable_number(text)
    if unstorable is not None:
        raise Rejected("unstorable", unstorable)
    # Only a \\u escape can decode to NUL or a lone surrogate; judge the decoded strings, not the
    # text, so an escaped backslash followed by "u0000" (plain text) is not mistaken for one.
    if "\\u" in text and not _storable_strings(payload):
        raise Rejected("payload_invalid_characters", "NUL or an unpaired surrogate escape in the payload")
    return payload


# A number the cheap scan must look at: an exponent of three digits or more, or a long digit run.
_SUSPECT_NUMBER = re.compile(r"[0-9][eE][-+]?[0-9]{3}|[0-9.]{300}")
# PostgreSQL's numeric (what jsonb stores numbers as): at most 16383 digits after the point and
# 131072 before it (src/backend/utils/adt/numeric.c, NUMERIC_DSCALE_MAX / NUMERIC_WEIGHT_MAX).
_MAX_SCALE, _MAX_INTEGER_DIGITS = 16383, 131072


def _unstorable_number(text):
    """Why a number in the payload cannot be kept or delivered, or None.

    A value the schema accepts may still be one PostgreSQL refuses (``1e-20000``: its whole group
    commit would fail and be re-run message by message) or one that is not a finite double
    (``1e400`` parses as infinity, which Odoo's float fields and JSON cannot carry). Judged here,
    per message, with a precise reason. Only payloads the scan flags are parsed a second time."""
    if not _SUSPECT_NUMBER.search(text):
        return None
    refused = []

    def check(token):
        number = Decimal(token)
        if not math.isfinite(float(token)):
            refused.append(f"the number {token[:40]} is out of range for a double (it parses as infinity)")
        elif -number.as_tuple().exponent > _MAX_SCALE or number.adjusted() >= _MAX_INTEGER_DIGITS:
            refused.append(f"the number {token[:40]} has more digits than PostgreSQL's numeric holds "
                           f"({_MAX_SCALE} after the point)")
        return 0.0

    json.loads(text, parse_float=check)
    return refused[0] if refused else None


def _storable_strings(value):
    """True when every string (keys included) in a decoded payload can be stored as text."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_storable_strings(k) and _storable_strings(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable_strings(v) for v in value)
    return True


def _where(error):
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return f"${path}"


def check_schema(device_type, kind, payload):
    """Raise Rejected('schema_violation') naming the field and the rule it breaks."""
    name = schema_name(device_type, kind)
    if _fast_validator(name).is_valid(payload):
        return
    error = best_match(_validator(name).iter_errors(payload))
    if error is None:  # the explainer found nothing: report the fast validator's own finding
        fast = next(_fast_validator(name).iter_errors(payload))
        raise Rejected("schema_violation", f"${fast.instance_path}: {fast.message}"[:300])
    message = error.message if len(error.message) <= 200 else error.message[:200] + "…"
    raise Rejected("schema_violation", f"{_where(error)}: {message} ({error.validator})")
