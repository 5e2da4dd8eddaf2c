"""The rules tool offline: loading rule files, SQL text handling, rendering, lint, export."""
import argparse
import re
import tomllib
from pathlib import Path

import pytest

from emqx_rules import desired, export, lint, loader, plan, sqltext
from webhooks import config
from webhooks.cli import COMMAND_MODULES
from webhooks.cli import rules as rules_cli

ENV = {"SDIOT_WEBHOOK_URL": "http://webhooks:8000/", "SDIOT_WEBHOOK_TOKENS": " tok-a , tok-b"}


def sdiot_rules(*argv):
    """`sdiot rules ...` with only this command group registered."""
    parser = argparse.ArgumentParser()
    rules_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["rules", *argv])
    args.settings = config.from_env()  # as sdiot's main() does
    return args.func(args)


def test_rules_command_is_registered():
    """`sdiot rules` is one of the CLI's command groups."""
    assert "webhooks.cli.rules" in COMMAND_MODULES


def test_rule_files_load_with_ids_from_file_names():
    """The five rules load; the file name is the id and the action is sdiot_<id> on the one connector."""
    rs = loader.load()
    assert set(rs.rules) == {"telemetry", "status", "alerts", "cold_chain", "presence"}
    assert {r.action.name for r in rs.rules.values()} == {f"sdiot_{i}" for i in rs.rules}
    assert {r.action.connector for r in rs.rules.values()} == {"sdiot_webhook"} == set(rs.connectors)
    paths = {r.id: r.action.path for r in rs.rules.values()}
    assert paths == {"telemetry": "/v1/ingest/telemetry", "status": "/v1/ingest/status",
                     "alerts": "/v1/ingest/alerts", "cold_chain": "/v1/ingest/alerts",
                     "presence": "/v1/ingest/presence"}
    assert rs.rules["cold_chain"].reads_payload and not rs.rules["telemetry"].reads_payload


@pytest.mark.parametrize("text,message", [
    ('sql = "SELECT 1 AS a FROM \\"t\\""\n', "needs an [action]"),
    ('[action]\npath = "/x"\nconnector = "c"\n', "needs sql"),
    ('sql = "x"\nbogus = 1\n[action]\npath = "/x"\nconnector = "c"\n', "unknown key"),
    ('sql = """\n', "not valid TOML"),
])
def test_bad_rule_files_say_how_to_fix(tmp_path, text, message):
    """A malformed rule file is a RuleFileError naming the file and what is missing."""
    path = tmp_path / "r1.toml"
    path.write_text(text)
    with pytest.raises(loader.RuleFileError, match=re.escape(message)):
        loader.load_rule(path)


def test_rule_id_must_be_plain(tmp_path):
    """A file name that is no usable rule id is refused (ids end up in URLs and action names)."""
    path = tmp_path / "Bad-Name.toml"
    path.write_text('sql = "x"\n[action]\npath = "/x"\nconnector = "c"\n')
    with pytest.raises(loader.RuleFileError, match="rename"):
        loader.load_rule(path)


def test_strip_comments_keeps_quoted_dashes():
    """`--` starts a comment only outside quotes; the last-line comment EMQX would choke on is gone."""
    sql = "SELECT '--not a comment' AS a, -- real comment 'x'\n  b\nFROM \"t/--/#\" -- trailing"
    assert sqltext.strip_comments(sql) == "SELECT '--not a comment' AS a,\n  b\nFROM \"t/--/#\""


def test_normalize_ignores_layout_not_literals():
    """Whitespace and comments outside quotes do not count; inside a literal they do."""
    assert sqltext.normalize("SELECT a,\n   b  FROM \"t\" -- c") == sqltext.normalize("SELECT a, b FROM \"t\"")
    assert sqltext.normalize("SELECT 'a  b' AS x FROM t") != sqltext.normalize("SELECT 'a b' AS x FROM t")


def test_trap_scanners():
    """Double quotes outside FROM, payload.x reads and SELECT * are found; FROM's quotes are fine."""
    assert sqltext.double_quoted_outside_from('SELECT a FROM "t/#" WHERE a = "on"') == ['"on"']
    assert sqltext.double_quoted_outside_from('SELECT a FROM "t/#"') == []
    assert sqltext.reads_payload_fields("SELECT payload.temp FROM t")
    assert not sqltext.reads_payload_fields("SELECT payload FROM t -- payload.x")
    assert sqltext.selects_star("SELECT * FROM t") and sqltext.selects_star("SELECT a, * FROM t")
    assert not sqltext.selects_star("SELECT a * 2 AS b FROM t")


