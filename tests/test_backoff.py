"""The one retry policy (odoo_connector/backoff.py): the curve, its jitter, its bounds, its switch."""
import pytest

from odoo_connector import backoff
from odoo_connector.backoff import Backoff, Retrying
from odoo_connector.retry import RetryPolicy
from webhooks.forwarder import backoff as forwarder_backoff


class Flaky:
    """Fails ``failures`` times with ``error``, then answers "ok"; counts its calls."""

    def __init__(self, failures, error=ConnectionError):
        self.failures, self.error, self.calls = failures, error, 0

    def __call__(self):
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error("down")
        return "ok"


@pytest.fixture
def timeline():
    """A clock that only sleeping moves, and the list of sleeps."""
    state = {"now": 0.0, "slept": []}

    def sleep(seconds):
        state["slept"].append(seconds)
        state["now"] += seconds

    def policy(**kw):
        return Retrying(sleep=sleep, clock=lambda: state["now"], jitter=lambda lo, hi: hi, **kw)

    state["policy"] = policy
    return state


@pytest.fixture
def retries_off():
    backoff.set_active(False)
    yield
    backoff.set_active(True)


@pytest.mark.parametrize("attempt,expected", [(1, 0.25), (2, 0.5), (3, 1.0), (4, 2.0), (5, 3.0), (10**6, 3.0)])
def test_delays_double_until_the_cap(attempt, expected):
    """Without jitter the n-th wait is base·2^(n-1), and never above the cap, however large n is."""
    assert Backoff(base=0.25, cap=3.0, jitter=False).delay(attempt) == expected


@pytest.mark.parametrize("rand", [0.0, 0.3, 0.999999])
@pytest.mark.parametrize("attempt", [1, 4, 40])
def test_jitter_stays_between_a_tenth_of_the_step_and_the_step(attempt, rand):
    """Full jitter draws from [step/10, step]: never more than the capped step, never an instant retry."""
    step = Backoff(base=0.25, cap=3.0, jitter=False).delay(attempt)
    assert step / 10 <= Backoff(base=0.25, cap=3.0).delay(attempt, rand=lambda: rand) <= step


def test_real_jitter_spreads_the_waits():
    """With the real random source, waits for the same attempt differ and stay in bounds."""
    waits = {Backoff(base=1.0, cap=8.0).delay(3) for _ in range(50)}
    assert len(waits) > 1 and all(0.4 <= w <= 4.0 for w in waits)


def test_a_named_failure_is_retried_until_the_call_succeeds(timeline):
    """Two connect failures, then an answer: the answer is returned after two growing waits."""
    flaky = Flaky(2)
    policy = timeline["policy"](attempts=5, backoff=Backoff(base=0.1, cap=1.0))
    assert policy.call(flaky, on=ConnectionError) == "ok"
    assert flaky.calls == 3 and timeline["slept"] == [0.1, 0.2]


def test_attempts_bound_the_tries(timeline):
    """Failing forever: exactly ``attempts`` tries, then the last failure surfaces."""
    flaky = Flaky(99)
    with pytest.raises(ConnectionError):
        timeline["policy"](attempts=4, backoff=Backoff(base=0.1, cap=1.0)).call(flaky, on=ConnectionError)
    assert flaky.calls == 4 and timeline["slept"] == [0.1, 0.2, 0.4]


def test_total_time_bounds_the_tries(timeline):
    """No new try starts once the next wait would end past max_time, whatever attempts allows."""
    flaky = Flaky(99)
    policy = timeline["policy"](attempts=100, max_time=1.0, backoff=Backoff(base=0.1, cap=1.0))
    with pytest.raises(ConnectionError):
        policy.call(flaky, on=ConnectionError)
    assert flaky.calls == 4 and timeline["slept"] == [0.1, 0.2, 0.4]
    assert sum(timeline["slept"]) <= 1.0


@pytest.mark.parametrize("error,when", [(KeyError, None), (ConnectionError, lambda exc: False)])
def test_only_named_and_accepted_failures_are_retried(timeline, error, when):
    """An exception outside ``on``, or one ``when`` refuses, surfaces at the first try."""
    flaky = Flaky(1, error)
    with pytest.raises(error):
        timeline["policy"](attempts=5).call(flaky, on=ConnectionError, when=when)
    assert flaky.calls == 1 and timeline["slept"] == []


def test_the_switch_turns_retries_and_sleeping_off(timeline, retries_off):
    """set_active(False): every policy, the connector's included, tries once and never sleeps."""
    for policy in (timeline["policy"](attempts=5), RetryPolicy(sleep=timeline["slept"].append)):
        flaky = Flaky(1)
        with pytest.raises(ConnectionError):
            policy.call(flaky, on=ConnectionError)
        assert flaky.calls == 1
    assert timeline["slept"] == [] and not backoff.is_active()


def test_off_makes_one_try():
    """Retrying.off(): one try, no waiting, for callers that back off themselves."""
    flaky = Flaky(1)
    with pytest.raises(ConnectionError):
        RetryPolicy.off().call(flaky, on=ConnectionError, when=None)
    assert flaky.calls == 1


def test_the_forwarder_and_the_connector_share_the_policy():
    """The forwarder's Backoff is the connector's; each keeps its own defaults."""
    assert forwarder_backoff.Backoff is Backoff
    assert isinstance(RetryPolicy(), Retrying)
    assert RetryPolicy().backoff == Backoff(base=0.2, cap=5.0) and forwarder_backoff.Backoff() == Backoff()
