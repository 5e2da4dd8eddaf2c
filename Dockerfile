# One image for every process of the platform: the webhook tier (`sdiot serve`, gunicorn), the
# forwarder (`sdiot forward`) and the one-shot commands (`sdiot migrate ...`, `sdiot rules apply`).
#   docker build -t smart-dairy-iot-core:0.1.0 .
# Pinned base: Python 3.11 (the project's floor) on Debian bookworm, slim.
FROM python:3.11.11-slim-bookworm

# PROMETHEUS_MULTIPROC_DIR: gunicorn workers' metric files, in /tmp so the root filesystem can be
# read-only (compose read_only, Kubernetes readOnlyRootFilesystem with an emptyDir there).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/sdiot-prom

WORKDIR /app

# The code, the SQL migrations, the rule files (emqx_rules/rules, connectors), gunicorn.conf.py and
# ops/emqx/auth.hocon (`sdiot acl check` runs its queries); .dockerignore keeps out the rest.
COPY . .
# A regular (not editable) install, pinned by constraints.txt: every data file (sql/, emqx_rules/*.toml,
# ops/emqx/, the gunicorn config) is package data read with importlib.resources, so the image runs
# the same install the wheel check in .ci/run proves.
# /var/lib/sdiot/{ca,crl}: owned by the app user so the named volumes compose mounts there start
# writable by it (Docker copies the image folder's owner into a new volume); the CA folder is 0700.
RUN pip install -c constraints.txt . \
    && groupadd --system --gid 10001 sdiot \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin sdiot \
    && install -d -o 10001 -g 10001 -m 0700 /var/lib/sdiot/ca \
    && install -d -o 10001 -g 10001 -m 0755 /var/lib/sdiot/crl

# Never root: a compromised worker cannot touch the image or the code.
USER 10001:10001

EXPOSE 8000 9101

# The web tier by default; compose/Kubernetes set the command per process.
CMD ["sdiot", "serve", "--bind", "0.0.0.0:8000", "--no-migrate"]
