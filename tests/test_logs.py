"""Logs (webhooks/logs.py): one JSON line per ingest request and forwarder batch, text on request,
and no secret in any of them, through the Flask test client, the forwarder and a real gunicorn."""
import io
import json
import logging
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from odoo_connector import OdooClient, RetryPolicy
from tests.factories import AUTH, TOKEN, envelope, payload_for
from tests.test_ingest_api import post
from tests.test_metrics_multiprocess import _port
from webhooks import config, create_app, logs
from webhooks.forwarder import drain
from webhooks.serving import gunicorn_argv
from webhooks.tools import readings, simodoo

INGEST_FIELDS = ["time", "level", "logger", "message", "msg_id", "message_key", "stream", "outcome", "reason",
                 "request_id", "latency_ms"]
SECRETS = {"webhook_tokens": ("hook-secret-7c1d",), "admin_tokens": ("admin-secret-2b9a",),
           "odoo_api_key": "odoo-secret-5e8f"}
DB_PASSWORD = "db-secret-3a6c"


@pytest.fixture
def capture():
    """``capture(settings)`` logs the process to a buffer as ``logs.configure`` does; returns a
    function giving the lines so far. The root logger is restored after the test."""
    root, level, handlers = logging.getLogger(), logging.getLogger().level, []

    def start(settings, level="debug"):
        stream = io.StringIO()
        handlers.append(logs.configure(settings, stream=stream, level=level, force=True))
        return lambda: stream.getvalue().splitlines()
    yield start
    for handler in handlers:
        root.removeHandler(handler)
    root.setLevel(level)


def _records(lines, logger, message):
    return [r for r in map(json.loads, lines) if r["logger"] == logger and r["message"] == message]


def _rejected():
    return envelope("temperature", payload=payload_for("temperature", temperature="warm"))


@pytest.mark.parametrize("body,headers,expected", [
    (envelope, {**AUTH, "X-Request-ID": "edge-42"}, {"outcome": "accepted", "reason": None, "request_id": "edge-42"}),
    (_rejected, AUTH, {"outcome": "rejected", "reason": "schema_violation", "message_key": None}),
    (envelope, {"Authorization": "Bearer nope"}, {"outcome": "unauthorized", "reason": "unauthorized",
                                                  "message_key": None, "msg_id": None}),
])
def test_each_ingest_request_logs_one_json_line_with_its_fields(ingest_url, capture, body, headers, expected):
    """An ingest request logs one INFO line: trace id, key, stream, outcome, reason, request id, latency."""
    app = create_app({"database_url": ingest_url, "webhook_tokens": (TOKEN,)})
    lines = capture(app.config["SDIOT"], level="info")
    sent = body()
    response = post(app.test_client(), sent, headers=headers)
    [line] = _records(lines(), "webhooks.ingest", "ingest")
    assert list(line) == INGEST_FIELDS
    assert line["level"] == "INFO" and line["stream"] == "telemetry"
    assert line["request_id"] == response.headers["X-Request-ID"] and len(line["request_id"]) >= 6
    assert isinstance(line["latency_ms"], float) and 0 < line["latency_ms"] < 10_000
    found = {"msg_id": sent["msg_id"], "message_key": response.json.get("message_key"), **expected}
    assert {k: line[k] for k in found} == found
    if expected["outcome"] == "accepted":
        assert line["message_key"] and line["time"].endswith("Z")


def test_each_forwarder_batch_logs_its_keys_odoo_ids_and_outcomes(ingest_url, capture):
    """A delivered batch logs how many message keys it held, the Odoo id range and each outcome's count."""
    start = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
    readings.insert(ingest_url, [readings.reading(seq=i, at=start + timedelta(seconds=i)) for i in range(3)])
    lines = capture(config.from_env(database_url=ingest_url), level="info")
    with simodoo.SimOdoo() as odoo:
        drain(ingest_url, _odoo(odoo), batch_size=50)
        ids = sorted(rec_id for rec_id, _ in odoo.records["iot.temperature.reading"].values())
    [batch] = _records(lines(), "sdiot.forwarder", "batch")
    assert {k: batch[k] for k in ("rows", "message_keys", "odoo_ids", "delivered", "failed", "postponed")} == {
        "rows": 3, "message_keys": 3, "odoo_ids": f"{ids[0]}-{ids[-1]}", "delivered": 3, "failed": 0, "postponed": 0}
    assert isinstance(batch["duration_ms"], float)


