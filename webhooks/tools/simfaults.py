"""Failures the simulated Odoo (``simodoo``) can inject: ``sim.faults.append(fault)``.

A fault is called with the request handler before the call runs; it returns True when it
answered the request itself. Shapes: odoo/odoo odoo/service/model.py (concurrency retries
exhausted), odoo/http.py (serialize_exception body); proxies answer with HTML.
"""
from http import HTTPStatus

SERIALIZATION = ("psycopg2.errors.SerializationFailure", "could not serialize access due to concurrent update\n")


def serialization_failure(handler):
    """A fault: Odoo exhausted its 5 concurrency retries (odoo/odoo:odoo/service/model.py).

    Odoo's JSON-2 answers this with HTTP 500 (the simulated Odoo's answer, not the tier's)."""
    handler.odoo_error(*SERIALIZATION, status=HTTPStatus.INTERNAL_SERVER_ERROR)
    return True


def http_status(status, body=b"<html><body><h1>502 Bad Gateway</h1></body></html>"):
    """A fault: a proxy in front of Odoo answers ``status`` with an HTML page."""
    def fault(handler):
        handler.send_raw(status, body, "text/html")
        return True
    return fault


def drop_connection(handler):
    """A fault: the worker dies mid-request (limit_time_real); the client sees a reset."""
    handler.close_connection = True
    handler.connection.close()
    return True


def commit_then_stall(seconds):
    """A fault: Odoo commits, then the answer comes too late for the client's read timeout."""
    def fault(handler):
        handler.answer_late = seconds
        return False
    return fault
