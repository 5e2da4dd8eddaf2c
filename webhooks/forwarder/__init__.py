"""The forwarder: delivers the ingest DB's outbox to Odoo, exactly once per message_key.

Its rows come from the store (``webhooks.store``: ``store.outbox`` claims, leases and marks them);
nothing here speaks SQL.

    delivery.py      a claimed batch -> one ``ingest`` RPC per model; per-row errors; bisecting
    decision.py      a failed Odoo call -> hold its rows, bisect it, or fail its one row
    device_events.py presence/status coalesced per device (latest event wins)
    backoff.py       exponential backoff with jitter, capped
    wakeup.py        LISTEN/NOTIFY with a poll fallback
    worker.py        the loop (``sdiot forward``) and ``drain`` (``sdiot forward --once``)
    metrics.py       Prometheus metrics and their endpoint
    simodoo.py       a simulated Odoo (JSON-2 and JSON-RPC) for tests and the benchmark
    simfaults.py     failures it can inject (5xx, dropped connection, serialization, late answer)
"""


def odoo_client(settings, **overrides):
    """The Odoo client the forwarder uses, from ``SDIOT_ODOO_*`` (via ``settings``)."""
    from odoo_connector import OdooClient

    return OdooClient(url=settings.odoo_url or "", db=settings.odoo_db, api_key=settings.odoo_api_key or "",
                      user=settings.odoo_user, protocol=settings.odoo_protocol, **overrides)


def drain(database_url, client=None, max_seconds=60.0, settings=None, **options):
    """Deliver everything pending now, then return the Stats (the demo and ``--once`` call this).

    ``client`` defaults to ``odoo_client(settings)``; ``options`` are ``worker.Options`` fields.
    """
    from webhooks.forwarder.options import Options
    from webhooks.forwarder.worker import Worker

    if client is None:
        from webhooks import config

        client = odoo_client(settings if settings is not None else config.from_env())
    worker = Worker(database_url, client, Options(**{"listen": False, "metrics_port": 0, **options}))
    try:
        return worker.drain(max_seconds=max_seconds)
    finally:
        worker.close()
