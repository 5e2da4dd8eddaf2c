"""The forwarder's decisions end to end, on PostgreSQL and SQLite (fixture ``ingest_url``): what a
misaligned answer and an access refusal leave in the outbox. Odoo is the simulated addon
(``webhooks.tools.simodoo``, Odoo's wire formats) answering the real ``OdooClient``.
"""
from datetime import datetime, timedelta, timezone

import pytest

from test_forwarder_decision import client_for, lose_the_answer_of
from tests.sqlconn import connect
from webhooks.forwarder import drain
from webhooks.tools import simodoo
from webhooks.forwarder.backoff import Backoff
from webhooks.tools import readings

FAST = {"backoff": Backoff(base=0.05, cap=0.2, jitter=False), "batch_size": 50}
T0 = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
# odoo/odoo odoo/models.py check_access_rights: what a user without the connector group is told.
ACCESS_ERROR = ("You are not allowed to create 'Temperature Reading' (iot.temperature.reading) records.\n\n"
                "This operation is allowed for the following groups:\n\t- Smart Dairy IoT/Connector\n\n"
                "Contact your administrator to request access if necessary.")


def stored(url, n):
    batch = [readings.reading(device_id="TS001", at=T0 + timedelta(seconds=i), seq=i) for i in range(n)]
    readings.insert(url, batch)
    return batch


def states(url):
    conn = connect(url)
    try:
        return {key: (state, error) for key, state, error in
                conn.execute("SELECT message_key, state, last_error FROM message").fetchall()}
    finally:
        conn.close()


def test_misaligned_row_is_failed_in_the_outbox_and_never_sent_again(ingest_url):
    """The row behind a misaligned answer is marked failed once; the next drain sends nothing."""
    bad = stored(ingest_url, 5)[2].message_key
    with simodoo.SimOdoo(version=19) as odoo:
        lose_the_answer_of(odoo, "message_key", bad)
        first = drain(ingest_url, client_for(odoo, "json2"), max_seconds=5, **FAST)
        again = drain(ingest_url, client_for(odoo, "json2"), max_seconds=5, **FAST)
        calls = len(odoo.calls)
    outbox = states(ingest_url)
    assert (first.delivered, first.failed, first.postponed) == (4, 1, 0)
    assert (again.claimed, again.delivered, again.failed) == (0, 0, 0) and calls == 5
    assert outbox.pop(bad)[0] == "failed" and {state for state, _ in outbox.values()} == {"delivered"}


@pytest.mark.parametrize("protocol,version", [("json2", 19), ("jsonrpc", 18)])
def test_access_refused_holds_the_outbox(ingest_url, protocol, version):
    """Odoo refusing access (AccessError: 403 on JSON-2, 200 on JSON-RPC) keeps every row pending."""
    stored(ingest_url, 3)
    with simodoo.SimOdoo(version=version) as odoo:
        client = client_for(odoo, protocol)
        if protocol == "jsonrpc":
            client.protocol.uid()  # log in first, so the refusal meets the ingest call
        odoo.faults.append(lambda handler: handler.odoo_error("odoo.exceptions.AccessError", ACCESS_ERROR, 403)
                           or True)
        stats = drain(ingest_url, client, max_seconds=0.01, **FAST)
    outbox = states(ingest_url)
    assert (stats.delivered, stats.failed, stats.postponed) == (0, 0, 3)
    assert {state for state, _ in outbox.values()} == {"pending"}
    assert all("AccessDenied" in error for _, error in outbox.values())
