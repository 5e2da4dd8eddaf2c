"""date_to_unix_ts/3,4: parse a formatted date (emqx_utils_calendar:
formatted_datetime_to_system_time/3).

The format is cut into fields (%Y %m %d %H %M %S %N %3N %6N %z %:z %::z) and literal runs;
the input is consumed by *width* (4 for %Y, 2 for %m, ..., a literal's own length), literals
are skipped without being compared (EMQX keeps this for 4.x compatibility), parsing stops at
the end of either, and %Y %m %d %H %M %S are required. The finest sub-second field present
sets the precision; the result is converted (floored) to the requested unit.
"""
import datetime
import re

from .errors import BadArg
from .funcs_time import _FACTOR, _unit, offset_seconds
from .registry import sql_function

_FIELDS = {"%Y": ("year", 4), "%m": ("month", 2), "%d": ("day", 2), "%H": ("hour", 2),
           "%M": ("minute", 2), "%S": ("second", 2), "%N": ("nanosecond", 9),
           "%3N": ("millisecond", 3), "%6N": ("microsecond", 6), "%z": ("tz", 5),
           "%:z": ("tz", 6), "%::z": ("tz", 9)}
_TOKEN = re.compile(r"%::z|%:z|%3N|%6N|%[YmdHMSNz]")
_INT = re.compile(r"[+-]?[0-9]+\Z")


def _formatter(fmt):
    parts, pos = [], 0
    for m in _TOKEN.finditer(fmt):
        if m.start() > pos:
            parts.append((None, m.start() - pos))
        parts.append(_FIELDS[m.group(0)])
        pos = m.end()
    if pos < len(fmt):
        parts.append((None, len(fmt) - pos))
    return parts


def _parse(text, fmt):
    found, rest = {}, text
    for key, size in _formatter(fmt):
        if not rest:
            break
        if len(rest) < size:
            raise BadArg(f"date_to_unix_ts: {text!r} is shorter than the format {fmt!r}")
        part, rest = rest[:size], rest[size:]
        if key == "tz":
            found["offset"] = offset_seconds(part)
        elif key is not None:
            if not _INT.match(part):
                raise BadArg(f"date_to_unix_ts: bad_formatter_or_date at {part!r}")
            found[key] = int(part)
    return found


def _to_unix(unit, fmt, text):
    unit = _unit(unit)
    if type(fmt) is not str or type(text) is not str:
        raise BadArg("date_to_unix_ts needs a format string and a date string")
    found = _parse(text, fmt)
    try:
        y, mo, d, h, mi, s = (found[k] for k in ("year", "month", "day", "hour", "minute",
                                                  "second"))
    except KeyError as e:
        raise BadArg(f"date_to_unix_ts: missing_date_part {e.args[0]}") from None
    try:
        days = (datetime.date(y, mo, d) - datetime.date(1970, 1, 1)).days
    except ValueError as e:
        raise BadArg(f"date_to_unix_ts: {e}") from None
    if not 0 <= h <= 23 or not 0 <= mi <= 59 or not 0 <= s <= 59:
        raise BadArg("date_to_unix_ts: time out of range")
    secs = days * 86400 + h * 3600 + mi * 60 + s - found.get("offset", 0)
    precision = next((u for u in ("nanosecond", "microsecond", "millisecond") if u in found),
                     "second")
    pf = _FACTOR[precision]
    total = secs * pf + sum(found.get(u, 0) * pf // _FACTOR[u]
                            for u in ("millisecond", "microsecond", "nanosecond"))
    return total * _FACTOR[unit] // pf


@sql_function("date_to_unix_ts", 3)
def date_to_unix_ts(unit, fmt, text):
    return _to_unix(unit, fmt, text)


@sql_function("date_to_unix_ts", 4)
def date_to_unix_ts_offset(unit, offset, fmt, text):
    unit = _unit(unit)
    return _to_unix(unit, fmt, text) - offset_seconds(offset) * _FACTOR[unit]
