"""The status page at ``/``: real data, rendered by the tier, used in headless Chromium as a person would.

A tier (the app factory under werkzeug's threaded server, loopback) gets a small simulated farm
through the project's rules; Chromium (Debian ``chromium``, installed by .ci/run; driven over the
DevTools pipe, tests/browser.py) logs in with the admin token, reads the page and takes a
full-page screenshot at a phone's width. The screenshot is also copied to var/status-page.png (not
committed) for people to look at.
"""
import json
import re
import shutil
import subprocess
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from tests.browser import Browser
from tests.factories import envelope, payload_for
from tests.sqlconn import connect
from tests.test_demo import SDIOT, _env
from webhooks import create_app, units
from webhooks.migrations import migrate_up
from webhooks.status_page import snapshot
from webhooks.store import admin, open_store
from webhooks.store.dialect import DIALECTS
from webhooks.tools import readings
from webhooks.tools.simulator import FarmConfig, Faults, simulate, send
from webhooks.tools.simulator.records import Presence

HOOK, ADMIN = "hook-token", "admin-token-4f9c2a"
REPO = Path(__file__).resolve().parents[1]


def _farm(cows=6, hours=14):  # 14 h: the window always holds a milking (sessions 11 and 13 h apart)
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=hours)
    return FarmConfig(farm_id="status-farm", cows=cows, hours=hours, seed=11, start=start,
                      faults=Faults(0.03, 0.02, 0.02, 0.02, 0.5, 1.0))


def _serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread, f"http://127.0.0.1:{server.server_port}"


@pytest.fixture(scope="module")
def tier(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('status') / 'ingest.db'}"
    migrate_up("ingest", url)
    app = create_app({"database_url": url, "webhook_tokens": (HOOK,), "admin_tokens": (ADMIN,)})
    server, thread, base = _serve(app)
    sim = simulate(_farm())
    gone = sim.farm.of_type("waterer")[0]  # a trough whose battery died just now
    last_word = Presence(int(datetime.now(timezone.utc).timestamp() * 1000), "client.disconnected", gone.clientid,
                         gone.username, gone.device_type, reason="keepalive_timeout")
    outcomes = send.send(send.plan([*sim.events, last_word]), base, HOOK)
    assert {o.status for o in outcomes} <= {"accepted", "duplicate", "rejected"}
    # A device's own warning, whatever the simulated weather did (heat stress depends on the hour).
    sensor = sim.farm.of_type("environmental")[0]
    warning = envelope("environmental", kind="alerts", device_id=sensor.username, farm="status-farm",
                       payload=payload_for("environmental", device_id=sensor.username, kind="alerts",
                                           alert_type="low_battery", severity="warning", message="battery at 9 %"))
    assert requests.post(base + "/v1/ingest/alerts", json=warning, headers={"Authorization": f"Bearer {HOOK}"},
                         timeout=10).status_code == 200
    with app.app_context():
        page = {**snapshot(app.extensions["sdiot_store"]), "url": url}
    yield base, sim, page
    server.shutdown()
    thread.join(10)
    server.server_close()
    app.extensions["sdiot_store"].close()


@pytest.fixture(scope="module")
def browser(tier):
    """One Chromium, logged in through the form (goes to /, is sent to /login, types the token)."""
    base, _, _ = tier
    with Browser() as chromium:
        chromium.goto(base + "/")
        assert chromium.url() == base + "/login"
        chromium.submit({"token": ADMIN})
        assert chromium.url() == base + "/"
        yield chromium


def _text(dom, element_id):
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', dom)
    return match and match.group(1).strip()


def _table(dom, element_id):
    return re.search(rf'id="{element_id}".*?</table>', dom, re.S).group(0)


