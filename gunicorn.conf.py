"""gunicorn's default config file name, for ``gunicorn -c gunicorn.conf.py 'webhooks:create_app()'``
(the Procfile). The settings live in the package, ``webhooks/gunicorn_conf.py``, so an installed
wheel has them too (``sdiot serve`` passes ``-c python:webhooks.gunicorn_conf``)."""
from webhooks.gunicorn_conf import *  # noqa: F401,F403