def _odoo(odoo, api_key="sim-key"):
    return OdooClient(odoo.url, db="farm", user="bot", api_key=api_key, protocol="json2", timeout=(1.0, 5.0),
                      retry=RetryPolicy.off())


def test_no_secret_reaches_the_logs(ingest_pg_url, capture, capfd):
    """Tokens, the Odoo API key and the database password appear in no log line, at DEBUG, on every path."""
    url = ingest_pg_url.replace("postgres@", f"postgres:{DB_PASSWORD}@", 1)
    assert DB_PASSWORD in url  # trust authentication ignores it; the logs must not show it
    lines = capture(config.from_env(database_url=url, **SECRETS))
    client = create_app({"database_url": url, **SECRETS}).test_client()
    valid = {"Authorization": f"Bearer {SECRETS['webhook_tokens'][0]}"}
    answers = [post(client, envelope(), headers={"Authorization": "Bearer wrong-secret-4d2e"}).status_code,
               post(client, envelope(), headers=valid).status_code]
    client.get(f"/?token={SECRETS['admin_tokens'][0]}")  # the status page, as a browser calls it
    with simodoo.SimOdoo(api_key=SECRETS["odoo_api_key"]) as odoo:
        delivered = drain(url, _odoo(odoo, SECRETS["odoo_api_key"]), batch_size=50).delivered
    down = create_app({"database_url": url.rsplit("/", 1)[0] + "/sdiot_no_such_database", **SECRETS})
    answers.append(post(down.test_client(), envelope(), headers=valid).status_code)
    text = "\n".join(lines()) + "".join(capfd.readouterr())
    assert answers == [401, 200, 503] and delivered == 1
    assert {r["outcome"] for r in _records(lines(), "webhooks.ingest", "ingest")} == {
        "unauthorized", "accepted", "unavailable"}
    assert _records(lines(), "sdiot.forwarder", "batch")
    for secret in [*SECRETS["webhook_tokens"], *SECRETS["admin_tokens"], SECRETS["odoo_api_key"], DB_PASSWORD,
                   "wrong-secret-4d2e"]:
        assert secret not in text


@pytest.mark.parametrize("message,expected", [
    ("connect postgresql://bot:{pw}@db/ingest failed", "connect postgresql://bot:***@db/ingest failed"),
    ("dsn host=db password={pw} dbname=x", "dsn host=db password=*** dbname=x"),
    ("sent Authorization: Bearer abcdefgh12345678", "sent Authorization: Bearer ***"),
    ("GET /?token=abc123 took 2 ms", "GET /?token=*** took 2 ms"),
    ("{{'api_key': 'k-123456'}}", "{'api_key': '***'}"),
    ("the configured key {key} leaked", "the configured key *** leaked"),
])
def test_secrets_are_masked_wherever_a_message_carries_them(capture, message, expected):
    """The filter masks URL passwords, password=/token= values, bearer tokens, and configured secrets."""
    lines = capture(config.from_env(odoo_api_key="odoo-secret-5e8f"))
    logging.getLogger("sdiot.test").warning(message.format(pw=DB_PASSWORD, key="odoo-secret-5e8f"))
    assert json.loads(lines()[-1])["message"] == expected


def test_text_format_gives_human_lines(ingest_sqlite_url, capture):
    """SDIOT_LOG_FORMAT=text: no JSON, the same fields as key=value after the message."""
    app = create_app({"database_url": ingest_sqlite_url, "webhook_tokens": (TOKEN,)})
    lines = capture(config.from_env(log_format="text"), level="info")
    post(app.test_client(), envelope(), headers={**AUTH, "X-Request-ID": "edge-7"})
    [line] = [x for x in lines() if " webhooks.ingest ingest " in x]
    with pytest.raises(ValueError):
        json.loads(line)
    assert " INFO webhooks.ingest ingest msg_id=" in line and "outcome=accepted" in line and "request_id=edge-7" in line


