"""The outbox in words for people: the status page and ``sdiot demo``'s summary line say the same.

The numbers, and what each one counts, are ``Outbox.stats()`` (webhooks/store/outbox.py): messages
and presence updates waiting for Odoo, rows Odoo refused, and when the broker received the oldest
pending message (``received_at``). This module only words them.
"""


def age_text(seconds):
    """'14 s', '25 min', '24.0 h'."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def sentence(stats):
    """'2458 pending (2404 messages, 54 presence updates; oldest received 24.0 h ago), 0 failed'
    (with the delivered count when ``stats`` has one)."""
    parts = f"{stats['messages_pending']} messages, {stats['presence_pending']} presence updates"
    if stats["oldest_pending_age_seconds"] is not None:
        parts += f"; oldest received {age_text(stats['oldest_pending_age_seconds'])} ago"
    delivered = "" if stats["delivered"] is None else f", {stats['delivered']} delivered"
    return f"{stats['pending']} pending ({parts}){delivered}, {stats['failed']} failed"
