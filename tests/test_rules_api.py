"""plan / apply / status against a faked EMQX REST API v5, faked at the transport with `responses`.

The fake answers as EMQX's handlers do, 5.8.9 and 6.x (HEAD 6.3):
- emqx/emqx apps/emqx_rule_engine/src/emqx_rule_engine_api.erl: GET /rules -> {data, meta:{page,
  limit,count,hasnext}}; POST 201 (400 "rule id already exists"); PUT 200, merged into the stored
  rule on both (5.8.9: apps/emqx/src/emqx_config_handler.erl merge_to_old_config/2; 6.x:
  maps:merge in '/rules/:id'(put)); DELETE 204; 404 {code: NOT_FOUND}; format_rule_info_resp adds
  from, created_at, last_modified_at (6.x also namespace: null, action_details).
- apps/emqx_bridge/src/emqx_bridge_v2_api.erl and apps/emqx_connector/src/emqx_connector_api.erl:
  GET lists (format_resource: raw config + fill_defaults + status, node_status, status_reason,
  redacted; on 6.x the defaults include options 5.8 lacks: max_inactive, health_check_timeout,
  health_check_interval_jitter, dispatch_strategy, fallback_actions); POST 201 / 400
  ALREADY_EXISTS; PUT 200 replaces, keeping "******" secrets (deobfuscate); DELETE 204, or 400
  while rules use the action / actions use the connector.
- On 5.8 a resource_opts key the schema lacks is 400 BAD_REQUEST, the message the JSON of hocon's
  first error (emqx/hocon hocon_tconf.erl check_unknown_fields/3, apps/emqx/src/emqx_hocon.erl
  format_error/2), from emqx_connector_schema.erl common_resource_opts_subfields/0 and
  emqx_bridge_http_schema.erl fields(action_resource_opts).
"""
import copy
import json
import re

import pytest
import requests
import responses

from emqx_rules import desired, export, lint, loader, plan
from emqx_rules.apply import apply_changes
from emqx_rules.rules_api import RulesApi
from tests.test_rules_tool import sdiot_rules
from webhooks.emqx_api import EmqxApi, EmqxApiError

BASE = "http://127.0.0.1:18083"
ENV = {"SDIOT_WEBHOOK_URL": "http://webhooks:8000", "SDIOT_WEBHOOK_TOKENS": "tok-new,tok-old"}
CONNECTOR_DEFAULTS = {"connect_timeout": "15s", "enable_pipelining": 100, "pool_size": 8, "pool_type": "random",
                      "ssl": {"enable": False, "verify": "verify_peer"}, "enable": True, "description": "",
                      "resource_opts": {"health_check_interval": "15s", "start_after_created": True,
                                        "start_timeout": "5s"}}
ACTION_DEFAULTS = {"enable": True, "description": "", "parameters": {"max_retries": 2, "method": "post"},
                   "resource_opts": {"health_check_interval": "15s", "inflight_window": 100,
                                     "max_buffer_bytes": "256MB", "query_mode": "async", "request_ttl": "45s",
                                     "worker_pool_size": 16}}
DEFAULTS_6X = {"connectors": {"max_inactive": "10s", "resource_opts": {"health_check_timeout": "60s"}},
               "actions": {"fallback_actions": [], "resource_opts": {
                   "dispatch_strategy": "per_clientid", "health_check_interval_jitter": "0ms",
                   "health_check_timeout": "60s"}}}
RESOURCE_OPTS_58 = {"connectors": {"health_check_interval", "start_after_created", "start_timeout"},
                    "actions": {"buffer_mode", "buffer_seg_bytes", "health_check_interval", "inflight_window",
                                "max_buffer_bytes", "metrics_flush_interval", "query_mode", "request_ttl",
                                "resume_interval", "worker_pool_size"}}


