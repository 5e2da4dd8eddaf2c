"""``sdiot`` as an operator's tool: --version, one --json shape, one-line errors with sysexits codes,
help that shows defaults.

Failures run the real command in a subprocess, so what is asserted is what an operator sees on
stderr (logging included), not what a test harness catches.
"""
import json
import os
import subprocess
import sys
from importlib import metadata

import pytest

from tests.conftest import _url_for
from webhooks.cli import COMMAND_MODULES, build_parser, main

SDIOT = [sys.executable, "-c", "import sys; from webhooks.cli import main; sys.exit(main())"]
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/x"
ODOO = {"SDIOT_ODOO_URL": "http://127.0.0.1:9", "SDIOT_ODOO_API_KEY": "k", "SDIOT_ODOO_PROTOCOL": "json2"}
INGEST_COMMANDS = [["migrate", "ingest"], ["outbox", "stats"], ["deadletters", "list"], ["store", "maintain"],
                   ["forward", "--once"]]


def _sdiot(*argv, env=None):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SDIOT_")}
    return subprocess.run(SDIOT + list(argv), capture_output=True, text=True, timeout=60,
                          env={**environ, **ODOO, **(env or {})})


def test_version_names_the_installed_distribution():
    """`sdiot --version` prints `sdiot <version>` of smart-dairy-iot-core and exits 0."""
    proc = _sdiot("--version")
    assert (proc.returncode, proc.stdout.strip()) == (0, f"sdiot {metadata.version('smart-dairy-iot-core')}")


@pytest.mark.parametrize("url, says, fix", [
    (UNREACHABLE, "Connection refused", "start the database server"),
    (_url_for("sdiot_no_such_database"), 'database "sdiot_no_such_database" does not exist',
     "createdb sdiot_no_such_database"),
], ids=["unreachable", "missing-database"])
@pytest.mark.parametrize("command", INGEST_COMMANDS, ids=" ".join)
def test_an_ingest_db_it_cannot_use_is_one_line_and_exit_69(pg_available, command, url, says, fix):
    """Unreachable server or missing database: one stderr line naming the database and the fix, 69."""
    proc = _sdiot(*command, "--database-url", url)
    assert proc.returncode == 69, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1, proc.stderr
    line = proc.stderr.strip()
    assert line.startswith(f"sdiot {command[0]}") and url.rpartition("/")[0] in line
    assert says in line and fix in line and "SDIOT_DATABASE_URL" in line


def test_json_failure_is_the_documented_shape_on_stdout():
    """--json: {"ok": false, "command", "error": {code, message, hint}} on stdout, same exit code."""
    proc = _sdiot("outbox", "stats", "--json", "--database-url", UNREACHABLE)
    doc = json.loads(proc.stdout)
    assert proc.returncode == 69 and set(doc) == {"ok", "command", "error"}
    assert (doc["ok"], doc["command"], doc["error"]["code"]) == (False, "outbox stats", "unavailable")
    assert "Connection refused" in doc["error"]["message"] and "SDIOT_DATABASE_URL" in doc["error"]["hint"]


def test_json_success_wraps_the_result(ingest_sqlite_url, capsys):
    """--json success: {"ok": true, "command", "result"}; the old keys live on inside "result"."""
    assert main(["outbox", "stats", "--json", "--database-url", ingest_sqlite_url]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["ok"], doc["command"]) == (True, "outbox stats")
    assert {"pending", "failed", "delivered", "oldest_pending_age_seconds"} <= set(doc["result"])


@pytest.mark.parametrize("argv", [
    ["outbox", "retry"],  # the command refuses: no selector
    ["outbox", "list", "--limit", "many"],  # argparse refuses
], ids=["command", "argparse"])
def test_usage_errors_exit_2_and_say_so_in_json(ingest_sqlite_url, capsys, argv):
    """A usage error exits 2; with --json stdout holds the failure document with code "usage"."""
    assert main([*argv, "--json", "--database-url", ingest_sqlite_url]) == 2
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert (doc["ok"], doc["command"], doc["error"]["code"]) == (False, " ".join(argv[:2]), "usage")
    assert err.strip()


def test_every_command_but_serve_takes_json():
    """--json is on every runnable command except the ones with nothing to report as a document."""
    from webhooks.cli import parsing

    commands = dict((" ".join(path), p) for path, p in parsing._commands(build_parser()))
    assert {"outbox stats", "rules plan", "devices import", "certs crl", "ca init", "acl check", "migrate",
            "forward", "deadletters discard", "store maintain", "simulate"} <= set(commands)
    for name, p in commands.items():
        assert ("--json" in p._option_string_actions) == (name.split()[0] != "serve"), name


def test_help_shows_defaults_and_keeps_the_command_order(capsys):
    """Options with a default say it in --help; `sdiot --help` lists the groups in COMMAND_MODULES order."""
    with pytest.raises(SystemExit):
        main(["outbox", "list", "--help"])
    assert "(default: 50)" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    groups = [m.rsplit(".", 1)[1] for m in COMMAND_MODULES]
    groups[groups.index("certs"):groups.index("certs") + 1] = ["ca", "certs"]  # certs.py registers both
    positions = [text.index(f"\n    {g} ") for g in groups]
    assert positions == sorted(positions)


@pytest.mark.parametrize("command", [["devices", "list"], ["certs", "expiring"], ["migrate", "auth"]], ids=" ".join)
def test_an_auth_db_it_cannot_use_is_one_line_and_exit_69(pg_available, command):
    """The auth DB unreachable or missing: the same one line with its fix, and 69."""
    for url, fix in ((UNREACHABLE, "start the database server"),
                     (_url_for("sdiot_no_such_database"), "createdb sdiot_no_such_database")):
        proc = _sdiot(*command, "--database-url", url)
        assert proc.returncode == 69 and len(proc.stderr.splitlines()) == 1, proc.stderr
        assert fix in proc.stderr and "SDIOT_AUTH_DATABASE_URL" in proc.stderr


def test_an_auth_db_nobody_migrated_says_to_migrate_it(empty_pg_url):
    """A reachable auth DB without its tables: one line saying `sdiot migrate auth`, 69, no traceback."""
    proc = _sdiot("devices", "list", "--database-url", empty_pg_url)
    assert proc.returncode == 69 and "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1
    assert "sdiot migrate auth" in proc.stderr


def test_demo_json_prints_the_summary_as_the_document_and_ends(tmp_path, monkeypatch, capsys):
    """`sdiot demo --json`: the summary is the one JSON document on stdout; the demo does not stay up."""
    import json as json_module

    from webhooks.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--json", "--cows", "4", "--hours", "1"]) == 0
    doc = json_module.loads(capsys.readouterr().out)
    assert doc["ok"] is True and doc["command"] == "demo"
    assert doc["result"]["accepted"] > 0 and "outbox" in doc["result"]
