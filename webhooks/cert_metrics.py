"""``sdiot_certificates_expiring``: device certificates that need renewing, exported by the tier.

A gauge computed at scrape time from the auth DB (the same query as ``sdiot certs expiring``),
cached for a minute so a scrape every few seconds costs one query a minute. Only exported when
the tier knows the auth DB (``SDIOT_AUTH_DATABASE_URL``); if the DB is unreachable the sample is
left out rather than reported as zero.
"""
import logging
import threading
import time

from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)


class ExpiringCertificates:
    def __init__(self, auth_url, days=30, ttl=60.0):
        self.auth_url = auth_url
        self.days = days
        self.ttl = ttl
        self._cached = (float("-inf"), None)
        self._lock = threading.Lock()

    def value(self):
        at, value = self._cached
        if time.monotonic() - at < self.ttl:
            return value
        with self._lock:
            try:
                from webhooks.auth_db import certs
                from webhooks.auth_db.database import connect_auth

                conn = connect_auth(self.auth_url)
                try:
                    value = len(certs.expiring(conn, self.days))
                finally:
                    conn.close()
            except Exception as exc:  # noqa: BLE001 - a scrape must never fail over this gauge
                log.warning("certificate expiry gauge unavailable: %s", exc)
                value = None
            self._cached = (time.monotonic(), value)
        return value

    def collect(self):
        value = self.value()
        if value is not None:
            yield GaugeMetricFamily("sdiot_certificates_expiring",
                                    f"Unrevoked device certificates expiring within {self.days} days",
                                    value=value)


def from_settings(settings):
    if not settings.auth_database_url:
        return None
    return ExpiringCertificates(settings.auth_database_url, days=settings.cert_warn_days)