def _fill(defaults, raw):
    out = copy.deepcopy(defaults)
    for k, v in raw.items():
        out[k] = _fill(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _redact(obj):
    obj = copy.deepcopy(obj)
    for k, v in (obj.get("headers") or {}).items():
        if k.lower() in ("authorization", "proxy-authorization"):
            obj["headers"][k] = "******"
    return obj


class FakeEmqx:
    """Stateful EMQX REST v5: rules, HTTP connectors and actions; counts writes."""

    def __init__(self, rsps, version="5.8"):
        self.version, self.writes = version, []
        self.raw = {"connectors": {}, "actions": {}, "rules": {}}
        for method in ("GET", "POST", "PUT", "DELETE"):
            rsps.add_callback(method, re.compile(re.escape(BASE) + r"/api/v5/.*"), callback=self.handle)

    def handle(self, request):
        assert request.headers["Authorization"].startswith("Basic ")
        path = request.path_url.split("?")[0].removeprefix("/api/v5/")
        coll, _, ident = path.partition("/")
        body = json.loads(request.body) if request.body else None
        if request.method != "GET":
            self.writes.append((request.method, path))
        name = ident.split(":", 1)[-1]
        store = self.raw[coll]
        if request.method == "GET" and not ident:
            return self.list(coll, request)
        if request.method in ("POST", "PUT") and (refused := self.refused(coll, body)):
            return refused
        if request.method == "POST":
            key = body.get("id") if coll == "rules" else body["name"]
            if key in store:
                msg = ("BAD_REQUEST", "rule id already exists") if coll == "rules" else (
                    "ALREADY_EXISTS", "bridge already exists")
                return 400, {}, json.dumps({"code": msg[0], "message": msg[1]})
            dropped = ("id",) if coll == "rules" else ("type", "name")
            store[key] = {k: v for k, v in body.items() if k not in dropped}
            return 201, {}, json.dumps(self.render(coll, key))
        if name not in store:
            return 404, {}, json.dumps({"code": "NOT_FOUND", "message": f"{coll[:-1]} {name} not found"})
        if request.method == "PUT":
            dropped = ("id",) if coll == "rules" else ("type", "name", "status", "node_status")
            new = {k: v for k, v in body.items() if k not in dropped}
            if coll == "rules":
                new = {**store[name], **new}
            old = store[name]
            if coll != "rules" and (old.get("headers") or {}).get("authorization") and \
                    (new.get("headers") or {}).get("authorization") == "******":
                new["headers"]["authorization"] = old["headers"]["authorization"]
            store[name] = new
            return 200, {}, json.dumps(self.render(coll, name))
        if request.method == "DELETE":
            if coll == "actions" and any(f"http:{name}" in r.get("actions", []) for r in self.raw["rules"].values()):
                return 400, {}, json.dumps({"code": "BAD_REQUEST", "message":
                                            "Cannot delete action while active rules are depending on it"})
            if coll == "connectors" and any(a["connector"] == name for a in self.raw["actions"].values()):
                return 400, {}, json.dumps({"code": "BAD_REQUEST", "message": "Cannot delete connector while "
                                            "there are active channels defined for this connector"})
            del store[name]
            return 204, {}, ""
        return 200, {}, json.dumps(self.render(coll, name))

    def refused(self, coll, body):
        """5.8's 400 for a resource_opts key its schema lacks, or None."""
        unknown = sorted(set(body.get("resource_opts", {})) - RESOURCE_OPTS_58.get(coll, set()))
        if self.version != "5.8" or coll == "rules" or not unknown:
            return None
        error = {"kind": "validation_error", "path": "root.resource_opts", "reason": "unknown_fields",
                 "unknown": ", ".join(unknown), "unmatched": ", ".join(sorted(RESOURCE_OPTS_58[coll]))}
        return 400, {}, json.dumps({"code": "BAD_REQUEST", "message": json.dumps(error)})

    def render(self, coll, key):
        raw = self.raw[coll][key]
        if coll == "rules":
            out = {"id": key, "name": raw.get("name", ""), "sql": raw["sql"], "actions": raw.get("actions", []),
                   "enable": raw.get("enable", True), "description": raw.get("description", ""),
                   "from": re.findall(r'"([^"]+)"', raw["sql"].split("FROM", 1)[-1]),
                   "created_at": "2026-11-27T10:00:00.000+00:00", "last_modified_at": "2026-11-27T10:00:00.000+00:00"}
            if self.version == "6.x":
                out.update(namespace=None, action_details=[
                    {"type": "http", "name": a.split(":", 1)[1], "status": "connected"} for a in out["actions"]])
            return out
        defaults = CONNECTOR_DEFAULTS if coll == "connectors" else ACTION_DEFAULTS
        filled = _fill(_fill(defaults, DEFAULTS_6X[coll]) if self.version == "6.x" else defaults, raw)
        out = {**filled, "type": "http", "name": key, "status": "connected", "status_reason": "",
               "node_status": [{"node": "emqx@127.0.0.1", "status": "connected", "status_reason": ""}]}
        if coll == "actions":
            out["parameters"] = _redact(out["parameters"])
            out["rules"] = sorted(r for r, v in self.raw["rules"].items() if f"http:{key}" in v.get("actions", []))
        if self.version == "6.x":
            out.update(namespace=None, created_at=1795773600000, last_modified_at=1795773600000)
        return _redact(out)

    def list(self, coll, request):
        items = [self.render(coll, k) for k in sorted(self.raw[coll])]
        if coll != "rules":
            return 200, {}, json.dumps(items)
        page, limit = int(request.params.get("page", 1)), int(request.params.get("limit", 100))
        chunk = items[(page - 1) * limit: page * limit]
        meta = {"page": page, "limit": limit, "count": len(items), "hasnext": page * limit < len(items)}
        return 200, {}, json.dumps({"data": chunk, "meta": meta})


@pytest.fixture(params=["5.8", "6.x"])
def broker(request):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeEmqx(rsps, request.param)


@pytest.fixture
def api():
    return RulesApi(EmqxApi(BASE, "key", "secret"))


def _desired(env=ENV):
    return desired.render(loader.load(), env)


def _plan(api, env=ENV):
    return plan.plan(_desired(env), api.snapshot())


def _ops(changes):
    return {(c.op, c.kind, c.name) for c in changes if c.op != "noop"}


def test_plan_on_empty_broker_creates_everything(broker, api):
    """Against an empty broker, plan creates the connector, one action per rule and every rule."""
    changes = _plan(api)
    ids = loader.load().rules
    assert _ops(changes) == ({("create", "connector", "sdiot_webhook")}
                             | {("create", "action", f"sdiot_{r}") for r in ids}
                             | {("create", "rule", r) for r in ids})
    assert [c.kind for c in changes] == sorted((c.kind for c in changes), key=plan.KINDS.index)
    assert broker.writes == []


def test_apply_twice_second_is_noop(broker, api):
    """apply creates everything; a second plan has nothing to do and a second apply writes nothing."""
    outcomes = apply_changes(api, _plan(api))
    assert outcomes and all(o.done for o in outcomes)
    writes = len(broker.writes)
    second = _plan(api)
    assert plan.drift(second) == []
    assert apply_changes(api, second) == []
    assert len(broker.writes) == writes


def test_rule_body_is_what_emqx_needs(broker, api):
    """Rules are POSTed with comment-free SQL, the http:<action> reference and the managed marker."""
    apply_changes(api, _plan(api))
    rule = broker.raw["rules"]["telemetry"]
    assert "--" not in rule["sql"] and rule["sql"].startswith("SELECT")
    assert rule["actions"] == ["http:sdiot_telemetry"]
    assert rule["description"].startswith(desired.MANAGED_PREFIX)
    action = broker.raw["actions"]["sdiot_telemetry"]
    assert action["parameters"]["path"] == "/v1/ingest/telemetry" and "body" not in action["parameters"]
    assert action["resource_opts"]["query_mode"] == "async"
    conn = broker.raw["connectors"]["sdiot_webhook"]
    assert conn["url"] == "http://webhooks:8000" and conn["headers"]["authorization"] == "Bearer tok-new"


def test_secrets_and_server_fields_are_not_drift(broker, api):
    """GET shows the token as ****** and adds status/defaults/timestamps: none of it is drift."""
    apply_changes(api, _plan(api))
    snap = api.snapshot()
    assert snap["connectors"]["sdiot_webhook"]["headers"]["authorization"] == "******"
    assert snap["actions"]["sdiot_telemetry"]["status"] == "connected"
    assert plan.drift(plan.plan(_desired(), snap)) == []


def test_dashboard_edit_is_drift_and_status_exit_code(broker, api, monkeypatch, capsys):
    """A rule edited in the dashboard shows as an update; `status --exit-code` exits 1, then 0 after apply."""
    apply_changes(api, _plan(api))
    broker.raw["rules"]["status"]["sql"] = "SELECT * FROM \"dairy/+/+/+/status\""
    broker.raw["actions"]["sdiot_alerts"]["resource_opts"]["request_ttl"] = "5s"
    changes = _plan(api)
    assert _ops(changes) == {("update", "rule", "status"), ("update", "action", "sdiot_alerts")}
    assert any("request_ttl" in d for c in changes for d in c.diffs)
    for k, v in {**ENV, "SDIOT_EMQX_API_URL": BASE, "SDIOT_EMQX_API_KEY": "k", "SDIOT_EMQX_API_SECRET": "s"}.items():
        monkeypatch.setenv(k, v)
    assert sdiot_rules("status", "--exit-code") == 1
    assert "update    rule      status" in capsys.readouterr().out
    assert sdiot_rules("apply") == 0
    assert sdiot_rules("status", "--exit-code") == 0


def test_body_template_added_in_dashboard_is_drift(broker, api):
    """A body template we leave unset, set on the broker, is drift (it would bypass JSON encoding)."""
    apply_changes(api, _plan(api))
    broker.raw["actions"]["sdiot_status"]["parameters"]["body"] = '{"id":"${id}"}'
    assert _ops(_plan(api)) == {("update", "action", "sdiot_status")}


def test_token_rotation_is_drift_despite_redaction(broker, api):
    """Putting a new token first changes the connector's token fingerprint, so plan updates it."""
    apply_changes(api, _plan(api))
    rotated = {**ENV, "SDIOT_WEBHOOK_TOKENS": "tok-newer,tok-new"}
    changes = _plan(api, rotated)
    assert _ops(changes) == {("update", "connector", "sdiot_webhook")}
    apply_changes(api, changes)
    assert broker.raw["connectors"]["sdiot_webhook"]["headers"]["authorization"] == "Bearer tok-newer"


def test_prune_deletes_only_managed_objects_in_order(broker, api):
    """A managed rule gone from git is deleted (rule, then action) only with prune; unmanaged stays."""
    apply_changes(api, _plan(api))
    broker.raw["rules"]["old_rule"] = {"sql": 'SELECT * FROM "x/#"', "actions": ["http:sdiot_old_rule"],
                                       "description": desired.MANAGED_PREFIX + " retired", "enable": True}
    broker.raw["actions"]["sdiot_old_rule"] = {"connector": "sdiot_webhook", "parameters": {"path": "/x"},
                                               "tags": [desired.MANAGED_TAG]}
    broker.raw["rules"]["someone_elses"] = {"sql": 'SELECT * FROM "y/#"', "actions": [], "description": "ops"}
    changes = _plan(api)
    assert _ops(changes) == {("delete", "rule", "old_rule"), ("delete", "action", "sdiot_old_rule"),
                             ("unmanaged", "rule", "someone_elses")}
    assert apply_changes(api, changes) == []
    assert "old_rule" in broker.raw["rules"]
    done = apply_changes(api, changes, prune=True)
    assert [(o.change.kind, o.done) for o in done] == [("rule", True), ("action", True)]
    assert set(broker.raw["rules"]) == set(loader.load().rules) | {"someone_elses"}


def test_rules_list_is_paged(broker, api):
    """GET /rules is paged ({data, meta.hasnext}); the client reads every page."""
    for i in range(5):
        broker.raw["rules"][f"r{i}"] = {"sql": 'SELECT * FROM "t"', "actions": []}
    assert len(api.list_rules(limit=2)) == 5


def test_errors_carry_status_and_code(broker, api):
    """EMQX's error JSON {code, message} becomes EmqxApiError with status and code."""
    api.create("rule", {"id": "dup", "sql": 'SELECT * FROM "t"', "actions": []})
    with pytest.raises(EmqxApiError) as err:
        api.create("rule", {"id": "dup", "sql": 'SELECT * FROM "t"', "actions": []})
    assert err.value.status == 400 and "rule id already exists" in str(err.value)
    with pytest.raises(EmqxApiError) as err:
        api.delete("action", "missing")
    assert err.value.status == 404 and err.value.code == "NOT_FOUND"


def test_unreachable_broker_is_an_api_error():
    """A connection failure is reported as EmqxApiError, not a requests traceback."""
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, f"{BASE}/api/v5/connectors", body=requests.exceptions.ConnectionError("refused"))
        with pytest.raises(EmqxApiError, match="unreachable"):
            RulesApi(EmqxApi(BASE, "k", "s")).snapshot()


