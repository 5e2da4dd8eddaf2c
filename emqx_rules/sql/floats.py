"""The four ways EMQX turns a float into text, each reproduced exactly.

- float_fixed: float_to_binary(F, [{decimals, D}, compact]) (str(), float2str(), float/2):
  OTP's erts sys_double_to_chars_fast scales the fraction in double arithmetic and rounds
  half away from zero, so float2str(20.2, 17) is "20.19999999999999928".
- erl_shortest: io_lib's ~p/~w (io_lib_format:fwrite_g/1): shortest round-trip digits, written
  in exponent form only when that is shorter ("1.0e3" for 1000.0, "100.0" for 100.0).
- erl_f / erl_e: io_lib's ~.Pf and ~.Pe: digits of "%.20e" rounded half up as a string.
- jiffy: json_encode() (double-conversion ToShortest, fixed for exponents -6..20, "1e+21").
"""
import math
from decimal import Decimal

_MAX_FAST = float(1 << 53)


def _check(f):
    if math.isinf(f) or math.isnan(f):
        raise ValueError(f"non-finite float {f}")


def float_fixed(f, decimals, compact):
    _check(f)
    af = -f if f < 0 else f
    if af > _MAX_FAST or decimals >= 19:
        text = f"{f:.{decimals}f}"
    elif decimals:
        int_f = math.floor(af)
        scaled = (af - int_f) * float(10 ** decimals)
        frac = math.floor(scaled)
        if scaled - frac >= 0.5:
            frac += 1
        int_part = int(int_f)
        if frac >= 10 ** decimals:
            int_part, frac = int_part + 1, 0
        text = ("-" if f < 0 else "") + f"{int_part}.{frac:0{decimals}d}"
    else:
        int_part = math.floor(af)
        if af - int_part >= 0.5:
            int_part += 1
        text = ("-" if f < 0 else "") + str(int_part)
    if compact and decimals and "." in text:
        text = text.rstrip("0")
        if text.endswith("."):
            text += "0"
    return text


def _shortest_digits(af):
    """(digits, decimal point position) of the shortest round-trip form of af > 0."""
    t = Decimal(repr(af)).as_tuple()
    digits = "".join(map(str, t.digits))
    point = len(digits) + t.exponent
    return digits.rstrip("0") or "0", point


def erl_shortest(f):
    _check(f)
    if f == 0:
        return "0.0"
    digits, place = _shortest_digits(abs(f))
    sign = "-" if f < 0 else ""
    n = len(digits)
    if place == 0:
        return f"{sign}0.{digits}"
    if place < 0 or place >= n:
        exp = str(place - 1)
        cost = len(exp) + 1 + (2 if n == 1 else 1)
        if place < 0 and 2 - place <= cost:
            return f"{sign}0.{'0' * -place}{digits}"
        if place >= n and place - n + 2 <= cost:
            return f"{sign}{digits}{'0' * (place - n)}.0"
        mant = f"{digits}.0" if n == 1 else f"{digits[0]}.{digits[1:]}"
        return f"{sign}{mant}e{exp}"
    return f"{sign}{digits[:place]}.{digits[place:]}"


def _digits20(af):
    """float_data/1: the 21 significant digits of "%.20e" and the point position."""
    mant, _, exp = f"{af:.20e}".partition("e")
    return mant.replace(".", ""), int(exp) + 1


def _round_digits(digits, keep):
    """Keep `keep` leading digits, rounding half up on the next one; (digits, carried)."""
    if keep < 0:
        return "", False
    head, nxt = digits[:keep], digits[keep:keep + 1]
    if nxt and nxt >= "5":
        value = int(head or "0") + 1
        text = str(value).zfill(keep) if keep else str(value)
        if len(text) > keep:
            return text, True
        return text, False
    return head.ljust(keep, "0"), False


def erl_f(f, precision):
    """io_lib ~.Pf (fwrite_f/float_f)."""
    _check(f)
    sign = "-" if f < 0 else ""
    digits, e = _digits20(abs(f))
    if e <= 0:
        digits, e = "0" * (-e + 1) + digits, 1
    rounded, carry = _round_digits(digits, e + precision)
    if carry:
        e += 1
    return f"{sign}{rounded[:e]}.{rounded[e:e + precision]}"


def erl_e(f, precision):
    """io_lib ~.Pe (fwrite_e): P significant digits, exponent without padding."""
    _check(f)
    sign = "-" if f < 0 else ""
    if f == 0:
        return f"{sign}0.{'0' * (precision - 1)}e+0"
    digits, e = _digits20(abs(f))
    rounded, carry = _round_digits(digits, precision)
    if carry:
        rounded, e = rounded[:precision], e + 1
    exp = e - 1
    return f"{sign}{rounded[0]}.{rounded[1:]}e{'+' if exp >= 0 else '-'}{abs(exp)}"


def jiffy(f):
    """jiffy's encoder (double-conversion ToShortest with jiffy's flags)."""
    _check(f)
    if f == 0:
        return "0.0"
    sign = "-" if f < 0 else ""
    digits, point = _shortest_digits(abs(f))
    exponent = point - 1
    n = len(digits)
    if -6 <= exponent < 21:
        if point <= 0:
            return f"{sign}0.{'0' * -point}{digits}"
        if point >= n:
            return f"{sign}{digits}{'0' * (point - n)}.0"
        return f"{sign}{digits[:point]}.{digits[point:]}"
    mant = digits if n == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{sign}{mant}e{'+' if exponent >= 0 else '-'}{abs(exponent)}"
