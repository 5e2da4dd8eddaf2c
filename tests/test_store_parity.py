"""The two dialects behave the same: one scenario runs through the store's API on PostgreSQL and on
SQLite, and what each returns is compared (values and Python types), not assumed."""
from contextlib import closing
from datetime import datetime, timedelta, timezone

import pytest

from webhooks.store import StoreRejected, StoreUnavailable, open_store
from webhooks.store.batch import DeadLetter
from webhooks.tools import readings

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)


def _scenario(url):
    """Everything a client of the store does, in order; returns what it saw, dialect-free."""
    seen = {}
    with closing(open_store(url, group_commit=False)) as store:
        first = readings.reading("TS001", at=T0, seq=1, received_at=T0)
        again = readings.reading("TS001", at=T0, seq=1, received_at=T0)  # same key, new msg_id: a resend
        status = readings.reading("TS002", at=T0 + timedelta(seconds=5), seq=2, kind="status", received_at=T0)
        results = store.write_batch([first, DeadLetter("telemetry", "schema_violation", "$.x", "{}", False, "M1"),
                                     again, status, DeadLetter("alerts", "invalid_json", "bad", "no", True)])
        seen["batch"] = [r if isinstance(r, bool) else "id" for r in results]
        seen["dead_ids_rise"] = results[1] < results[4]
        seen["presence"] = [store.apply_presence(readings.presence("TS001", True, T0 + timedelta(seconds=s)))
                            for s in (2, 1, 3)]  # the older event loses
        claimed = store.outbox.claim("message", 10, 60, "w1") + store.outbox.claim("device_presence", 10, 60, "w1")
        seen["claimed"] = sorted((r["_table"], r.get("message_key") or r["clientid"], r["attempts"]) for r in claimed)
        seen["types"] = sorted({(r["_table"], k, type(v).__name__) for r in claimed for k, v in r.items()
                                if v is not None and k != "_key"})
        seen["tz"] = {r[k].utcoffset() for r in claimed for k in ("received_at", "next_attempt_at", "event_at")
                      if k in r}
        by_table = {t: [r for r in claimed if r["_table"] == t] for t in ("message", "device_presence")}
        message, status_row = sorted(by_table["message"], key=lambda r: r["message_key"])
        store.outbox.mark_delivered("message", [(message, 41)], "w1")
        store.outbox.mark_failed("message", [(status_row, "odoo said no")], "someone-else")  # not ours: no-op
        store.outbox.postpone("message", [status_row], 30, "odoo down", "w1")
        store.outbox.renew("device_presence", by_table["device_presence"], 60, "w1")
        store.outbox.mark_delivered("device_presence", [(r, None) for r in by_table["device_presence"]], "w1")
        seen["stats"] = {k: v for k, v in store.outbox.stats().items() if k != "oldest_pending_age_seconds"}
        seen["next_due_s"] = round(store.outbox.next_due("message"))
        rows = store.outbox.rows("message")
        seen["rows"] = sorted((r["message_key"], r["state"], r["odoo_id"], r["last_error"], r["attempts"]) for r in rows)
        letters = store.dead_letters(limit=10)
        seen["dead_letters"] = [(d["stream"], d["reason"], d["body_truncated"], type(d["received_at"]).__name__)
                                for d in letters]
        seen["discarded"] = store.discard_dead_letters([letters[0]["id"]])
        seen["dead_left"] = [d["stream"] for d in store.dead_letters()]
        seen["retried"] = store.outbox.retry(all_failed=True)
        board = store.dashboard(T0 + timedelta(minutes=1), 5)
        seen["dashboard"] = {k: len(v) if isinstance(v, list) else type(v).__name__ for k, v in board.items()}
        seen["latest_payload_type"] = type(board["latest"][0]["payload"]).__name__
        seen["counts"] = store.counts()
        with pytest.raises(StoreRejected):  # NOT NULL: the values, on both
            store.write_batch([DeadLetter(None, "invalid_json", "x", "y", False)])
    return seen


def test_the_same_scenario_gives_the_same_answers_on_both_dialects(ingest_pg_url, ingest_sqlite_url):
    """Writes, presence, claims, marks, counts, dead letters and the dashboard agree, types included."""
    postgres, sqlite = _scenario(ingest_pg_url), _scenario(ingest_sqlite_url)
    assert postgres == sqlite
    assert postgres["batch"] == [True, "id", False, True, "id"] and postgres["presence"] == [True, False, True]
    assert postgres["tz"] == {timedelta(0)}  # instants come back aware, in UTC
    assert ("message", "payload", "dict") in postgres["types"] and ("device_presence", "connected", "bool") in \
        postgres["types"]


@pytest.mark.parametrize("url", ["sqlite:////nonexistent-dir/x.db", "postgresql://postgres@127.0.0.1:1/none"])
def test_an_unreachable_database_is_unavailable_on_both_dialects(url):
    """No driver exception leaves the store: an unreachable database is StoreUnavailable (a 503)."""
    with closing(open_store(url, pool_timeout=1.0)) as store, pytest.raises(StoreUnavailable):
        store.ping()