@pytest.mark.parametrize("status,body,verdict", [
    (200, {"msg_id": "x"}, "match"),
    (412, {"code": "NOT_MATCH", "message": "SQL Not Match"}, "nomatch"),
    (400, {"code": "BAD_REQUEST", "message": "{select_and_transform_error,...}"}, "error"),
])
def test_rule_test_verdicts(status, body, verdict):
    """POST /rule_test: 200 output, 412 NOT_MATCH, 400 parse/runtime error (emqx_rule_engine_api.erl)."""
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, f"{BASE}/api/v5/rule_test", json=body, status=status)
        got, _ = RulesApi(EmqxApi(BASE, "k", "s")).rule_test('SELECT 1 AS a FROM "t"',
                                                             {"event_type": "message_publish"})
        assert got == verdict
        sent = json.loads(rsps.calls[0].request.body)
        assert set(sent) == {"sql", "context"}


def test_live_test_reports_disagreements_with_the_broker():
    """`test --live` sends each case to /rule_test with event_type and the schema's columns only,
    and reports every case whose broker answer differs (emqx_rule_api_schema.erl ctx_pub etc.)."""
    from emqx_rules import case_runner, live_test

    ruleset = loader.load()
    sent = []

    def answer(request):
        body = json.loads(request.body)
        sent.append(body["context"])
        return 412, {}, json.dumps({"code": "NOT_MATCH", "message": "SQL Not Match"})

    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.POST, f"{BASE}/api/v5/rule_test", callback=answer)
        found = live_test.compare(RulesApi(EmqxApi(BASE, "k", "s")), ruleset, loader.case_files)
    cases = [(r, p) for r in ruleset.rules.values() for p in loader.case_files(r.id)]
    expected_disagree = {(r.id, p.stem) for r, p in cases if case_runner.load_case(p).get("expect") != []}
    assert {(d.rule_id, d.case) for d in found} == expected_disagree
    assert len(sent) == len(cases)
    publish = next(c for c in sent if c["event_type"] == "message_publish")
    assert "flags" not in publish and "event" not in publish and publish["payload"] is not None
    assert {c["event_type"] for c in sent} == {"message_publish", "client_connected", "client_disconnected"}
    connected = next(c for c in sent if c["event_type"] == "client_connected")
    assert connected["proto_ver"] == "5" and "conn_props" not in connected


