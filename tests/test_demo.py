"""``sdiot demo --no-serve``: a simulated farm end to end on SQLite, its summary matching the store."""
import json
import sqlite3
import subprocess
import sys

import pytest

SDIOT = [sys.executable, "-c", "import sys; from webhooks.cli import main; sys.exit(main())"]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One small demo in a fresh folder (its default ./var/demo.db), bounded in time."""
    cwd = tmp_path_factory.mktemp("demo")
    summary_path = cwd / "summary.json"
    proc = subprocess.run(SDIOT + ["demo", "--no-serve", "--cows", "12", "--hours", "8", "--seed", "5",
                                   "--json-summary", str(summary_path)],
                          cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**_env(), "SDIOT_ODOO_URL": ""})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    db = sqlite3.connect(cwd / "var" / "demo.db")
    yield proc, json.loads(summary_path.read_text()), db
    db.close()


def _env():
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("SDIOT_")}


def _scalar(db, sql, *params):
    return db.execute(sql, params).fetchone()[0]


def test_demo_exits_0_and_prints_the_summary_table(demo_run):
    """The run ends with the table: streams, device types, reasons, cold-chain alerts, latency, outbox."""
    proc, summary, _ = demo_run
    for text in ("by stream", "by device type", "rejected by reason", "cold-chain alerts raised",
                 "latency (client-side, per POST): p50", "outbox:", "SDIOT_ODOO_URL"):
        assert text in proc.stdout
    assert "sending [" in proc.stderr  # the progress bar
    assert summary["not_stored"] == 0 and summary["presence_failed"] == 0
    assert summary["latency_ms"]["p50"] <= summary["latency_ms"]["p99"]


def test_accepted_counts_match_the_message_table(demo_run):
    """Accepted = rows in message, per stream and per device type."""
    _, summary, db = demo_run
    assert summary["accepted"] == _scalar(db, "SELECT count(*) FROM message") > 0
    kinds = dict(db.execute("SELECT kind, count(*) FROM message GROUP BY kind").fetchall())
    stream_kind = {"telemetry": "data", "status": "status", "alerts": "alerts"}
    assert {stream_kind[s]: c.get("accepted", 0) for s, c in summary["by_stream"].items()} == kinds
    types = dict(db.execute("SELECT device_type, count(*) FROM message GROUP BY device_type").fetchall())
    assert {t: c.get("accepted", 0) for t, c in summary["by_device_type"].items() if c.get("accepted")} == types


def test_rejections_match_the_dead_letters_by_reason(demo_run):
    """Rejected = dead letters, reason by reason; the simulator's faults produce each kind."""
    _, summary, db = demo_run
    reasons = dict(db.execute("SELECT reason, count(*) FROM dead_letter GROUP BY reason").fetchall())
    assert summary["rejected_by_reason"] == reasons
    assert summary["rejected"] == sum(reasons.values())
    assert {"identity_mismatch", "payload_not_json", "timestamp_in_future"} <= set(reasons)
    assert summary["duplicates"] >= summary["farm"]["faults"]["duplicate"] > 0


def test_cold_chain_alerts_and_presence_are_in_the_store(demo_run):
    """Alerts the cold_chain rule raised are stored alert rows; every device has a presence row."""
    _, summary, db = demo_run
    stored = _scalar(db, "SELECT count(*) FROM message WHERE kind = 'alerts' AND payload LIKE ?",
                     '%"source":"rule:cold_chain"%')
    assert summary["cold_chain_alerts"]["accepted"] == stored > 0
    assert _scalar(db, "SELECT count(*) FROM device_presence") == summary["farm"]["devices"]


def test_without_odoo_the_outbox_holds_everything(demo_run):
    """With no SDIOT_ODOO_* set nothing is delivered: the outbox reports every accepted row pending."""
    _, summary, db = demo_run
    assert summary["forwarder"] is None
    pending = _scalar(db, "SELECT count(*) FROM message WHERE state = 'pending'")
    presence = _scalar(db, "SELECT count(*) FROM device_presence WHERE state = 'pending'")
    assert summary["outbox"]["pending"] == pending + presence == summary["accepted"] + summary["farm"]["devices"]


