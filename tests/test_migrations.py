"""The migration runner on real PostgreSQL, for both databases it serves (auth and ingest)."""
import shutil
import threading

import psycopg
import pytest

from webhooks.cli import main
from webhooks.migrations import SQL_ROOT, MigrationError, Runner

DATABASES = ["auth", "ingest"]


def _versions(url):
    with psycopg.connect(url) as conn:
        return sorted(r[0] for r in conn.execute("SELECT version FROM schema_migrations"))


def _tables(url):
    with psycopg.connect(url) as conn:
        return {r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'")}


@pytest.mark.parametrize("database", DATABASES)
def test_up_down_up(database, empty_pg_url):
    """Every migration applies, rolls back to an empty schema, and applies again identically."""
    runner = Runner(database, empty_pg_url)
    all_versions = [m.version for m in runner.migrations]
    assert runner.up() == all_versions
    tables = _tables(empty_pg_url)
    assert tables and runner.up() == []
    while runner.down() is not None:
        pass
    assert _versions(empty_pg_url) == [] and _tables(empty_pg_url) == set()
    assert runner.up() == all_versions
    assert _tables(empty_pg_url) == tables
    assert all(s.applied and not s.tampered for s in runner.status())


@pytest.mark.parametrize("database", DATABASES)
def test_status_exit_code_fails_while_pending(database, empty_pg_url, capsys):
    """`sdiot migrate DB status --exit-code` exits 1 while migrations are pending, 0 once applied."""
    assert main(["migrate", database, "status", "--exit-code", "--database-url", empty_pg_url]) == 1
    assert "pending" in capsys.readouterr().out
    assert main(["migrate", database, "up", "--database-url", empty_pg_url]) == 0
    assert main(["migrate", database, "status", "--exit-code", "--database-url", empty_pg_url]) == 0


def _copy_tree(tmp_path, database):
    root = tmp_path / "sql"
    shutil.copytree(SQL_ROOT / database, root / database)
    return root


@pytest.mark.parametrize("database", DATABASES)
def test_edited_applied_file_is_refused(database, empty_pg_url, tmp_path):
    """An applied file whose up section changed is an error that says how to fix it."""
    root = _copy_tree(tmp_path, database)
    Runner(database, empty_pg_url, root=root).up()
    first = sorted((root / database).glob("*.sql"))[0]
    first.write_text(first.read_text().replace("-- migrate:up", "-- migrate:up\nSELECT 1;", 1))
    runner = Runner(database, empty_pg_url, root=root)
    with pytest.raises(MigrationError, match="edited after it was applied.*new migration file"):
        runner.up()
    with pytest.raises(MigrationError, match="edited after it was applied"):
        runner.down()
    assert [s.tampered for s in runner.status()][0] is True


def test_failed_file_applies_nothing(empty_pg_url, tmp_path):
    """A file that fails half-way leaves no table behind and is not recorded."""
    root = _copy_tree(tmp_path, "auth")
    (root / "auth" / "9999_broken.sql").write_text(
        "-- migrate:up\nCREATE TABLE half_done (x int);\nSELECT no_such_function();\n-- migrate:down\nDROP TABLE half_done;\n")
    runner = Runner("auth", empty_pg_url, root=root)
    with pytest.raises(MigrationError, match="9999_broken.sql.*rolled back"):
        runner.up()
    assert "half_done" not in _tables(empty_pg_url)
    assert "9999" not in _versions(empty_pg_url)
    assert [s.applied for s in runner.status()][-1] is False


@pytest.mark.parametrize("database", DATABASES)
def test_concurrent_runners_apply_once(database, empty_pg_url):
    """Two runners started together (two pods) serialise on the advisory lock: each file once."""
    barrier = threading.Barrier(2, timeout=30)
    results, errors = [], []

    def run():
        runner = Runner(database, empty_pg_url)
        barrier.wait()
        try:
            results.append(runner.up())
        except Exception as exc:  # collected and asserted below; a thread cannot raise to pytest
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    expected = [m.version for m in Runner(database, empty_pg_url).migrations]
    assert sorted(results, key=len) == [[], expected]
    assert _versions(empty_pg_url) == expected