@pytest.fixture
def api_env(monkeypatch):
    for k, v in {**ENV, "SDIOT_EMQX_API_URL": BASE, "SDIOT_EMQX_API_KEY": "k", "SDIOT_EMQX_API_SECRET": "s"}.items():
        monkeypatch.setenv(k, v)


def test_plan_command_prints_each_change(broker, api, api_env, capsys):
    """`sdiot rules plan` lists creates, then after apply updates, and deletes kept without --prune."""
    assert sdiot_rules("plan") == 0
    out = capsys.readouterr().out
    assert "+ create    connector sdiot_webhook" in out and "+ create    rule      cold_chain" in out
    assert out.strip().endswith("plan: 11 to create, 0 to update, 0 to delete")
    assert broker.writes == []
    sdiot_rules("apply")
    broker.raw["rules"]["gone"] = {"sql": 'SELECT * FROM "t"', "actions": [],
                                   "description": desired.MANAGED_PREFIX + " x"}
    capsys.readouterr()
    assert sdiot_rules("plan") == 0
    out = capsys.readouterr().out
    assert "- delete    rule      gone (kept: pass --prune to delete)" in out
    assert out.strip().endswith("plan: 0 to create, 0 to update, 0 to delete")


def test_export_command_round_trips_applied_rules(broker, api, api_env, tmp_path):
    """Rules applied from the files and exported again load back with the same SQL and action."""
    sdiot_rules("apply")
    assert sdiot_rules("export", "--out", str(tmp_path), "--managed-only") == 0
    exported = loader.load(tmp_path, loader.CONNECTORS_DIR)
    for rule in loader.load().rules.values():
        back = exported.rules[rule.id]
        assert back.emqx_sql == rule.emqx_sql
        assert (back.action.name, back.action.path, back.action.connector) == (
            rule.action.name, rule.action.path, rule.action.connector)


