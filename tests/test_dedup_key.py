"""The dedup key is a function of the instant (contract 3): every RFC 3339 spelling of one instant
keys alike — letter case, offset, fraction digits, trailing zeros — and different instants never do."""
import json
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import envelope
from webhooks import config
from webhooks.binding import bind, message_key, parse_device_time

INSTANTS = st.tuples(
    st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2098, 12, 31), timezones=st.just(timezone.utc)),
    st.text("0123456789", max_size=3),  # digits beyond the microsecond
)


@st.composite
def spellings(draw, instant):
    """One RFC 3339 spelling of ``instant`` (a UTC datetime and its sub-microsecond digits)."""
    at, extra = instant
    offset = draw(st.integers(-(23 * 60 + 59), 23 * 60 + 59))
    local = (at + timedelta(minutes=offset)).replace(tzinfo=None)
    fraction = f"{local.microsecond:06d}{extra}" + "0" * draw(st.integers(0, 3))
    if draw(st.booleans()):
        fraction = fraction.rstrip("0")
    text = f"{local:%Y-%m-%d}{draw(st.sampled_from('Tt'))}{local:%H:%M:%S}" + (f".{fraction}" if fraction else "")
    if offset == 0 and draw(st.booleans()):
        return text + draw(st.sampled_from("Zz"))
    sign = "-" if offset < 0 else "+"
    return text + f"{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"


def key(text):
    return message_key("TS001", "data", parse_device_time(text), {"timestamp": text, "seq": 1})


@settings(max_examples=300, deadline=None)
@given(st.data(), INSTANTS)
def test_every_spelling_of_an_instant_gives_one_key(data, instant):
    """Case, offset, fraction digits and trailing zeros do not change the key."""
    first, second = data.draw(spellings(instant)), data.draw(spellings(instant))
    assert key(first) == key(second), (first, second)


@settings(max_examples=300, deadline=None)
@given(st.data(), INSTANTS, INSTANTS)
def test_different_instants_give_different_keys(data, one, other):
    """Two instants that differ anywhere, down to the last fraction digit, never share a key."""
    same = one[0] == other[0] and one[1].rstrip("0") == other[1].rstrip("0")
    assert (key(data.draw(spellings(one))) == key(data.draw(spellings(other)))) == same


def test_a_lower_case_t_keeps_the_sub_microsecond_digits_through_bind():
    """The regression: 't' as the separator once dropped the digits past the microsecond."""
    bound = [bind(envelope("temperature", payload={"device_id": "TS001", "timestamp": ts, "temperature": 4.0}),
                  "telemetry", config.from_env({})).message_key
             for ts in ("2026-11-27t10:00:00.1234567z", "2026-11-27T10:00:00.1234568Z", "2026-11-27T10:00:00.12345670Z")]
    assert bound[0] != bound[1] and bound[0] == bound[2]
    assert json.dumps(bound)  # plain text keys