def test_page_shows_devices_traffic_readings_dead_letters_and_outbox_in_chromium(tier, browser):
    """The page Chromium renders holds the store's numbers, device ids, reasons and an SVG chart."""
    base, sim, page = tier
    browser.goto(base + "/")
    dom = browser.html()
    assert "Smart Dairy IoT" in dom and "<svg" in dom and dom.count("<rect") >= 2
    assert _text(dom, "online") == str(page["devices"]["totals"]["online"]) != "0"
    assert _text(dom, "offline") == str(page["devices"]["totals"]["offline"])
    assert _text(dom, "outbox-pending") == str(page["outbox"]["pending"]) != "0"
    assert _text(dom, "dead-letters") == str(sum(r["n"] for r in page["dead_by_reason"])) != "0"
    for table in page["latest"]:
        for reading in table["rows"]:
            assert f"<code>{reading['device_id']}</code>" in dom
    for reason in ("identity_mismatch", "payload_not_json", "timestamp_in_future"):
        assert f"<code>{reason}</code>" in dom
    assert "status-farm" in dom and "milk_meter" in dom and "collar" in dom
    offline = _table(dom, "offline-devices")
    assert f"<code>{sim.farm.of_type('waterer')[0].device_id}</code>" in offline and "keepalive_timeout" in offline
    types = {d.device_type for d in sim.farm.devices}
    assert sum(sum(c.values()) for _, c, _ in page["devices"]["groups"]) == len(sim.farm.devices)
    assert {kind for (_, kind), _, _ in page["devices"]["groups"]} == types
    assert all(last is not None for _, _, last in page["devices"]["groups"])


def test_alerts_panel_lists_alerts_by_severity_newest_first_with_counts(tier, browser):
    """Severity badges count the day's alerts; the list is critical first, newest first within each."""
    base, _, page = tier
    browser.goto(base + "/")
    dom = browser.html()
    counts = dict(page["alerts"]["counts"])
    assert counts["critical"] > 0 and counts["warning"] > 0  # the cold_chain rule; a device's own warning
    for severity, n in counts.items():
        assert _text(dom, f"alerts-{severity}") == f"{n} {severity}"
    assert _text(dom, "critical-alerts") == str(counts["critical"])
    rows = page["alerts"]["rows"]
    assert 0 < len(rows) <= 20
    order = [("critical", "warning", "info").index(r["severity"]) for r in rows]
    assert order == sorted(order)
    for severity in counts:
        times = [r["device_ts"] for r in rows if r["severity"] == severity]
        assert times == sorted(times, reverse=True)
    panel = _table(dom, "alerts")
    assert "cold_chain_excursion" in panel and "rule:cold_chain" in panel and rows[0]["device_id"] in panel


def test_latest_value_per_device_has_one_row_per_device_with_units(tier, browser):
    """Each device with a data reading in the day has one row, its newest by device time, under units."""
    base, _, page = tier
    browser.goto(base + "/")
    dom = browser.html()
    listed = {r["device_id"]: r["device_ts"] for t in page["latest"] for r in t["rows"]}
    assert sum(len(t["rows"]) for t in page["latest"]) == len(listed)
    conn = connect(page["url"])
    try:
        newest = dict(conn.execute("SELECT device_id, max(device_ts) FROM message WHERE kind = 'data' "
                                   "GROUP BY device_id").fetchall())
    finally:
        conn.close()
    assert {d: ts.isoformat(timespec="microseconds") for d, ts in listed.items()} == newest
    milk = _table(dom, "latest-milk_meter")
    assert "yield" in milk and '<span class="unit">L</span>' in milk and '<span class="unit">%</span>' in milk
    assert '<span class="unit">°C</span>' in _table(dom, "latest-temperature")


