"""The status page at ``/``: real data, rendered by the tier, checked in headless Chromium.

A tier (the app factory under werkzeug's threaded server, loopback) gets a small simulated farm
through the project's rules; Chromium (Debian ``chromium``, installed by .ci/run) loads the page
with ``--dump-dom`` and ``--screenshot`` at a phone's size. The screenshot is also copied to
var/status-page.png (not committed) for people to look at.
"""
import re
import shutil
import subprocess
import tempfile
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from webhooks import create_app
from webhooks.migrations import migrate_up
from webhooks.tools.simulator import FarmConfig, Faults, simulate, send
from webhooks.tools.simulator.records import Presence
from webhooks.status_page import snapshot

HOOK, ADMIN = "hook-token", "admin-token"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REPO = Path(__file__).resolve().parents[1]


def _farm(cows=6, hours=4):
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=hours)
    return FarmConfig(farm_id="status-farm", cows=cows, hours=hours, seed=11, start=start,
                      faults=Faults(0.03, 0.02, 0.02, 0.02, 0.5, 1.0))


@pytest.fixture(scope="module")
def tier(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('status') / 'ingest.db'}"
    migrate_up("ingest", url)
    app = create_app({"database_url": url, "webhook_tokens": (HOOK,), "admin_tokens": (ADMIN,)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    sim = simulate(_farm())
    gone = sim.farm.of_type("waterer")[0]  # a trough whose battery died just now
    last_word = Presence(int(datetime.now(timezone.utc).timestamp() * 1000), "client.disconnected", gone.clientid,
                         gone.username, gone.device_type, reason="keepalive_timeout")
    outcomes = send.send(send.plan([*sim.events, last_word]), base, HOOK)
    assert {o.status for o in outcomes} <= {"accepted", "duplicate", "rejected"}
    with app.app_context():
        page = snapshot(app.extensions["sdiot_store"])
    yield base, sim, page
    server.shutdown()
    thread.join(10)
    server.server_close()
    app.extensions["sdiot_store"].close()


def chromium(*args):
    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail("Debian 'chromium' is not installed (bash .ci/run installs it)")
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              timeout=120, encoding="utf-8", errors="replace")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _text(dom, element_id):
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', dom)
    return match and match.group(1).strip()


def test_page_shows_devices_traffic_readings_dead_letters_and_outbox_in_chromium(tier):
    """The page Chromium renders holds the store's numbers, device ids, reasons and an SVG chart."""
    base, sim, page = tier
    dom = chromium("--dump-dom", f"{base}/?token={ADMIN}")
    assert "Smart Dairy IoT" in dom and "<svg" in dom and dom.count("<rect") >= 2
    assert _text(dom, "online") == str(page["devices"]["totals"]["online"]) != "0"
    assert _text(dom, "offline") == str(page["devices"]["totals"]["offline"])
    assert _text(dom, "outbox-pending") == str(page["outbox"]["pending"]) != "0"
    assert _text(dom, "dead-letters") == str(sum(r["n"] for r in page["dead_by_reason"])) != "0"
    for reading in page["latest"]:
        assert f"<code>{reading['device_id']}</code>" in dom
    for reason in ("identity_mismatch", "payload_not_json", "timestamp_in_future"):
        assert f"<code>{reason}</code>" in dom
    assert "status-farm" in dom and "milk_meter" in dom and "collar" in dom
    offline = re.search(r'id="offline-devices".*?</table>', dom, re.S).group(0)
    assert f"<code>{sim.farm.of_type('waterer')[0].device_id}</code>" in offline and "keepalive_timeout" in offline
    types = {d.device_type for d in sim.farm.devices}
    assert sum(sum(c.values()) for _, c, _ in page["devices"]["groups"]) == len(sim.farm.devices)
    assert {kind for (_, kind), _, _ in page["devices"]["groups"]} == types
    assert all(last is not None for _, _, last in page["devices"]["groups"])


def test_screenshot_at_phone_size_is_a_png(tier, tmp_path):
    """A 412×915 screenshot is written; a copy goes to var/status-page.png for people to look at."""
    base, _, _ = tier
    shot = tmp_path / "status-page.png"
    chromium(f"--screenshot={shot}", "--window-size=412,915", "--hide-scrollbars", f"{base}/?token={ADMIN}")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    (REPO / "var").mkdir(exist_ok=True)
    shutil.copyfile(shot, REPO / "var" / "status-page.png")


def test_admin_token_is_required_when_configured(tier):
    """Without a token the page is 401; a Bearer header or ?token= with a configured token opens it."""
    base, _, _ = tier
    assert requests.get(base + "/", timeout=10).status_code == 401
    assert requests.get(base + "/?token=wrong", timeout=10).status_code == 401
    assert requests.get(base + "/", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10).status_code == 200
    assert "admin token required" in chromium("--dump-dom", base + "/")


def test_page_is_open_without_admin_tokens_and_503_when_the_store_is_not_there(tmp_path):
    """No SDIOT_ADMIN_TOKENS: open; an unmigrated store: 503 with a reason, never 500."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    app = create_app({"database_url": url})
    response = app.test_client().get("/")
    assert response.status_code == 503 and b"unavailable" in response.data
    migrate_up("ingest", url)
    response = app.test_client().get("/")
    assert response.status_code == 200 and b"no devices yet" in response.data
    app.extensions["sdiot_store"].close()


def test_page_renders_the_same_data_on_postgresql(ingest_pg_url):
    """On PostgreSQL (jsonb payloads, timestamptz) the page shows the same devices, reasons and counts."""
    app = create_app({"database_url": ingest_pg_url, "webhook_tokens": (HOOK,)})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {HOOK}", "Content-Type": "application/json"}
    accepted = 0
    for req in send.plan(simulate(_farm(cows=3, hours=2)).events):
        response = client.post(req.path, data=req.body, headers=headers)
        assert response.status_code in (200, 422)
        accepted += req.stream != "presence" and response.get_json()["status"] == "accepted"
    with app.app_context():
        page = snapshot(app.extensions["sdiot_store"])
    html = client.get("/").get_data(as_text=True)
    assert f'id="online">{page["devices"]["totals"]["online"]}<' in html
    assert f'id="outbox-pending">{accepted}<' in html and page["outbox"]["pending"] == accepted
    for reason in ("identity_mismatch", "payload_not_json", "timestamp_in_future"):
        assert f"<code>{reason}</code>" in html
    assert sum(bar["h"] > 0 for bar in page["chart"]["bars"]) >= 1
    app.extensions["sdiot_store"].close()