def test_log_format_must_be_json_or_text():
    """An unknown SDIOT_LOG_FORMAT is a configuration error naming the variable."""
    with pytest.raises(config.SettingsError, match="SDIOT_LOG_FORMAT"):
        config.from_env({"SDIOT_LOG_FORMAT": "xml"})


def _tier_log(tmp_path, url, env, visit):
    """Run the tier under gunicorn as deployed, call ``visit(base)``, stop it; returns its stderr."""
    port, log = _port(), tmp_path / "tier.log"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SDIOT_")}
    env = {**clean, "SDIOT_DATABASE_URL": url, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom"), **env}
    with open(log, "wb") as out:
        proc = subprocess.Popen(gunicorn_argv("webhooks:create_app()", "--bind", f"127.0.0.1:{port}", "--workers", "1"),
                                env=env, stdout=out, stderr=out)
    base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 30
    try:
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        visit(base)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    return log.read_text()


def _visit(base):
    for path in ("/?token=admin-secret-2b9a", "/healthz?token=admin-secret-2b9a"):
        try:
            urllib.request.urlopen(base + path, timeout=10).read()
        except urllib.error.HTTPError:
            pass  # the answer does not matter here, only its log line
    request = urllib.request.Request(base + "/v1/ingest/telemetry", data=json.dumps(envelope()).encode(),
                                     headers={**AUTH, "Content-Type": "application/json", "X-Request-ID": "edge-9"})
    urllib.request.urlopen(request, timeout=10).read()


def test_gunicorn_logs_json_lines_and_the_access_log_has_the_path_not_the_query(tmp_path, ingest_sqlite_url):
    """Under gunicorn every line is JSON, its own error log included; an access line has the path only."""
    env = {"SDIOT_WEBHOOK_TOKENS": TOKEN, "SDIOT_ADMIN_TOKENS": "admin-secret-2b9a"}
    text = _tier_log(tmp_path, ingest_sqlite_url, env, _visit)
    records = [json.loads(line) for line in text.splitlines()]
    access = {r["path"]: r for r in records if r["logger"] == "gunicorn.access"}
    assert {"/", "/healthz", "/v1/ingest/telemetry"} <= set(access)
    assert access["/v1/ingest/telemetry"]["status"] == 200 and access["/v1/ingest/telemetry"]["request_id"] == "edge-9"
    assert [r["request_id"] for r in records if r["message"] == "ingest"] == ["edge-9"]
    assert any(r["logger"] == "gunicorn.error" and r["message"].startswith("Booting worker") for r in records)
    assert "token=" not in text and "admin-secret-2b9a" not in text


@pytest.mark.parametrize("env,json_lines,access_lines,ingest_lines", [
    ({"SDIOT_ACCESS_LOG": "off"}, True, False, True),
    ({"SDIOT_LOG_FORMAT": "text"}, False, True, True),
    ({"SDIOT_LOG_LEVEL": "warning"}, True, True, False),
])
def test_gunicorn_access_log_off_text_format_and_level(tmp_path, ingest_sqlite_url, env, json_lines, access_lines,
                                                       ingest_lines):
    """SDIOT_ACCESS_LOG=off drops the access lines only; SDIOT_LOG_FORMAT=text makes every line text;
    SDIOT_LOG_LEVEL=warning drops the app's INFO lines in the workers too."""
    text = _tier_log(tmp_path, ingest_sqlite_url, {"SDIOT_WEBHOOK_TOKENS": TOKEN, **env}, _visit)
    lines = text.splitlines()
    assert all(line.startswith("{") for line in lines) == json_lines
    assert any("POST /v1/ingest/telemetry" in line for line in lines) == access_lines
    assert any("webhooks.ingest" in line and "edge-9" in line for line in lines) == ingest_lines
    assert "token=" not in text