def _instant(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_screenshot_at_phone_width_is_a_png(tier, browser):
    """A full-page screenshot 412 px wide; a copy goes to var/status-page.png for people to look at."""
    base, _, _ = tier
    browser.goto(base + "/")
    data = browser.screenshot()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert int.from_bytes(data[16:20], "big") == 412
    (REPO / "var").mkdir(exist_ok=True)
    (REPO / "var" / "status-page.png").write_bytes(data)


def test_no_url_on_the_page_carries_the_token_and_a_token_url_is_refused(tier, browser):
    """Links, forms and the refresh hold no token; ``?token=`` is 400 even with a valid token or session."""
    base, _, _ = tier
    browser.goto(base + "/")
    urls = browser.evaluate("""[...document.querySelectorAll('[href],[src],[action],meta[http-equiv=refresh]')]
        .map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action') || e.content)""")
    assert urls and not [u for u in urls if ADMIN in u or "token=" in u]
    assert ADMIN not in browser.html() and all(ADMIN not in c["value"] for c in browser.cookies())
    browser.goto(f"{base}/?token={ADMIN}")
    assert "token in the URL is refused" in browser.html()
    assert requests.get(f"{base}/?token={ADMIN}", timeout=10).status_code == 400
    assert requests.get(f"{base}/login?token={ADMIN}", timeout=10).status_code == 400
    headers = {"Authorization": f"Bearer {ADMIN}"}
    assert requests.get(f"{base}/?token={ADMIN}", headers=headers, timeout=10).status_code == 400


def test_login_logout_and_bearer_for_scripts(tier):
    """No session: / sends a browser to /login; a wrong token is 401; Bearer opens it; logout ends it."""
    base, _, _ = tier
    response = requests.get(base + "/", allow_redirects=False, timeout=10)
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert requests.get(base + "/", headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 401
    assert requests.get(base + "/", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10).status_code == 200
    with Browser() as chromium:
        chromium.goto(base + "/")
        chromium.submit({"token": "not-the-token"})
        assert chromium.url() == base + "/login" and "not one of the admin tokens" in chromium.html()
        assert chromium.cookies() == []
        chromium.submit({"token": ADMIN})
        (cookie,) = chromium.cookies()
        assert (cookie["httpOnly"], cookie["sameSite"], cookie["secure"]) == (True, "Strict", False)
        chromium.submit({}, button="#logout")
        assert chromium.url() == base + "/login" and chromium.cookies() == []
        chromium.goto(base + "/")
        assert chromium.url() == base + "/login"


def test_page_agrees_with_the_demo_summary(tmp_path):
    """After ``sdiot demo``, the page's outbox numbers are the summary's (one definition: Outbox.stats)."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    proc = subprocess.run(SDIOT + ["demo", "--no-serve", "--cows", "4", "--hours", "3", "--seed", "9",
                                   "--database-url", url, "--json-summary", str(tmp_path / "s.json")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=180, env=_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    box = json.loads((tmp_path / "s.json").read_text())["outbox"]
    app = create_app({"database_url": url, "admin_tokens": (ADMIN,)})
    html = app.test_client().get("/", headers={"Authorization": f"Bearer {ADMIN}"}).get_data(as_text=True)
    assert _text(html, "outbox-pending") == str(box["pending"]) != "0"
    assert _text(html, "outbox-messages") == str(box["messages_pending"])
    assert _text(html, "outbox-presence") == str(box["presence_pending"]) != "0"
    assert _text(html, "outbox-failed") == str(box["failed"])
    oldest = re.search(r'id="outbox-oldest" datetime="([^"]+)"', html).group(1)
    assert _instant(oldest) == _instant(box["oldest_pending_received_at"])
    (line,) = [li for li in proc.stdout.splitlines() if li.startswith("outbox: ")]
    sentence = _text(html, "outbox-summary")
    assert line.split("; oldest")[0] == "outbox: " + sentence.split("; oldest")[0]


def test_page_is_open_without_admin_tokens_and_503_when_the_store_is_not_there(tmp_path):
    """No SDIOT_ADMIN_TOKENS: open (and /login leads back to it); an unmigrated store: 503, never 500."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    app = create_app({"database_url": url})
    response = app.test_client().get("/")
    assert response.status_code == 503 and b"unavailable" in response.data
    migrate_up("ingest", url)
    response = app.test_client().get("/")
    assert response.status_code == 200 and b"no devices yet" in response.data and b"logout" not in response.data
    assert app.test_client().get("/login").headers["Location"] == "/"
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
    assert f'id="outbox-messages">{accepted}<' in html and page["outbox"]["messages_pending"] == accepted
    assert f'id="outbox-pending">{accepted + page["outbox"]["presence_pending"]}<' in html
    for reason in ("identity_mismatch", "payload_not_json", "timestamp_in_future"):
        assert f"<code>{reason}</code>" in html
    assert sum(bar["h"] > 0 for bar in page["chart"]["bars"]) >= 1
    assert page["latest"] and dict(page["alerts"]["counts"])["critical"] > 0
    app.extensions["sdiot_store"].close()


# -- the store's queries behind the panels -----------------------------------------------------------
def test_latest_is_the_newest_by_device_time_and_alerts_rank_by_severity(ingest_url):
    """A late backfill does not displace a newer reading; alerts: critical first, then newest first."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    readings.insert(ingest_url, [
        readings.reading("TS001", at=now - timedelta(minutes=5), seq=1, temperature=3.5),
        readings.reading("TS001", at=now - timedelta(hours=3), seq=2, temperature=9.0),  # stored last, older
        readings.reading("TS002", at=now - timedelta(days=2), seq=1, temperature=1.0),  # outside the day
        readings.reading("TS001", at=now - timedelta(minutes=1), seq=3, kind="status"),
        *[readings.reading("TS003", at=now - timedelta(minutes=m), seq=m, kind="alerts",
                           fields={"severity": severity, "alert_type": f"a{m}"})
          for m, severity in ((1, "info"), (2, "critical"), (3, "warning"), (4, "critical"), (5, "info"))],
        readings.reading("TS003", at=now - timedelta(days=3), seq=9, kind="alerts", fields={"severity": "critical"}),
    ])
    store = open_store(ingest_url, pool_size=1, group_commit=False)
    try:
        board = store.dashboard(now, 30)
    finally:
        store.close()
    assert [(r["device_id"], r["payload"]["temperature"]) for r in board["latest"]] == [("TS001", 3.5)]
    assert [r["payload"]["alert_type"] for r in board["alerts"]] == ["a2", "a4", "a3", "a1", "a5"]
    assert sorted((r["severity"], r["n"]) for r in board["alerts_by_severity"]) == [
        ("critical", 2), ("info", 2), ("warning", 1)]


def test_the_panels_read_only_the_last_days_partitions_on_postgresql(ingest_pg_url):
    """EXPLAIN: the latest-value and alert queries bound device_ts, so an old partition is pruned."""
    conn = connect(ingest_pg_url)
    try:
        conn.execute("CREATE TABLE message_20000101 (LIKE message INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        conn.execute("ALTER TABLE message ATTACH PARTITION message_20000101 FOR VALUES FROM ('2000-01-01') "
                     "TO ('2000-01-02')")
        since = datetime.now(timezone.utc) - timedelta(days=1)
        severity = DIALECTS["postgresql"].json_text("payload", "severity")
        for sql, params in ((admin._LATEST_PER_DEVICE, (since, since, 10)),
                            (admin._ALERTS.format(rank=admin._SEVERITY_RANK.format(severity=severity)), (since, 20)),
                            (admin._ALERTS_BY_SEVERITY.format(severity=severity), (since,))):
            plan = "\n".join(row[0] for row in conn.execute("EXPLAIN " + sql, params).fetchall())
            assert "message_default" in plan and "message_20000101" not in plan, plan
    finally:
        conn.close()


def test_unit_table_names_fields_of_each_type_schema():
    """webhooks/units.py: one table per device type, every path a property of that type's JSON Schema."""
    from webhooks.device_types import BY_NAME

    assert set(units.FIELDS) == set(BY_NAME)
    for device_type, fields in units.FIELDS.items():
        for path, _, unit in fields:
            prop = units.schema_property(device_type, path)
            assert prop.get("type") in ("number", "integer", "string"), (device_type, path)
            assert unit is None or prop["type"] != "string", (device_type, path)
