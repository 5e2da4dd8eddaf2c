"""What a failed Odoo call means for the rows it carried: hold them, split the call, or fail a row.

Only Odoo saying "this data is wrong" (ValidationError, UserError) or an answer that cannot be
matched to its rows (MisalignedAnswer) may turn rows into failed ones, and only once bisecting has
narrowed the call to a single row: the other rows of the batch are delivered. Everything else holds
the rows for a later retry, because failing them would not make Odoo take them:

* transport errors, timeouts, proxy 5xx pages, serialization failures — Odoo is down or busy;
* authentication, access and missing-model refusals — a rotated key, a forwarder user that lost
  its group, the addon not installed: an operator fixes Odoo and the held rows go through;
* any other protocol error (a maintenance page answered with 200) and every error we do not know.
"""
import enum

from odoo_connector import errors

# Odoo blames the data, or its answer cannot be paired with the rows: a row, once isolated, fails.
BLAMES_THE_ROWS = (errors.ValidationError, errors.UserError, errors.MisalignedAnswer)


class Decision(enum.Enum):
    HOLD = "hold"  # keep every row pending; back off and send them again
    ISOLATE = "isolate"  # split the call in two to find the row Odoo refuses
    FAIL = "fail"  # the call carried one row and Odoo refused it: park it as failed


def decide(exc, rows):
    """The Decision for ``exc`` raised by a call that carried ``rows`` rows (or device groups)."""
    if not isinstance(exc, BLAMES_THE_ROWS):
        return Decision.HOLD
    return Decision.FAIL if rows == 1 else Decision.ISOLATE