def test_apply_refuses_rules_that_do_not_parse(broker, api, api_env, tmp_path):
    """A rule EMQX would reject never reaches the broker: apply stops on lint errors, writing nothing."""
    import shutil

    from webhooks.cli import CommandError

    shutil.copytree(loader.RULES_DIR, tmp_path / "rules")
    (tmp_path / "rules" / "broken.toml").write_text(
        'sql = "SELECT FROM WHERE"\n[action]\nconnector = "sdiot_webhook"\npath = "/v1/ingest/telemetry"\n')
    with pytest.raises(CommandError, match="broken: SQL does not parse"):
        sdiot_rules("--rules-dir", str(tmp_path / "rules"), "apply")
    assert broker.writes == []


def test_empty_body_on_the_broker_is_drift(broker, api):
    """An action whose body is "" sends empty requests (not the SELECT output's JSON): plan updates
    it, and the PUT, which replaces the action, leaves body unset (emqx_bridge_http_connector.erl
    render_request_body/3; emqx_bridge_v2.erl pre_config_update/3)."""
    apply_changes(api, _plan(api))
    broker.raw["actions"]["sdiot_status"]["parameters"]["body"] = ""
    changes = _plan(api)
    assert _ops(changes) == {("update", "action", "sdiot_status")}
    assert [d for c in changes for d in c.diffs] == ["parameters.body: '' -> (unset)"]
    apply_changes(api, changes)
    assert "body" not in broker.raw["actions"]["sdiot_status"]["parameters"]
    assert plan.drift(_plan(api)) == []


