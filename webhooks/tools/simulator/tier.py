"""A webhook tier of our own for the demo: gunicorn on a loopback port, on a migrated database.

Started as a child process with the same gunicorn config ``sdiot serve`` uses; its log goes to a
file so the demo's terminal shows only the demo. ``stop()`` sends SIGTERM (gunicorn's graceful stop).
"""
import errno
import os
import secrets
import socket
import subprocess
import time

import requests

from webhooks.serving import gunicorn_argv


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def check_port_free(port, host="127.0.0.1"):
    """Refuse a port something already listens on: gunicorn would fail to bind it, but the readiness
    check would get its answer from that other program, and the traffic would go there too."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds: TIME_WAIT is no obstacle
        try:
            s.bind((host, port))
        except OSError as exc:
            busy = exc.errno == errno.EADDRINUSE
            raise RuntimeError(f"port {port} on {host} is {'already in use' if busy else 'unusable: ' + str(exc.strerror or exc)}"
                               "; pass another --port, or none to get a free one") from None


class Tier:
    def __init__(self, database_url, port=None, token=None, log_path=os.devnull, workers=2, env=None):
        self.database_url = database_url
        self.port = port or free_port()
        # Prefixed: a URL-safe token may start with '-', which a command line reads as an option.
        self.token = token or "tier-" + secrets.token_urlsafe(24)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path, self.workers, self.extra_env = log_path, workers, env or {}
        self.proc = None

    def start(self, ready_within=60.0):
        check_port_free(self.port)
        env = {**os.environ, "SDIOT_DATABASE_URL": self.database_url, "SDIOT_WEBHOOK_TOKENS": self.token,
               "SDIOT_WORKERS": str(self.workers), "SDIOT_LOG_LEVEL": "warning", **self.extra_env}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # the gunicorn config makes a fresh one for us
        argv = gunicorn_argv("webhooks:create_app()", "--bind", f"127.0.0.1:{self.port}")
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the webhook tier exited with {self.proc.returncode}; see {self.log_path}")
            try:
                if requests.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)  # polling a condition with a deadline
        self.stop()
        raise RuntimeError(f"the webhook tier was not ready within {ready_within:.0f} s; see {self.log_path}")

    def stop(self, within=30.0):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(within)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