# -- sdiot simulate ------------------------------------------------------------------------------
def _simulate(cwd, *args, timeout=120):
    proc = subprocess.run(SDIOT + ["simulate", "--cows", "4", "--hours", "3", "--seed", "9", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_simulate_posts_through_the_rules_to_a_running_tier(tmp_path):
    """--to URL --token T: what the tier stores is what the summary says it accepted and rejected."""
    from webhooks.migrations import migrate_up
    from webhooks.tools.simulator.tier import Tier

    url = f"sqlite:///{tmp_path / 'tier.db'}"
    migrate_up("ingest", url)
    with Tier(url, log_path=str(tmp_path / "tier.log")) as tier:
        _simulate(tmp_path, "--to", tier.url, "--token", tier.token, "--json-summary", str(tmp_path / "s.json"))
    summary = json.loads((tmp_path / "s.json").read_text())
    db = sqlite3.connect(tmp_path / "tier.db")
    try:
        assert summary["accepted"] == _scalar(db, "SELECT count(*) FROM message") > 0
        assert summary["rejected"] == _scalar(db, "SELECT count(*) FROM dead_letter") > 0
    finally:
        db.close()


def test_simulate_writes_a_recording_rules_replay_reads(tmp_path):
    """--jsonl FILE: one recorded MQTT message per line, in the format `sdiot rules replay` reads."""
    from emqx_rules.replay import read_jsonl

    _simulate(tmp_path, "--jsonl", str(tmp_path / "farm.jsonl"))
    messages = list(read_jsonl(tmp_path / "farm.jsonl"))
    assert len(messages) > 100
    assert {"topic", "payload", "clientid", "username", "qos", "time"} <= set(messages[0])
    assert all(m["topic"].startswith("dairy/demo-farm/") for m in messages)
    assert [m["time"] for m in messages] == sorted(m["time"] for m in messages)
    for name in ("a.jsonl", "b.jsonl"):  # --seed and --start pin the traffic down
        _simulate(tmp_path, "--start", "2026-03-01T00:00:00Z", "--jsonl", str(tmp_path / name))
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_simulate_publishes_to_an_mqtt_broker(tmp_path):
    """--mqtt: every publish reaches a subscriber on the local Mosquitto (127.0.0.1:1883), QoS 1."""
    import time
    import uuid

    import paho.mqtt.client as paho

    farm = f"t-{uuid.uuid4().hex[:10]}"
    received, subscribed = [], []
    sub = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"sub-{farm}", protocol=paho.MQTTv5)
    sub.on_message = lambda c, u, msg: received.append(msg.topic)
    sub.on_subscribe = lambda c, u, mid, codes, props: subscribed.append(mid)
    sub.on_connect = lambda c, u, flags, rc, props: c.subscribe(f"dairy/{farm}/#", qos=1)
    sub.connect("127.0.0.1", 1883, keepalive=30)
    sub.loop_start()
    try:
        _wait_for(lambda: subscribed, "the subscription")
        _simulate(tmp_path, "--farm", farm, "--mqtt", "mqtt://127.0.0.1:1883",
                  "--json-summary", str(tmp_path / "m.json"))
        summary = json.loads((tmp_path / "m.json").read_text())
        assert summary["published"] == summary["acknowledged"] > 50 and summary["failed"] == 0
        _wait_for(lambda: len(received) >= summary["published"], "every message at the subscriber")
        assert len(received) == summary["published"]
        assert {t.rsplit("/", 1)[-1] for t in received} >= {"data", "status"}
    finally:
        sub.disconnect()
        sub.loop_stop()


def _wait_for(condition, what, seconds=30.0):
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_demo_delivers_to_odoo_when_configured(tmp_path):
    """With SDIOT_ODOO_* set, the demo drains the outbox into Odoo (the forwarder's simulated Odoo,
    JSON-2 as in odoo/odoo:addons/rpc/controllers/json2.py) and the summary says so."""
    from webhooks.tools import simodoo

    with simodoo.SimOdoo(version=19) as odoo:
        env = {**_env(), "SDIOT_ODOO_URL": odoo.url, "SDIOT_ODOO_DB": "farm", "SDIOT_ODOO_API_KEY": "sim-key",
               "SDIOT_ODOO_PROTOCOL": "json2"}
        proc = subprocess.run(SDIOT + ["demo", "--no-serve", "--cows", "4", "--hours", "2", "--seed", "2",
                                       "--json-summary", "s.json"], cwd=tmp_path, capture_output=True,
                              text=True, timeout=180, env=env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        summary = json.loads((tmp_path / "s.json").read_text())
        assert summary["outbox"]["pending"] == 0 and summary["outbox"]["failed"] == 0
        assert summary["forwarder"]["delivered"] >= summary["accepted"] > 0
        # readings and alerts are records; status reports and presence update the device registry
        assert odoo.count() == summary["accepted"] - summary["by_stream"]["status"]["accepted"]
        assert len(odoo.devices) == summary["farm"]["devices"]
    assert "forwarder:" in proc.stdout


def test_demo_serves_the_status_page_until_interrupted(tmp_path):
    """Without --no-serve the demo prints the status page URL, serves it, and stops cleanly on Ctrl-C."""
    import queue
    import signal
    import threading

    import requests

    proc = subprocess.Popen(SDIOT + ["demo", "--cows", "3", "--hours", "2"], cwd=tmp_path, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)
    reader.start()
    try:
        url = None
        while url is None:
            line = lines.get(timeout=120)
            if line.startswith("Status page: "):
                url = line.split()[2]
        page = requests.get(url, timeout=10)
        assert page.status_code == 200 and "Smart Dairy IoT" in page.text and "demo-farm" in page.text
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0
        with pytest.raises(requests.ConnectionError):
            requests.get(url, timeout=5)  # gunicorn went with it
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        reader.join(10)
        proc.stdout.close()


def test_simulated_farm_can_be_provisioned_and_authenticated(tmp_path, empty_pg_url):
    """--roster writes an import CSV; the secrets CSV `devices import --out` writes feeds --credentials."""
    from webhooks.cli import main
    from webhooks.cli.simulate import _read_credentials
    from webhooks.migrations import migrate_up as migrate

    _simulate(tmp_path, "--farm", "farm-x", "--roster", str(tmp_path / "farm.csv"))
    roster = (tmp_path / "farm.csv").read_text().splitlines()
    assert roster[0] == "farm_id,device_type,device_id" and len(roster) > 5
    migrate("auth", empty_pg_url)
    secrets = tmp_path / "secrets.csv"
    assert main(["devices", "import", str(tmp_path / "farm.csv"), "--out", str(secrets),
                 "--database-url", empty_pg_url]) == 0
    passwords = _read_credentials(secrets)
    assert set(passwords) == {line.split(",")[2] for line in roster[1:]}
    assert all(len(p) >= 32 for p in passwords.values())


def test_demo_refuses_a_port_something_already_listens_on(tmp_path, monkeypatch, capsys):
    """--port P with P taken: one clear line, exit 1, and nothing is sent to whatever listens there."""
    import socket

    from webhooks.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SDIOT_ODOO_URL", raising=False)
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        held.setblocking(False)
        port = held.getsockname()[1]
        assert main(["demo", "--port", str(port), "--no-serve", "--cows", "2", "--hours", "1"]) == 1
        assert f"port {port} on 127.0.0.1 is already in use" in capsys.readouterr().err
        with pytest.raises(BlockingIOError):  # no connection was made to it
            held.accept()