def test_export_from_6x_lints_clean_for_58(api, tmp_path):
    """Rules exported from a 6.x broker, whose GET fills in resource options 5.8 refuses, load and
    lint with no errors, and would apply on 5.8; an option set away from 6.x's default is named in
    a comment (emqx_bridge_v2_api.erl fill_defaults/3, emqx_resource_schema.erl at HEAD)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        broker = FakeEmqx(rsps, "6.x")
        apply_changes(api, _plan(api))
        broker.raw["actions"]["sdiot_presence"]["resource_opts"]["dispatch_strategy"] = "random"
        snapshot = api.snapshot()
    assert snapshot["actions"]["sdiot_telemetry"]["resource_opts"]["health_check_timeout"] == "60s"
    export.export(snapshot, tmp_path, only_managed=True)
    exported = loader.load(tmp_path, loader.CONNECTORS_DIR)
    assert set(exported.rules) == set(loader.load().rules)
    assert [str(f) for f in lint.lint(exported) if f.level == "error"] == []
    for rule in exported.rules.values():
        assert set(rule.action.resource_opts) <= RESOURCE_OPTS_58["actions"]
    assert '# Not exported (EMQX 5.8 has no such resource_opts): {dispatch_strategy = "random"}' in (
        tmp_path / "presence.toml").read_text()


def test_apply_stops_at_lint_what_emqx_58_refuses(api, api_env, tmp_path):
    """A batch option on an HTTP action, which 5.8 answers with 400 unknown_fields, stops apply at
    lint: nothing reaches the broker (emqx_bridge_http_schema.erl fields(action_resource_opts))."""
    import shutil

    from webhooks.cli import CommandError

    shutil.copytree(loader.RULES_DIR, tmp_path / "rules")
    path = tmp_path / "rules" / "telemetry.toml"
    path.write_text(path.read_text() + "resource_opts = {batch_size = 100}\n")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        broker = FakeEmqx(rsps, "5.8")
        ruleset = loader.load(tmp_path / "rules", loader.CONNECTORS_DIR)
        outcomes = apply_changes(api, plan.plan(desired.render(ruleset, ENV), api.snapshot()))
        assert "HTTP 400 BAD_REQUEST" in outcomes[-1].error and "unknown_fields" in outcomes[-1].error
        broker.raw = {"connectors": {}, "actions": {}, "rules": {}}
        broker.writes.clear()
        with pytest.raises(CommandError, match=r"telemetry: \[action.resource_opts\] batch_size: HTTP actions"):
            sdiot_rules("--rules-dir", str(tmp_path / "rules"), "apply")
        assert broker.writes == []
