"""``sdiot bench ingest``: the tier under gunicorn on PostgreSQL vs a bare Flask ceiling, same run.

All servers run with the same gunicorn settings and are driven by the same client over loopback
with the same request mix (valid, duplicate, invalid): the bare ceiling, the floor (Flask, the
exporter and a 200 JSON answer, no work; see bare.py), then the tier. The tier's figures are only
worth something next to the ceiling measured on this machine a minute earlier, so the last
line is the ratio.
"""
import json
import os
import random
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

from webhooks.tools.bench.loadgen import LoadResult, build_request, run_load
from webhooks.serving import gunicorn_argv
from webhooks.store import open_store
from webhooks.store.scratch import backend_pids, scratch_database
TOKEN = "bench-" + uuid.uuid4().hex
READINGS = {
    "milk_meters": ("MM", lambda r: {"animal_id": f"COW-{r.randint(1, 400)}", "yield_liters": round(r.uniform(8, 20), 2),
                                     "quality": {"fat_percentage": round(r.uniform(3.4, 4.6), 2)}}),
    "temperature": ("TS", lambda r: {"temperature": round(r.uniform(2.5, 4.5), 2), "location_type": "bulk_tank"}),
    "collars": ("AC", lambda r: {"animal_id": f"COW-{r.randint(1, 400)}", "activity_level": r.randint(0, 100)}),
    "feeders": ("FD", lambda r: {"quantity_kg": round(r.uniform(0.5, 4), 2), "status": "dispensing"}),
    "gates": ("GT", lambda r: {"event": "passage", "direction": r.choice(["in", "out"])}),
    "waterers": ("WT", lambda r: {"consumption_liters": round(r.uniform(1, 30), 1)}),
    "environmental": ("EN", lambda r: {"temperature": round(r.uniform(5, 28), 1), "humidity": r.randint(40, 95)}),
}


def make_bodies(count, seed=7):
    """EMQX-shaped bodies: 80 % new readings, 10 % resends (duplicates), 10 % invalid."""
    rnd = random.Random(seed)
    now_ms = int(time.time() * 1000)
    bodies, sent = [], []
    for i in range(count):
        roll = rnd.random()
        if roll < 0.10 and sent:
            body = dict(rnd.choice(sent), msg_id=uuid.uuid4().hex.upper())
        else:
            path = rnd.choice(list(READINGS))
            prefix, fields = READINGS[path]
            device = f"{prefix}{rnd.randint(1, 500):04d}"
            ts = now_ms - rnd.randint(0, 3_600_000)
            payload = {"device_id": device, "timestamp": _iso(ts), "seq": i, **fields(rnd)}
            if roll > 0.90:
                payload["timestamp"] = "yesterday"  # invalid: schema_violation
            body = {"msg_id": uuid.uuid4().hex.upper(), "topic": f"dairy/farm-bench/{path}/{device}/data",
                    "farm_id": "farm-bench", "device_path": path, "device_id": device, "kind": "data",
                    "clientid": device, "username": device, "qos": 1, "received_at": now_ms,
                    "payload": json.dumps(payload)}
            if roll <= 0.90:
                sent.append(body)
        bodies.append(json.dumps(body).encode())
    return bodies


def _iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}Z"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu(pids):
    """CPU seconds used so far by these processes (those on this host and still alive)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _server_pids(master_pid, db_url):
    """The gunicorn workers, and the PostgreSQL backends serving ``db_url``'s database."""
    try:
        workers = [int(p) for p in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()]
    except OSError:
        workers = []
    return workers, backend_pids(db_url) if db_url else []


