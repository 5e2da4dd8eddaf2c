"""JSON as Odoo reads it: datetimes as naive UTC 'YYYY-MM-DD HH:MM:SS', dates as 'YYYY-MM-DD'.

Odoo parses Datetime fields with strptime('%Y-%m-%d %H:%M:%S') (fields.Datetime.to_datetime,
16 -> 20): a 'T', a 'Z', an offset or fractional seconds make it raise ValueError. Aware values
are converted to UTC; naive values are taken to be UTC already (the ingest DB stores UTC).
"""
import datetime as dt
import json

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"


def parse_timestamp(value):
    """A datetime from a datetime or ISO-8601 text (SQLite stores '...T10:00:00.000000+00:00')."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        return dt.datetime.fromisoformat(text)
    raise TypeError(f"not a timestamp: {value!r}")


def odoo_datetime(value):
    """'YYYY-MM-DD HH:MM:SS' in UTC, seconds truncated (sub-second time stays in message_key)."""
    moment = parse_timestamp(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment.strftime(DATETIME_FORMAT)


def odoo_date(value):
    """'YYYY-MM-DD' from a date, a datetime (its UTC day) or ISO text."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, str) and len(value.strip()) == 10:
        return dt.date.fromisoformat(value.strip()).strftime(DATE_FORMAT)
    return odoo_datetime(value)[:10]


def _default(value):
    if isinstance(value, dt.datetime):
        return odoo_datetime(value)
    if isinstance(value, dt.date):
        return odoo_date(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable for Odoo")


def dumps(value):
    """The request body: compact, UTF-8, datetimes in Odoo's format."""
    return json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":")).encode()
