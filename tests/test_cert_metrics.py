"""The tier exports sdiot_certificates_expiring from the auth DB (the alert SdiotCertificatesExpiring reads it)."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from webhooks import create_app
from webhooks.cert_metrics import ExpiringCertificates
from tests.sqlconn import connect
from webhooks.migrations import migrate_up
from webhooks.auth_db.provisioning import add_device


def _cert(conn, serial, username, not_after, revoked=False):
    conn.execute(
        "INSERT INTO device_certificate (serial, username, issuer_key_id, fingerprint_sha256, not_before, not_after,"
        " revoked_at) VALUES (%s, %s, 'ab', %s, %s, %s, %s)",
        (serial, username, serial.rjust(64, "0"), not_after - timedelta(days=365), not_after,
         datetime.now(timezone.utc) if revoked else None))


@pytest.fixture
def auth_url(empty_pg_url):
    migrate_up("auth", empty_pg_url)
    conn = connect(empty_pg_url)
    add_device(conn, "farm-a", "milk_meter", "MM001")
    now = datetime.now(timezone.utc)
    _cert(conn, "a1", "MM001", now + timedelta(days=10))
    _cert(conn, "a2", "MM001", now + timedelta(days=20), revoked=True)  # revoked: no renewal needed
    _cert(conn, "a3", "MM001", now + timedelta(days=300))
    conn.close()
    return empty_pg_url


def test_scrape_counts_unrevoked_certificates_inside_the_window(auth_url, ingest_sqlite_url):
    """One certificate expires within 30 days and is not revoked: the gauge reads 1."""
    app = create_app({"database_url": ingest_sqlite_url, "CERT_METRICS": ExpiringCertificates(auth_url, days=30)})
    scrape = app.test_client().get("/metrics").data.decode()
    assert re.search(r"^sdiot_certificates_expiring 1\.0$", scrape, re.M), scrape


def test_unreachable_auth_db_leaves_the_sample_out(ingest_sqlite_url, pg_available):
    """A scrape never fails over the gauge; without data there is no sample rather than a false zero."""
    gauge = ExpiringCertificates("postgresql://postgres@127.0.0.1:5432/sdiot_no_such_db")
    app = create_app({"database_url": ingest_sqlite_url, "CERT_METRICS": gauge})
    response = app.test_client().get("/metrics")
    assert response.status_code == 200 and "sdiot_certificates_expiring " not in response.data.decode()
