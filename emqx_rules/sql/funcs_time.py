"""Time functions (emqx_rule_funcs + emqx_utils_calendar + OTP calendar).

unix_ts_to_rfc3339 uses the node's local offset (calendar:system_time_to_rfc3339/2 without
an offset option); this evaluator assumes EMQX nodes run in UTC, as the official images do,
so it writes "+00:00". Units are 'second' | 'millisecond' | 'microsecond' | 'nanosecond'.
"""
import datetime
import math
import re
import time

from .errors import BadArg
from .registry import sql_function
from .values import UNDEFINED

_FACTOR = {"second": 1, "millisecond": 1000, "microsecond": 10**6, "nanosecond": 10**9}
_DIGITS = {"second": 0, "millisecond": 3, "microsecond": 6, "nanosecond": 9}
_EPOCH = datetime.datetime(1970, 1, 1)
_MIN_SECS, _MAX_SECS = -62167219200, 253402300800  # year 0 .. year 10000


def _unit(u):
    if u not in _FACTOR or type(u) is not str:
        raise BadArg(f"invalid_time_unit {u!r}")
    return u


def _now(unit):
    return time.time_ns() // (10**9 // _FACTOR[unit])


def _civil(secs):
    if not _MIN_SECS <= secs < _MAX_SECS:
        raise BadArg(f"time {secs} s is outside years 0..9999")
    days, rest = divmod(secs, 86400)
    # proleptic Gregorian from the epoch; Python's date stops at year 1, so shift by 400 years
    d = datetime.date(2000, 1, 1) + datetime.timedelta(days=days - 10957 + 146097)
    return d.year - 400, d.month, d.day, rest // 3600, rest % 3600 // 60, rest % 60


def _rfc3339(ts, unit):
    if type(ts) is not int:
        raise BadArg(f"unix_ts_to_rfc3339 needs an integer, got {ts!r}")
    f = _FACTOR[unit]
    # calendar:system_time_to_rfc3339/2 divides with `div` (toward zero) and prints
    # abs(Time rem Factor) as the fraction, also for times before 1970
    secs = abs(ts) // f * (1 if ts >= 0 else -1)
    y, mo, d, h, mi, s = _civil(secs)
    frac = "" if f == 1 else ".%0*d" % (_DIGITS[unit], abs(ts) % f)
    return "%04d-%02d-%02dT%02d:%02d:%02d%s+00:00" % (y, mo, d, h, mi, s, frac)


@sql_function("now_timestamp", 0, 1)
def now_timestamp(unit="second"):
    return _now(_unit(unit))


@sql_function("now_rfc3339", 0, 1)
def now_rfc3339(unit="second"):
    unit = _unit(unit)
    return _rfc3339(_now(unit), unit)


@sql_function("unix_ts_to_rfc3339", 1, 2)
def unix_ts_to_rfc3339(ts, unit="second"):
    return _rfc3339(ts, _unit(unit))


_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2}).(\d{2}):(\d{2}):(\d{2})([0-9.]*)"
                      r"(?:([Zz])|([+-])(\d{2})(?::(\d{2}))?)\Z")


@sql_function("rfc3339_to_unix_ts", 1, 2)
def rfc3339_to_unix_ts(text, unit="second"):
    unit = _unit(unit)
    m = _RFC3339.match(text) if type(text) is str else None
    if not m:
        raise BadArg(f"rfc3339_to_unix_ts: cannot parse {text!r}")
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    try:
        days = (datetime.date(max(y, 1), mo, d) - datetime.date(1970, 1, 1)).days
    except ValueError as e:
        raise BadArg(f"rfc3339_to_unix_ts: {e}") from None
    secs = days * 86400 + h * 3600 + mi * 60 + s
    if m.group(9):
        offset = int(m.group(10)) * 3600 + int(m.group(11) or 0) * 60
        secs -= offset if m.group(9) == "+" else -offset
    scaled = secs * _FACTOR[unit]
    frac = m.group(7)
    if unit == "second" or not frac:
        return scaled
    try:
        # calendar: round(factor(Unit) * list_to_float([$0 | FractionStr])), sign of the time
        part = math.floor(_FACTOR[unit] * float("0" + frac) + 0.5)
    except ValueError:
        raise BadArg(f"rfc3339_to_unix_ts: bad fraction {frac!r}") from None
    return scaled - part if scaled < 0 else scaled + part


def offset_seconds(offset):
    """emqx_utils_calendar:offset_second/1."""
    if type(offset) is int:
        return offset
    if offset is UNDEFINED:
        return 0
    if offset == "local":
        return -time.timezone if not time.localtime().tm_isdst else -time.altzone
    if offset in ("Z", "z"):
        return 0
    if type(offset) is str and offset[:1] in ("+", "-"):
        sign = 1 if offset[0] == "+" else -1
        parts = [p for p in offset[1:].split(":") if p]
        if len(parts) == 1 and len(parts[0]) == 4:
            parts = [parts[0][:2], parts[0][2:]]
        if len(parts) in (2, 3) and all(p.isdigit() for p in parts):
            h, mi, s = (int(p) for p in (parts + ["0"])[:3])
            if h <= 23 and mi <= 59 and s <= 59:
                return sign * (h * 3600 + mi * 60 + s)
    raise BadArg(f"bad_time_offset {offset!r}")


@sql_function("timezone_to_second", 1)
@sql_function("timezone_to_offset_seconds", 1)
def timezone_to_second(tz):
    return offset_seconds(tz)


_FORMAT_TOKEN = re.compile(r"%Y|%m|%d|%H|%M|%S|%N|%3N|%6N|%z|%:z|%::z", re.S)


@sql_function("format_date", 3, 4)
def format_date(unit, offset, fmt, ts=None):
    unit = _unit(unit)
    ts = _now(unit) if ts is None else ts
    if type(ts) is not int or type(fmt) is not str:
        raise BadArg("format_date needs an integer time and a string format")
    off = offset_seconds(offset)
    f = _FACTOR[unit]
    y, mo, d, h, mi, s = _civil(int((ts + off * f) / f))
    sign = "+" if off >= 0 else "-"
    oh, om, os_ = abs(off) // 3600, abs(off) % 3600 // 60, abs(off) % 60

    def sub_second(digits):
        if unit == "second":
            return "0" * digits
        scaled = _erl_rem(ts, f) * 10**9 // f  # nanoseconds within the second
        return "%0*d" % (digits, scaled // 10**(9 - digits))
    values = {"%Y": "%04d" % y, "%m": "%02d" % mo, "%d": "%02d" % d, "%H": "%02d" % h,
              "%M": "%02d" % mi, "%S": "%02d" % s, "%z": "%s%02d%02d" % (sign, oh, om),
              "%:z": "%s%02d:%02d" % (sign, oh, om),
              "%::z": "%s%02d:%02d:%02d" % (sign, oh, om, os_)}
    return _FORMAT_TOKEN.sub(
        lambda m: values.get(m.group(0)) or sub_second({"%N": 9, "%3N": 3, "%6N": 6}[m.group(0)]),
        fmt)


def _erl_rem(a, b):
    r = abs(a) % abs(b)
    return r if a >= 0 else -r
