"""The forwarder: delivers the ingest DB's outbox to Odoo, exactly once per message_key.

    outbox.py        claim (SKIP LOCKED + lease) and mark rows; ``pending_count`` for the ingest tier
    delivery.py      a claimed batch -> one ``ingest`` RPC per model; per-row errors; bisecting
    decision.py      a failed Odoo call -> hold its rows, bisect it, or fail its one row
    device_events.py presence/status coalesced per device (latest event wins)
    backoff.py       exponential backoff with jitter, capped
    wakeup.py        LISTEN/NOTIFY with a poll fallback
    worker.py        the loop (``sdiot forward``) and ``drain`` (``sdiot forward --once``)
    metrics.py       Prometheus metrics and their endpoint
    admin.py         ``sdiot outbox stats|list|retry``
    simodoo.py       a simulated Odoo (JSON-2 and JSON-RPC) for tests and the benchmark
    simfaults.py     failures it can inject (5xx, dropped connection, serialization, late answer)
    sample.py        synthetic outbox rows (plain SQL) for tests and the benchmark
    bench.py         ``python -m webhooks.forwarder.bench``
"""


def drain(database_url, client=None, max_seconds=60.0, **options):
    """Deliver everything pending now, then return the Stats (the demo and ``--once`` call this).

    ``client`` defaults to ``OdooClient.from_env()``; ``options`` are ``worker.Options`` fields.
    """
    from webhooks.forwarder.options import Options
    from webhooks.forwarder.worker import Worker

    if client is None:
        from odoo_connector import OdooClient

        client = OdooClient.from_env()
    worker = Worker(database_url, client, Options(**{"listen": False, "metrics_port": 0, **options}))
    try:
        return worker.drain(max_seconds=max_seconds)
    finally:
        worker.close()
