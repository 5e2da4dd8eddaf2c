"""`sdiot rules replay`: recorded MQTT messages through the rules, POSTed as EMQX's HTTP action does.

The requests are checked against emqx/emqx apps/emqx_bridge_http/src/emqx_bridge_http_connector.erl
(an unset body template sends the JSON of the rule output; one request per output; the action's
headers merged over the connector's, process_request_and_action/3) and the action's default
headers in apps/emqx_bridge_http/src/emqx_bridge_http_schema.erl (headers_field/0).
"""
import argparse
import json
import re

import pytest
import responses

from emqx_rules import replay
from webhooks import config
from webhooks.cli import rules as rules_cli
from webhooks.envelope import MESSAGE_FIELDS

TIER = "http://127.0.0.1:8000"
READING = {"device_id": "TS001", "timestamp": "2026-11-27T10:00:00Z", "temperature": 7.5,
           "location_type": "bulk_tank"}


def _msg(topic, payload, clientid="TS001", **extra):
    return {"topic": topic, "payload": payload if isinstance(payload, str) else json.dumps(payload),
            "clientid": clientid, "username": clientid, "qos": 1, "time": 1795773600000, **extra}


@pytest.fixture
def tier():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.POST, re.compile(TIER + r"/v1/ingest/.*"), json={"status": "accepted"})
        yield rsps


def test_publish_context_is_shaped_like_emqx():
    """message.publish columns: 32-hex id, publish_received_at in ms, username left out when missing."""
    ctx = replay.publish_context("dairy/f/temperature/TS001/data", "{}", "TS001", None, 1,
                                 "2026-11-27T10:00:00Z")
    assert re.fullmatch(r"[0-9A-F]{32}", ctx["id"])
    assert ctx["event"] == "message.publish" and ctx["qos"] == 1
    assert ctx["publish_received_at"] == 1795773600000
    assert "username" not in ctx
    assert ctx["flags"] == {"retain": False, "dup": False}
    assert replay.publish_context("t", "", "c")["id"] != replay.publish_context("t", "", "c")["id"]


@pytest.mark.parametrize("flt,topic,match", [
    ("dairy/+/+/+/data", "dairy/f1/gates/GT001/data", True),
    ("dairy/+/+/+/data", "dairy//gates/GT001/data", True),
    ("dairy/+/+/+/data", "dairy/f1/gates/GT001/data/x", False),
    ("dairy/#", "dairy", True),
    ("#", "$SYS/brokers", False),
    ("$events/client_connected", "$events/client_connected", True),
])
def test_topic_matching(flt, topic, match):
    """MQTT filter matching as EMQX does it ('+' matches an empty level, '#' the parent)."""
    assert replay.topic_matches(flt, topic) is match


def test_one_request_per_output_with_emqx_headers(tier):
    """An excursion reading yields two POSTs (telemetry + derived alert), each with EMQX's headers."""
    counts = replay.replay([_msg("dairy/farm001/temperature/TS001/data", READING)], TIER, "tok-1")
    assert counts == {"telemetry 200": 1, "alerts 200": 1}
    urls = sorted(c.request.url for c in tier.calls)
    assert urls == [TIER + "/v1/ingest/alerts", TIER + "/v1/ingest/telemetry"]
    for call in tier.calls:
        headers = call.request.headers
        assert headers["authorization"] == "Bearer tok-1"
        assert headers["content-type"] == "application/json"
        body = json.loads(call.request.body)
        assert set(body) == set(MESSAGE_FIELDS)
        assert isinstance(body["payload"], str)
    telemetry = next(json.loads(c.request.body) for c in tier.calls if c.request.url.endswith("telemetry"))
    assert json.loads(telemetry["payload"]) == READING and telemetry["received_at"] == 1795773600000


def test_bad_payload_reaches_telemetry_only(tier):
    """A non-JSON reading is still POSTed raw to telemetry; cold_chain fails on it and sends nothing."""
    counts = replay.replay([_msg("dairy/farm001/temperature/TS001/data", "temp=9")], TIER, "t")
    assert counts == {"telemetry 200": 1}
    assert json.loads(tier.calls[0].request.body)["payload"] == "temp=9"


def test_status_codes_are_counted(tier):
    """Each response status is counted per stream; unmatched topics send nothing."""
    tier.replace(responses.POST, re.compile(TIER + r"/v1/ingest/.*"), status=503)
    msgs = [_msg("dairy/f/gates/GT001/status", {"status": "online"}, "GT001"),
            _msg("other/topic", "x")]
    assert replay.replay(msgs, TIER, "t") == {"status 503": 1}


def test_replay_command_reads_jsonl(tier, tmp_path, monkeypatch, capsys):
    """`sdiot rules replay FILE --to URL` uses the first SDIOT_WEBHOOK_TOKENS and prints counts."""
    path = tmp_path / "rec.jsonl"
    path.write_text("\n".join(json.dumps(_msg(f"dairy/f/milk_meters/MM00{i}/data", {"i": i}, f"MM00{i}"))
                              for i in range(3)) + "\n\n")
    monkeypatch.setenv("SDIOT_WEBHOOK_TOKENS", "first,second")
    parser = argparse.ArgumentParser()
    rules_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["rules", "replay", str(path), "--to", TIER])
    args.settings = config.from_env()  # as sdiot's main() does
    assert args.func(args) == 0
    assert "telemetry 200: 3" in capsys.readouterr().out
    assert {c.request.headers["authorization"] for c in tier.calls} == {"Bearer first"}


def test_jsonl_lines_are_checked(tmp_path):
    """A line that is not JSON, or has no topic, is reported with its line number."""
    path = tmp_path / "bad.jsonl"
    path.write_text('{"topic": "a", "payload": ""}\n{"payload": "x"}\n')
    with pytest.raises(ValueError, match="bad.jsonl:2: needs an object"):
        list(replay.read_jsonl(path))
    path.write_text("{nope\n")
    with pytest.raises(ValueError, match="bad.jsonl:1: not JSON"):
        list(replay.read_jsonl(path))


class _FlaskSession:
    """requests.Session's post() over a Flask test client: the real tier, no socket."""

    def __init__(self, client):
        self.client = client

    def post(self, url, data, headers, timeout):
        path = url.split("://", 1)[1].split("/", 1)[1]
        return self.client.post("/" + path, data=data, headers=headers)


def test_replay_through_the_real_tier(ingest_sqlite_url):
    """The rules' outputs are what the ingest tier accepts: readings and the derived alert are
    accepted, a resend is a duplicate, a non-JSON payload is rejected (and kept) with 422."""
    from tests.factories import TOKEN, now_ms, payload_for
    from webhooks import create_app

    app = create_app({"database_url": ingest_sqlite_url, "webhook_tokens": (TOKEN,)})
    reading = payload_for("temperature", temperature=7.5, location_type="bulk_tank", seq=3)
    msgs = [_msg("dairy/farm-a/temperature/TS001/data", reading, time=now_ms()),
            _msg("dairy/farm-a/milk_meters/MM001/data", payload_for("milk_meters"), "MM001", time=now_ms()),
            _msg("dairy/farm-a/temperature/TS001/data", reading, time=now_ms()),
            _msg("dairy/farm-a/temperature/TS001/data", "temp=7.5", time=now_ms())]
    counts = replay.replay(msgs, TIER, TOKEN, session=_FlaskSession(app.test_client()))
    assert counts == {"telemetry 200": 3, "alerts 200": 2, "telemetry 422": 1}