def test_render_uses_env_url_and_first_token():
    """The connector gets SDIOT_WEBHOOK_URL and the first token; its description fingerprints it."""
    out = desired.render(loader.load(), ENV)
    conn = out["connectors"]["sdiot_webhook"]
    assert conn["url"] == "http://webhooks:8000"
    assert conn["headers"]["authorization"] == "Bearer tok-a"
    assert desired.token_fingerprint("tok-a") in conn["description"]
    assert "tok-a" not in conn["description"]
    action = out["actions"]["sdiot_cold_chain"]
    assert action["parameters"] == {"method": "post", "path": "/v1/ingest/alerts"}
    assert action["resource_opts"]["query_mode"] == "async"
    assert out["rules"]["presence"]["actions"] == ["http:sdiot_presence"]


@pytest.mark.parametrize("missing", ["SDIOT_WEBHOOK_URL", "SDIOT_WEBHOOK_TOKENS"])
def test_render_needs_url_and_token(missing):
    """Without the tier's URL or a token there is nothing safe to apply: a clear error."""
    env = {k: v for k, v in ENV.items() if k != missing}
    with pytest.raises(desired.MissingSetting, match=missing):
        desired.render(loader.load(), env)


def test_every_resource_opt_has_a_reason():
    """Each setting in the connector file is preceded by a comment line saying why."""
    path = loader.CONNECTORS_DIR / "sdiot_webhook.toml"
    lines = path.read_text().splitlines()
    exempt = ("#", "[", "description", "url_env", "bearer_token_env")
    settings = [i for i, line in enumerate(lines) if "=" in line and not line.startswith(exempt)]
    assert len(settings) >= 10
    for i in settings:
        assert lines[i - 1].startswith("#"), f"no reason above: {lines[i]}"


@pytest.mark.parametrize("want,have,same", [
    ("60s", "1m", True), ("32MB", "32mb", True), ("5s", "5000ms", True), ("60s", "45s", False),
    (100, 100.0, True), (True, 1, False), ("a", "******", True),
])
def test_differences_normalise_values(want, have, same):
    """Durations, sizes and redacted secrets compare by meaning, booleans by identity."""
    assert (plan.differences({"k": want}, {"k": have}) == []) is same


def test_differences_never_print_secrets():
    """A missing or different authorization header is reported without its value."""
    diffs = plan.differences({"headers": {"authorization": "Bearer s3cret"}}, {"headers": {}})
    assert diffs == ["headers.authorization: (secret) -> (secret)"]


def _fake_compile(sql):
    return object()


class _NoError(Exception):
    pass


def _lint_one(tmp_path, rule_text, ttl=None):
    (tmp_path / "rules").mkdir()
    (tmp_path / "connectors").mkdir()
    conn = (loader.CONNECTORS_DIR / "sdiot_webhook.toml").read_text()
    if ttl:
        conn = conn.replace('request_ttl = "60s"', f'request_ttl = "{ttl}"')
    (tmp_path / "connectors" / "sdiot_webhook.toml").write_text(conn)
    (tmp_path / "rules" / "r1.toml").write_text(rule_text)
    rs = loader.load(tmp_path / "rules", tmp_path / "connectors")
    return [f.message for f in lint.lint(rs, compile_rule=_fake_compile, rule_error=_NoError)]


TRAP_RULE = '''sql = """
SELECT *, payload.temp AS t FROM "dairy/+/+/+/data" WHERE clientid = "MM001"
"""
[action]
connector = "sdiot_webhook"
path = "/v1/ingest/telemetry"
body = '{"t": ${t}}'
'''


def test_lint_warns_on_each_trap(tmp_path):
    """Double-quoted string, payload.x in an ingest rule, SELECT *, body template, short TTL: all named."""
    messages = _lint_one(tmp_path, TRAP_RULE, ttl="2s")
    joined = "\n".join(messages)
    for needle in ('"MM001" outside FROM', "reads payload.x", "SELECT *", "body template",
                   "request_ttl 2s < health_check_interval"):
        assert needle in joined
    assert len(messages) == 5


def test_lint_errors_on_missing_connector(tmp_path):
    """An action on a connector with no file is an error."""
    text = 'sql = "SELECT payload FROM \\"t\\""\n[action]\nconnector = "nope"\npath = "/v1/ingest/x"\n'
    assert any("no file in connectors/" in m for m in _lint_one(tmp_path, text))


