"""Daily partitions and retention: old delivered data goes, undelivered data never does."""
from datetime import datetime, timedelta, timezone

from webhooks.cli import main
from tests.sqlconn import connect
from webhooks.store.retention import maintain


def _insert(conn, key, device_ts, state, ph="%s"):
    conn.execute(
        "INSERT INTO message (message_key, device_ts, device_id, kind, device_type, farm_id, msg_id, topic, "
        f"received_at, payload, schema_id, odoo_model, state) VALUES ({', '.join([ph] * 13)})",
        (key, device_ts, "TS001", "data", "temperature", "farm-a", "ID" + key, "dairy/farm-a/temperature/TS001/data",
         device_ts, '{"temperature": 3.9}', "s", "iot.temperature.reading", state),
    )


def test_postgres_drops_delivered_partitions_and_keeps_undelivered(ingest_pg_url):
    """A partition past the window is dropped only when every row in it was delivered."""
    now = datetime.now(timezone.utc)
    conn = connect(ingest_pg_url)
    for days in (40, 41):
        day = (now - timedelta(days=days)).date()
        lo = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
        conn.execute(f"CREATE TABLE message_{day:%Y%m%d} PARTITION OF message FOR VALUES FROM ('{lo.isoformat()}') "
                     f"TO ('{(lo + timedelta(days=1)).isoformat()}')")
    _insert(conn, "a", now - timedelta(days=40, hours=-1), "delivered")
    _insert(conn, "b", now - timedelta(days=41, hours=-1), "pending")
    _insert(conn, "c", now - timedelta(days=90), "delivered")  # default partition (backfill)
    _insert(conn, "d", now - timedelta(days=90, hours=1), "failed")
    _insert(conn, "e", now, "pending")
    report = maintain(ingest_pg_url, retention_days=30)
    assert report.partitions_dropped == [f"message_{(now - timedelta(days=40)).date():%Y%m%d}"]
    assert report.partitions_kept_undelivered == [f"message_{(now - timedelta(days=41)).date():%Y%m%d}"]
    assert report.rows_deleted == 1
    keys = sorted(r[0] for r in conn.execute("SELECT message_key FROM message").fetchall())
    assert keys == ["b", "d", "e"]
    conn.close()


def test_partitions_are_created_ahead_and_rows_move_out_of_the_default(ingest_pg_url):
    """A late maintenance run creates the missing day and moves its rows out of the default partition."""
    conn = connect(ingest_pg_url)
    future = datetime.now(timezone.utc) + timedelta(days=10)
    _insert(conn, "f", future, "pending")
    assert conn.execute("SELECT tableoid::regclass::text FROM message").fetchone()[0] == "message_default"
    report = maintain(ingest_pg_url, retention_days=30, days_ahead=12)
    assert report.partitions_created == 5
    assert conn.execute("SELECT tableoid::regclass::text FROM message").fetchone()[0] == f"message_{future:%Y%m%d}"
    conn.close()


def test_sqlite_deletes_old_delivered_rows_only(ingest_sqlite_url, capsys):
    """On the embedded store the same rule applies row by row, via `sdiot store maintain`."""
    conn = connect(ingest_sqlite_url)
    old = (datetime.now(timezone.utc) - timedelta(days=60)).isoformat(timespec="microseconds")
    _insert(conn, "a", old, "delivered", ph="?")
    _insert(conn, "b", old, "pending", ph="?")
    assert main(["store", "maintain", "--database-url", ingest_sqlite_url, "--retention-days", "30"]) == 0
    assert "rows deleted 1" in capsys.readouterr().out
    assert [r[0] for r in conn.execute("SELECT message_key FROM message")] == ["b"]
    conn.close()


def test_maintenance_beside_live_queries_neither_deadlocks_nor_fails_them(ingest_pg_url):
    """Dropping partitions locks parent before partition, as ingest does: no deadlock either way."""
    import threading

    import psycopg

    now = datetime.now(timezone.utc)
    conn = connect(ingest_pg_url)
    for days in range(40, 44):
        day = (now - timedelta(days=days)).date()
        lo = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
        conn.execute(f"CREATE TABLE message_{day:%Y%m%d} PARTITION OF message FOR VALUES FROM ('{lo.isoformat()}') "
                     f"TO ('{(lo + timedelta(days=1)).isoformat()}')")
        _insert(conn, f"k{days}", lo + timedelta(hours=1), "delivered")
    conn.close()
    errors, stop = [], threading.Event()

    def query():
        with psycopg.connect(ingest_pg_url, autocommit=True) as c:
            while not stop.is_set():
                try:
                    c.execute("SELECT count(*) FROM message WHERE state = 'pending'").fetchone()
                except psycopg.Error as exc:
                    errors.append(exc)

    threads = [threading.Thread(target=query) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        report = maintain(ingest_pg_url, retention_days=30)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert report.errors == [] and len(report.partitions_dropped) == 4
    assert errors == []


def test_retention_never_ends_before_the_backfill_window(ingest_pg_url, monkeypatch, capsys):
    """A partition inside the tier's backfill window is kept even when asked for less: a late
    reading's resend must still find its key, or it would be accepted and reach Odoo twice."""
    now = datetime.now(timezone.utc)
    conn = connect(ingest_pg_url)
    day = (now - timedelta(days=20)).date()
    lo = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    conn.execute(f"CREATE TABLE message_{day:%Y%m%d} PARTITION OF message FOR VALUES FROM ('{lo.isoformat()}') "
                 f"TO ('{(lo + timedelta(days=1)).isoformat()}')")
    _insert(conn, "late", lo + timedelta(hours=12), "delivered")
    report = maintain(ingest_pg_url, retention_days=10, max_backfill_days=30)
    assert report.retention_days == 31 and report.partitions_dropped == [] and "raised" in report.notes[0]
    monkeypatch.setenv("SDIOT_MAX_BACKFILL_DAYS", "15")
    assert main(["store", "maintain", "--database-url", ingest_pg_url, "--retention-days", "10"]) == 0
    out = capsys.readouterr().out
    assert "dropped 1" in out and "raised from 10 to 16 days" in out
    assert conn.execute("SELECT count(*) FROM message WHERE message_key = 'late'").fetchone()[0] == 0
    conn.close()
