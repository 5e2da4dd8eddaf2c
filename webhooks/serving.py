"""How the tier's processes are started: the gunicorn command line ``sdiot serve``, the simulator
and the benchmarks share, so every one of them runs the tier exactly as deployed."""
import sys

GUNICORN_CONFIG = "python:webhooks.gunicorn_conf"


def gunicorn_argv(app="webhooks:create_app()", *options):
    """``python -m gunicorn`` with the tier's config (``webhooks/gunicorn_conf.py``) and ``options``."""
    return [sys.executable, "-m", "gunicorn", "--config", GUNICORN_CONFIG, *options, app]
