"""CI: the built wheel, installed in a fresh venv outside the checkout, runs the real tier.

    python .ci/wheel_check.py DIST_DIR PG_URL

Builds nothing itself: ``.ci/run`` builds the wheel into DIST_DIR. This script makes a venv in a
temporary folder, installs the wheel there (pinned by constraints.txt), and from a working
directory that is not the checkout: migrates a throwaway PostgreSQL database, starts ``sdiot
serve`` (gevent, the PostgreSQL default), waits for ``/readyz`` 200, POSTs one valid reading (200)
and runs ``sdiot rules lint`` (5 rules). Exits non-zero, saying which step failed, otherwise.
Only the standard library here: it runs under whichever python3 CI has.
"""
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "wheel-check-" + secrets.token_hex(8)


def step(name, argv, **kwargs):
    print(f"wheel check: {name}: {' '.join(map(str, argv))}", flush=True)
    done = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        sys.exit(f"wheel check: {name} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="GET" if body is None else "POST",
                                 headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def reading():
    now_ms = int(time.time() * 1000)
    payload = {"device_id": "TS001", "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now_ms / 1000 - 1)),
               "temperature": 3.9}
    return {"msg_id": secrets.token_hex(16).upper(), "topic": "dairy/farm1/temperature/TS001/data",
            "farm_id": "farm1", "device_path": "temperature", "device_id": "TS001", "kind": "data",
            "clientid": "TS001", "username": "TS001", "qos": 1, "received_at": now_ms, "payload": json.dumps(payload)}


def main(dist, pg_url):
    wheels = sorted(Path(dist).glob("smart_dairy_iot_core-*.whl"))
    if not wheels:
        sys.exit(f"wheel check: no wheel in {dist}")
    work = Path(tempfile.mkdtemp(prefix="sdiot-wheel-"))
    venv = work / "venv"
    step("venv", [sys.executable, "-m", "venv", str(venv)])
    bin_ = venv / "bin"
    step("install", [bin_ / "pip", "install", "-q", "--disable-pip-version-check", "-c", ROOT / "constraints.txt",
                     wheels[-1]])
    name = f"sdiot_wheel_{secrets.token_hex(4)}"
    url = pg_url.rsplit("/", 1)[0] + "/" + name
    admin = [bin_ / "python", "-c", "import sys, psycopg; c = psycopg.connect(sys.argv[1], autocommit=True); "
             "c.execute(sys.argv[2]); c.close()", pg_url]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDIOT_")}
    env.update(SDIOT_DATABASE_URL=url, SDIOT_WEBHOOK_TOKENS=TOKEN, SDIOT_WORKERS="2")
    step("create database", [*admin, f'CREATE DATABASE "{name}"'], cwd=work, env=env)
    server = None
    try:
        out = step("migrate", [bin_ / "sdiot", "migrate", "ingest"], cwd=work, env=env)
        print(out.strip())
        port = free_port()
        log = open(work / "serve.log", "w")
        server = subprocess.Popen([bin_ / "sdiot", "serve", "--no-migrate", "--bind", f"127.0.0.1:{port}"],
                                  cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = request(base + "/readyz")
            except OSError:
                status = None
            if status == 200:
                break
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"wheel check: /readyz never answered 200 (last {status}):\n"
                         + (work / "serve.log").read_text()[-3000:])
            time.sleep(0.3)
        print("wheel check: /readyz 200")
        status, body = request(base + "/v1/ingest/telemetry", reading())
        if status != 200:
            sys.exit(f"wheel check: a valid reading was answered {status}: {body}")
        print(f"wheel check: POST /v1/ingest/telemetry 200 {body}")
        if "gevent" not in (work / "serve.log").read_text():
            sys.exit("wheel check: the tier did not run gevent workers on PostgreSQL:\n"
                     + (work / "serve.log").read_text()[-3000:])
        lint = step("rules lint", [bin_ / "sdiot", "rules", "lint"], cwd=work, env=env)
        print(lint.strip())
        if "5 rules" not in lint:
            sys.exit("wheel check: `sdiot rules lint` did not find the five rules")
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        subprocess.run([*admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], cwd=work, env=env)
    print("wheel check: passed")


if __name__ == "__main__":
    main(*sys.argv[1:3])