def test_lint_errors_on_shared_action_name(tmp_path):
    """Two rules naming the same action would overwrite each other's path: an error."""
    messages = _lint_one(tmp_path, 'sql = "SELECT payload FROM \\"t\\""\n[action]\nname = "a1"\n'
                                   'connector = "sdiot_webhook"\npath = "/v1/ingest/x"\n')
    assert messages == []
    (tmp_path / "rules" / "r2.toml").write_text((tmp_path / "rules" / "r1.toml").read_text())
    rs = loader.load(tmp_path / "rules", tmp_path / "connectors")
    found = lint.lint(rs, compile_rule=_fake_compile, rule_error=_NoError)
    assert [(f.level, f.rule_id) for f in found] == [("error", "r2")]


LINT_CASES = sorted(p for p in (Path(__file__).parent / "fixtures" / "rules_lint").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", LINT_CASES, ids=[p.name for p in LINT_CASES])
def test_lint_case(case, monkeypatch):
    """A case folder's rules/ and connectors/ lint to exactly the findings its expected.txt lists."""
    monkeypatch.chdir(case)
    found = [str(f) for f in lint.lint(loader.load(case / "rules", case / "connectors"))]
    expected = [line for line in (case / "expected.txt").read_text().splitlines()
                if line and not line.startswith("#")]
    assert found == expected


def test_export_writes_loadable_rule_files(tmp_path):
    """Exported files load back with the same SQL, action path and connector."""
    snapshot = {
        "rules": {"telemetry": {"id": "telemetry", "sql": "SELECT payload FROM \"dairy/+/+/+/data\"",
                                "actions": ["http:sdiot_telemetry", {"function": "console"}], "enable": False,
                                "description": desired.MANAGED_PREFIX + " readings", "created_at": "x"}},
        "actions": {"sdiot_telemetry": {"name": "sdiot_telemetry", "connector": "sdiot_webhook", "status": "connected",
                                        "parameters": {"path": "/v1/ingest/telemetry", "method": "post",
                                                       "headers": {"authorization": "******"}},
                                        "resource_opts": {"request_ttl": "60s", "inflight_window": 100}}},
        "connectors": {},
    }
    (path,) = export.export(snapshot, tmp_path)
    rule = loader.load_rule(path)
    assert rule.sql.strip() == snapshot["rules"]["telemetry"]["sql"]
    assert (rule.action.path, rule.action.connector, rule.enable) == ("/v1/ingest/telemetry", "sdiot_webhook", False)
    assert rule.action.resource_opts == {"request_ttl": "60s", "inflight_window": 100}
    assert rule.description == "readings"
    assert "console" in path.read_text()
    assert tomllib.loads(path.read_text())["action"]["headers"] == {"authorization": "******"}


def test_export_keeps_an_empty_body(tmp_path):
    """body = "" on the broker is exported as written (an empty body, not an unset one), and lint
    then names it (emqx_bridge_http_connector.erl render_request_body/3)."""
    snapshot = {"rules": {"status": {"id": "status", "sql": "SELECT payload FROM \"dairy/+/+/+/status\"",
                                     "actions": ["http:sdiot_status"]}},
                "actions": {"sdiot_status": {"name": "sdiot_status", "connector": "sdiot_webhook",
                                             "parameters": {"path": "/v1/ingest/status", "body": ""}}},
                "connectors": {}}
    (path,) = export.export(snapshot, tmp_path)
    assert loader.load_rule(path).action.body == ""
    found = lint.lint(loader.load(tmp_path, loader.CONNECTORS_DIR))
    assert [f.message.split(":")[0] for f in found if f.level == "error"] == ["[action] body"]


def test_lint_command_passes_on_the_repo_rules(capsys):
    """`sdiot rules lint` on the shipped rules: no errors, no warnings."""
    assert sdiot_rules("lint") == 0
    assert capsys.readouterr().out.strip().endswith("5 rules, 0 errors, 0 warnings")


def test_test_command_runs_every_case(capsys):
    """`sdiot rules test` runs all case files offline and reports them passed."""
    assert sdiot_rules("test") == 0
    out = capsys.readouterr().out
    total = sum(len(loader.case_files(r)) for r in loader.load().rules)
    assert out.strip().endswith(f"{total} passed, 0 failed")


def test_lint_of_a_folder_with_no_rules_fails_loudly(tmp_path, capsys):
    """An incomplete install (no rule files where they should be) is an error, not "0 rules, 0 errors"."""
    from webhooks.cli import main

    assert main(["rules", "--rules-dir", str(tmp_path), "lint"]) != 0
    assert "no rule files" in capsys.readouterr().err
