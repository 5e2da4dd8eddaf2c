"""Group commit: concurrent writers share a commit, each gets its own answer, one bad row fails alone."""
import threading

import psycopg
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


@pytest.fixture
def pg_store(ingest_pg_url):
    """A PostgreSQL store with group commit, closed (writer, connections) after the test."""
    from webhooks.store import open_store

    store = open_store(ingest_pg_url, group_commit=True)
    yield store
    store.close()


def _bound(path, seq):
    from webhooks import config
    from webhooks.binding import bind
    from tests.factories import payload_for

    return bind(envelope(path, payload=payload_for(path, seq=seq)), "telemetry", config.from_env())


def test_one_statement_stores_messages_and_dead_letters_and_maps_each_answer(pg_store, ingest_pg_url):
    """A mixed batch (as concurrent requests make it): each message learns if it was new, each
    rejected body gets the id of its own row, in the batch's order."""
    from webhooks.store.batch import DeadLetter

    first, second = _bound("gates", 1), _bound("waterers", 2)
    batch = [DeadLetter("telemetry", "schema_violation", "$.x: bad", '{"a":1}', False, "M1", "GT0001", "t/1"),
             first, first,  # the same key twice in one batch: new, then duplicate
             DeadLetter("alerts", "invalid_json", "Expecting value", "not json", True),
             second]
    results = pg_store.write_batch(batch)
    assert results[1:3] == [True, False] and results[4] is True
    with psycopg.connect(ingest_pg_url) as conn:
        rows = dict(conn.execute("SELECT id, body FROM dead_letter").fetchall())
        keys = {r[0] for r in conn.execute("SELECT message_key FROM message")}
    assert rows == {results[0]: '{"a":1}', results[3]: "not json"}
    assert keys == {first.message_key, second.message_key}
    assert pg_store.write_batch([first, DeadLetter("status", "x", "y", "z", False)])[0] is False
    # each half alone runs its own statement
    only_dead = pg_store.write_batch([DeadLetter("status", "x", "y", "alone", False)])
    assert pg_store.write_batch([_bound("gates", 3)]) == [True]
    with psycopg.connect(ingest_pg_url) as conn:
        assert conn.execute("SELECT body FROM dead_letter WHERE id = %s", only_dead).fetchone() == ("alone",)


def test_concurrent_rejects_and_accepts_through_the_app_each_get_their_own_answer(ingest_pg_url):
    """Through the views and the committer's writer: every 422 names the dead letter holding its body."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.factories import payload_for

    app = create_app({"database_url": ingest_pg_url, "webhook_tokens": (TOKEN,)})
    bodies = []
    for i in range(24):
        payload = payload_for("gates", seq=i)
        if i % 3 == 0:
            payload["timestamp"] = f"not-a-time-{i}"
        bodies.append(envelope("gates", payload=payload))

    def send(body):
        with app.test_client() as client:
            return post(client, body)

    try:
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(send, bodies))
        with psycopg.connect(ingest_pg_url) as conn:
            kept = dict(conn.execute("SELECT id, body FROM dead_letter").fetchall())
        for i, answer in enumerate(answers):
            if i % 3 == 0:
                assert answer.status_code == 422 and f"not-a-time-{i}" in kept[answer.json["dead_letter_id"]]
            else:
                assert answer.status_code == 200 and answer.json["status"] == "accepted"
    finally:
        app.extensions["sdiot_store"].close()


def test_the_writers_connection_is_replaced_after_the_server_drops_it(pg_store, ingest_pg_url):
    """A killed backend costs the batch in flight a 503 (EMQX retries); the next batch reconnects."""
    assert pg_store.insert_message(_bound("gates", 10)) is True
    pid = pg_store.db._writer.info.backend_pid
    with psycopg.connect(ingest_pg_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(StoreUnavailable):
        pg_store.insert_message(_bound("gates", 11))
    assert pg_store.insert_message(_bound("gates", 11)) is True
    assert pg_store.db._writer.info.backend_pid != pid


def test_after_a_quiet_spell_a_dropped_writer_connection_costs_a_reconnect_not_a_503(pg_store, ingest_pg_url):
    """A connection dropped while idle (firewall, idle_session_timeout) is found by a check first."""
    assert pg_store.insert_message(_bound("gates", 20)) is True
    pid = pg_store.db._writer.info.backend_pid
    with psycopg.connect(ingest_pg_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    pg_store.db._writer_used_at -= pg_store.db.WRITER_IDLE_CHECK_SECONDS + 1  # as if it had been quiet
    assert pg_store.insert_message(_bound("gates", 21)) is True
    assert pg_store.db._writer.info.backend_pid != pid
