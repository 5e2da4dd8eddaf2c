"""gunicorn settings for the webhook tier (``gunicorn -c python:webhooks.gunicorn_conf 'webhooks:create_app()'``).

This is an entry point, like the app factory: it reads its own ``SDIOT_*`` variables (gunicorn
loads it before any of our code runs). Every value can be overridden from the environment (``SDIOT_BIND``, ``SDIOT_WORKERS``, …) or the
command line. gevent, not threads: a request is short CPU (parse, validate) and then a wait for
the commit. With a greenlet per client connection that wait costs a greenlet switch instead of an OS thread
sleep and wake-up plus a GIL hand-off, and every request waiting in a worker joins the next group
commit (webhooks/store/group_commit.py). psycopg sees gevent's patched ``select`` and waits
cooperatively. On SQLite (the embedded default) the worker is gthread (``SDIOT_THREADS`` per
worker); ``SDIOT_WORKER_CLASS`` overrides either choice.
"""
import logging
import os
import shutil
import tempfile

# Underscored: gunicorn takes every public name here as a setting (and ``config`` is one).
from webhooks.config import from_env as _from_env
from webhooks.logs import gunicorn_config as _log_config

_settings = _from_env()

bind = os.environ.get("SDIOT_BIND", "0.0.0.0:8000")
# One worker per core: the request path is CPU-bound between database round trips.
workers = int(os.environ.get("SDIOT_WORKERS", os.cpu_count() or 2))


def _default_worker_class():
    # psycopg waits cooperatively under gevent; sqlite3 (the embedded default) would block the whole
    # worker while it waits for a lock the forwarder holds, so SQLite keeps threads.
    url = os.environ.get("SDIOT_DATABASE_URL", "")
    return "gevent" if url.startswith(("postgresql:", "postgres:")) else "gthread"


worker_class = os.environ.get("SDIOT_WORKER_CLASS") or _default_worker_class()
# gevent: requests in flight per worker. EMQX's HTTP action opens pool_size connections per node;
# past this a worker stops accepting and the kernel queues.
worker_connections = int(os.environ.get("SDIOT_WORKER_CONNECTIONS", 1000))
# gthread only: threads per worker.
threads = int(os.environ.get("SDIOT_THREADS", 8))
# EMQX keeps connections open (keep-alive: timeout=5 by default); stay longer than its side.
keepalive = int(os.environ.get("SDIOT_KEEPALIVE", 10))
# A request never needs this long; past it the worker is stuck and is replaced.
timeout = int(os.environ.get("SDIOT_TIMEOUT", 30))
# On SIGTERM, finish in-flight requests for up to this long (the Kubernetes grace period is longer).
graceful_timeout = int(os.environ.get("SDIOT_GRACEFUL_TIMEOUT", 20))
# Recycle workers now and then to bound memory growth; jitter avoids all restarting together.
max_requests = int(os.environ.get("SDIOT_MAX_REQUESTS", 200_000))
max_requests_jitter = max_requests // 10
# On by default, in the tier's log format (webhooks/logs.py): "-" is stderr, "off" turns it off,
# anything else is a file.
_access_log = os.environ.get("SDIOT_ACCESS_LOG", "").strip() or "-"
_access_log = None if _access_log.lower() in ("off", "0", "false", "no", "none") else _access_log
accesslog = "-" if _access_log else None
# The default logs the request line with its query string; a browser may carry the status page's
# admin token there (?token=...), so log the path only (%(U)s), never the query.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s'
errorlog = "-"
loglevel = _settings.log_level
# JSON lines (or SDIOT_LOG_FORMAT=text) for gunicorn's error and access logs and the app's loggers.
logconfig_dict = _log_config(_settings, _access_log)
# Without a value here a request body of any size is read into the worker before Flask sees it.
limit_request_line = 8190

# Prometheus multiprocess mode: workers write samples to files in this directory and /metrics
# aggregates them. It must be set before prometheus_client is imported anywhere.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="sdiot-prom-")


def on_starting(server):
    """Start from an empty metrics directory: stale files from a previous run would add up. The
    app's loggers log at gunicorn's level (its error log has it already; the workers inherit it)."""
    logging.getLogger().setLevel(server.log.loglevel)
    path = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        full = os.path.join(path, name)
        if os.path.isfile(full):
            os.remove(full)
        else:
            shutil.rmtree(full, ignore_errors=True)


def child_exit(server, worker):
    """Drop a dead worker's live gauges so they do not linger in the aggregate."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


# gunicorn 27 opens a control socket at one fixed path per user; several tiers on one host (tests,
# the benchmark's two servers, the demo) would fight over it, and nothing here uses it.
control_socket_disable = True
