"""Float-to-text conversions, each as EMQX's runtime produces it.

Sources: OTP erts/emulator/sys/common/erl_sys_common_misc.c (sys_double_to_chars_fast, used by
float_to_binary/2 with {decimals, D}: str(), float2str(), float/2), OTP lib/stdlib/src/
io_lib_format.erl (fwrite_g/1, float_f, fwrite_e: sprintf ~p ~f ~e), and jiffy's
c_src/doubles.cc (double-conversion ToShortest with its flags: json_encode()).
"""
import pytest

from emqx_rules import evaluate
from emqx_rules.sql.floats import erl_e, erl_f, erl_shortest, float_fixed, jiffy


@pytest.mark.parametrize("f,decimals,compact,expected", [
    (20.2, 17, True, "20.19999999999999928"),   # scaled in doubles, not correctly rounded
    (20.2, 16, True, "20.1999999999999993"),
    (20.2, 10, True, "20.2"),
    (0.125, 2, True, "0.13"),                   # half away from zero
    (2.5, 0, True, "3"),
    (-0.0, 10, True, "0.0"),                    # no sign on negative zero
    (0.30000000000000004, 10, True, "0.3"),
    (1.0, 3, False, "1.000"),
    (1e20, 10, True, "100000000000000000000.0"),
    (-1.25, 1, True, "-1.3"),
])
def test_float_fixed(f, decimals, compact, expected):
    """float_to_binary(F, [{decimals, D} | compact]) digit for digit."""
    assert float_fixed(f, decimals, compact) == expected


@pytest.mark.parametrize("f,expected", [
    (1000.0, "1.0e3"), (100.0, "100.0"), (1.5, "1.5"), (0.1, "0.1"), (0.0001, "0.0001"),
    (1e-05, "1.0e-5"), (1e10, "1.0e10"), (123456.789, "123456.789"), (-2.5, "-2.5"),
    (0.0, "0.0"),
])
def test_erl_shortest(f, expected):
    """~p of a float: shortest digits, exponent form only when shorter."""
    assert erl_shortest(f) == expected


@pytest.mark.parametrize("f,p,expected", [
    (0.125, 2, "0.13"), (2.675, 2, "2.67"), (9.999, 2, "10.00"), (3.14159, 2, "3.14"),
    (1.0, 6, "1.000000"), (-0.5, 1, "-0.5"),
])
def test_erl_f(f, p, expected):
    """~.Pf rounds the 21-digit decimal string half up."""
    assert erl_f(f, p) == expected


@pytest.mark.parametrize("f,p,expected", [
    (31415.9, 6, "3.14159e+4"), (0.00123, 3, "1.23e-3"), (9.9999, 3, "1.00e+1"),
    (1.5, 6, "1.50000e+0"),
])
def test_erl_e(f, p, expected):
    """~.Pe writes P significant digits and an unpadded signed exponent."""
    assert erl_e(f, p) == expected


@pytest.mark.parametrize("f,expected", [
    (1.0, "1.0"), (1e22, "1e+22"), (1e21, "1e+21"), (1e20, "100000000000000000000.0"),
    (0.00001, "0.00001"), (1e-7, "1e-7"), (1.5e-7, "1.5e-7"), (-0.0, "0.0"),
    (123.456, "123.456"),
])
def test_jiffy(f, expected):
    """json_encode() writes floats as jiffy does."""
    assert jiffy(f) == expected


def test_through_sql():
    """The conversions are the ones rule SQL reaches."""
    out = evaluate("SELECT str(20.2) AS a, float2str(20.2, 17) AS b, sprintf('~p', 1000.0) AS c,"
                   " sprintf('~.2f', 0.125) AS d, json_encode(1.0e22) AS e FROM \"#\"",
                   {"topic": "x"})
    assert out == [{"a": "20.2", "b": "20.19999999999999928", "c": "1.0e3", "d": "0.13",
                    "e": "1e+22"}]