@contextmanager
def gunicorn(app, env, workers, threads):
    port = _free_port()
    metrics_dir = tempfile.mkdtemp(prefix="sdiot-bench-prom-")
    cmd = gunicorn_argv(app, "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
                        "--log-level", "warning")
    # No access log: a line per request on the terminal would drown the figures (and it was off
    # when the README's figures were measured).
    proc = subprocess.Popen(cmd, env={**os.environ, "SDIOT_ACCESS_LOG": "off", **env,
                                      "PROMETHEUS_MULTIPROC_DIR": metrics_dir},
                            stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn for {app} did not start") from None
                time.sleep(0.1)
        yield port, proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


class Server:
    """One gunicorn under test, kept running across the measured rounds."""

    def __init__(self, name, app, env, requests):
        self.name, self.app, self.env, self.requests = name, app, env, requests
        self.offset = 0  # each request is sent at most once, whichever round it falls in
        self.result = LoadResult()
        self.cpu_app = self.cpu_db = 0.0

    def phase(self, port, pids, seconds, concurrency):
        app_pids, db_pids = pids
        app_before, db_before = _cpu(app_pids), _cpu(db_pids)
        phase = run_load("127.0.0.1", port, self.requests[self.offset:], seconds, concurrency)
        self.cpu_app += _cpu(app_pids) - app_before
        self.cpu_db += _cpu(db_pids) - db_before
        self.offset += phase.next_index
        self.result.add(phase)
        return phase.rate


def measure_rounds(servers, seconds, rounds, concurrency, workers, threads, warmup):
    """Run the servers side by side and load them in turn, ``rounds`` times each.

    This VM's speed drifts by 2x within a minute; measuring each server once, one after the
    other, turns that drift into the ratio. Interleaved short phases give every server the same
    mix of fast and slow moments; the per-round ratios show how much noise is left."""
    per_round = {s.name: [] for s in servers}
    with ExitStack() as stack:
        running = []
        for s in servers:
            port, master = stack.enter_context(gunicorn(s.app, s.env, workers, threads))
            run_load("127.0.0.1", port, s.requests[:warmup], 60, concurrency)  # warm pools and caches
            s.offset = warmup
            running.append((s, port, _server_pids(master, s.env.get("SDIOT_DATABASE_URL"))))
        for _ in range(rounds):
            for s, port, pids in running:
                per_round[s.name].append(s.phase(port, pids, seconds / rounds, concurrency))
    for s in servers:
        s.result.cpu_app_us = s.cpu_app / max(s.result.requests, 1) * 1e6
        s.result.cpu_db_us = s.cpu_db / max(s.result.requests, 1) * 1e6
    return per_round


def run(admin_url, seconds=10, concurrency=32, workers=None, threads=8, out=print, warmup=2000, rounds=10,
        worker_class=None):
    workers = workers or os.cpu_count() or 2
    bodies = make_bodies(warmup + 9000 * seconds)
    requests = [build_request("127.0.0.1", "/v1/ingest/telemetry", b, TOKEN) for b in bodies]
    worker_class = worker_class or "gevent"  # the tier's class on PostgreSQL
    common = {"SDIOT_WORKERS": str(workers), "SDIOT_THREADS": str(threads), "SDIOT_DB_POOL_SIZE": str(threads),
              "SDIOT_WORKER_CLASS": worker_class}
    per_worker = f"{threads} threads" if worker_class == "gthread" else "a greenlet per connection"
    out(f"gunicorn {worker_class}: {workers} workers, {per_worker} (gunicorn.conf.py, the same for all three); "
        f"client: {concurrency} keep-alive connections, {seconds}s per server in {rounds} interleaved rounds; "
        f"mix 80% new / 10% duplicate / 10% invalid")
    with scratch_database(admin_url) as url:
        servers = [Server("bare", "webhooks.tools.bench.bare:create_bare_app()", common, requests),
                   Server("floor", "webhooks.tools.bench.bare:create_floor_app()", common, requests),
                   Server("tier", "webhooks:create_app()",
                          {**common, "SDIOT_DATABASE_URL": url, "SDIOT_WEBHOOK_TOKENS": TOKEN}, requests)]
        per_round = measure_rounds(servers, seconds, rounds, concurrency, workers, threads, warmup)
        bare, floor, tier = (s.result for s in servers)
        store = open_store(url)
        try:
            counts = store.counts()
        finally:
            store.close()
        stored, dead = counts["message"], counts["dead_letter"]
    accepted = tier.statuses[200]
    out(f"{'run':6} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'cpu us/req: app':>15} {'db':>5}  statuses")
    for name, r in (("bare", bare), ("floor", floor), ("tier", tier)):
        out(f"{name:6} {r.rate:7.0f} {r.percentile(50) * 1000:7.2f} {r.percentile(99) * 1000:7.2f} "
            f"{r.errors + sum(v for k, v in r.statuses.items() if k >= 500):6} {r.cpu_app_us:15.0f} "
            f"{r.cpu_db_us:5.0f}  {dict(sorted(r.statuses.items()))}")
    out(f"tier: {accepted / tier.seconds:.0f} msg/s answered 200 (accepted or duplicate); rows stored {stored}, "
        f"dead letters {dead} (warm-up included)")
    ratio = tier.rate / bare.rate if bare.rate else 0.0
    floor_ratio = floor.rate / bare.rate if bare.rate else 0.0
    rounds_text = " ".join(f"{t / b:.2f}" if b else "-" for t, b in zip(per_round["tier"], per_round["bare"]))
    out(f"tier/bare per round: {rounds_text}")
    out(f"floor/bare: {floor_ratio:.2f} (Flask + prometheus-flask-exporter + a 200 JSON answer, no work: "
        f"the most any tier on this stack can reach); tier/floor: {tier.rate / floor.rate if floor.rate else 0.0:.2f}")
    out(f"ratio tier/bare: {ratio:.2f}")
    return {"bare": bare, "floor": floor, "tier": tier, "ratio": ratio, "floor_ratio": floor_ratio, "stored": stored,
            "dead_letters": dead}
