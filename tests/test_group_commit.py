"""Group commit: concurrent writers share a commit, each gets its own answer, one bad row fails alone."""
import threading

import pytest

from webhooks import create_app
from webhooks.store import StoreRejected, StoreUnavailable
from webhooks.store.group_commit import GroupCommitter
from tests.factories import TOKEN, envelope
from tests.test_ingest_api import post


def _run_concurrently(committer, items):
    results, barrier = {}, threading.Barrier(len(items))

    def submit(item):
        barrier.wait(timeout=10)
        try:
            results[item] = committer.submit(item)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each caller got
            results[item] = exc

    threads = [threading.Thread(target=submit, args=(i,)) for i in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_batches_form_under_concurrency_and_answers_stay_aligned():
    """Callers queued behind a slow commit go out together; each gets the result for its own item."""
    batches, gate = [], threading.Event()

    def write(items):
        if not batches:
            gate.wait(timeout=5)  # hold the first commit so the others queue up behind it
        batches.append(list(items))
        return [item * 10 for item in items]

    committer = GroupCommitter(write)
    timer = threading.Timer(0.5, gate.set)
    timer.start()
    results = _run_concurrently(committer, list(range(1, 21)))
    timer.cancel()
    assert results == {i: i * 10 for i in range(1, 21)}
    assert max(len(b) for b in batches) > 1 and sum(len(b) for b in batches) == 20


def test_one_refused_row_fails_alone():
    """A batch the database refuses is retried row by row; only the bad row is refused."""
    def write(items):
        if "bad" in items:
            raise StoreRejected("value out of range")
        return [f"ok:{item}" for item in items]

    results = _run_concurrently(GroupCommitter(write), ["a", "b", "bad", "c"])
    assert isinstance(results.pop("bad"), StoreRejected)
    assert results == {"a": "ok:a", "b": "ok:b", "c": "ok:c"}


def test_an_outage_reaches_every_waiter():
    """When the commit fails for everyone, everyone hears it (and answers 503 upstream)."""
    def write(items):
        raise StoreUnavailable("server closed the connection")

    results = _run_concurrently(GroupCommitter(write), [1, 2, 3])
    assert all(isinstance(r, StoreUnavailable) for r in results.values())


def test_an_unconfirmed_commit_times_out_as_unavailable():
    """A commit that does not come back in time is a 503; EMQX's retry will find it as a duplicate."""
    release = threading.Event()
    committer = GroupCommitter(lambda items: release.wait(5) and [True] * len(items), timeout=0.2)
    with pytest.raises(StoreUnavailable):
        committer.submit("x")
    release.set()


def test_a_refused_value_is_a_dead_letter_with_reason_unstorable(ingest_url, monkeypatch):
    """If the database refuses a message's values, the body is kept (reason unstorable), not retried."""
    app = create_app({"database_url": ingest_url, "webhook_tokens": (TOKEN,)})

    def refuse(_message):
        raise StoreRejected("invalid input syntax for type json")

    monkeypatch.setattr(app.extensions["sdiot_store"], "insert_message", refuse)
    response = post(app.test_client(), envelope())
    assert response.status_code == 422 and response.json["reason"] == "unstorable"


def test_an_unexpected_error_on_one_row_does_not_fail_the_others():
    """Any error other than an outage is isolated row by row (e.g. a value the driver cannot encode)."""
    def write(items):
        if "bad" in items:
            raise UnicodeEncodeError("utf-8", "\udc80", 0, 1, "surrogates not allowed")
        return [f"ok:{item}" for item in items]

    results = _run_concurrently(GroupCommitter(write), ["a", "bad", "b"])
    assert isinstance(results.pop("bad"), UnicodeEncodeError)
    assert results == {"a": "ok:a", "b": "ok:b"}
