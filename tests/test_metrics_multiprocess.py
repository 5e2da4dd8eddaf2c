"""/metrics under gunicorn with two workers counts every worker's requests exactly once."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.factories import AUTH, TOKEN, envelope, payload_for

ROOT = Path(__file__).resolve().parents[1]


def _port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(params=["postgresql", "sqlite"])
def tier(request, tmp_path):
    """The tier as deployed: gevent workers on PostgreSQL, gthread workers on SQLite."""
    url = request.getfixturevalue("ingest_pg_url" if request.param == "postgresql" else "ingest_sqlite_url")
    port, prom = _port(), tmp_path / "prom"
    env = {**{k: v for k, v in os.environ.items() if k != "SDIOT_WORKER_CLASS"}, "SDIOT_DATABASE_URL": url,
           "SDIOT_WEBHOOK_TOKENS": TOKEN, "PROMETHEUS_MULTIPROC_DIR": str(prom)}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind",
                             f"127.0.0.1:{port}", "--workers", "2", "--threads", "2", "webhooks:create_app()"],
                            cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.1)
    yield base, prom
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def _post(base, body):
    req = urllib.request.Request(base + "/v1/ingest/telemetry", data=json.dumps(body).encode(),
                                 headers={**AUTH, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as response:
        return response.status


def _worker_pids(prom):
    """Workers that have counted an ingest request (their counter file holds the sample's key)."""
    return {m.group(1) for p in prom.iterdir()
            if (m := re.match(r"counter_(\d+)\.db$", p.name)) and b"sdiot_ingest_requests" in p.read_bytes()}


def test_counters_aggregate_across_two_workers(tier):
    """Requests served by both workers all appear in one scrape, each counted once."""
    base, prom = tier
    sent = 0
    deadline = time.monotonic() + 30
    with ThreadPoolExecutor(8) as pool:
        while len(_worker_pids(prom)) < 2 and time.monotonic() < deadline:
            bodies = [envelope("gates", payload=payload_for("gates", seq=sent + i)) for i in range(16)]
            statuses = list(pool.map(lambda body: _post(base, body), bodies))
            assert statuses == [200] * 16
            sent += 16
    assert len(_worker_pids(prom)) == 2, "both workers should have served requests"
    scrape = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
    line = 'sdiot_ingest_requests_total{outcome="accepted",stream="telemetry"}'
    values = [float(x.split()[-1]) for x in scrape.splitlines() if x.startswith(line)]
    assert values, scrape
    assert values == [sent]
    exported = [x for x in scrape.splitlines() if x.startswith("flask_http_request_duration_seconds_count")]
    assert sum(float(x.split()[-1]) for x in exported if "/v1/ingest" in x) == sent
