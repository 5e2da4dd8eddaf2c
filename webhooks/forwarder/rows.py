"""What the forwarder logs about a claimed outbox row (rows are dicts from ``webhooks.store.outbox``)."""


def trace_id(row):
    """The id that follows a message from EMQX to Odoo (presence events have none: the client)."""
    return row.get("msg_id") or f"presence:{row.get('clientid')}"
