"""Who may see the status page: a login that sets a signed session cookie, or a Bearer header.

With ``SDIOT_ADMIN_TOKENS`` set, ``GET /`` needs ``Authorization: Bearer <token>`` (scripts) or a
session; a browser without one is sent to ``/login``. ``POST /login`` with one of the tokens
(compared in constant time, webhooks/auth_tokens.py) sets Flask's signed session cookie —
HttpOnly, SameSite=Strict, Secure when the request came over https (directly or, behind a
TLS-terminating proxy, per ``X-Forwarded-Proto``), good for ``SESSION_HOURS`` after login — and
``POST /logout`` ends it. The cookie holds a flag, never the token. A token in a URL is refused
(400), on every path here: URLs end up in access logs, browser history and Referer headers.

The signing key is derived from the admin tokens (HMAC-SHA256 under a fixed label), not drawn at
random per process: every gunicorn worker and every replica derives the same key, so a session
one made is honoured by all and survives a restart. Changing the list of tokens changes the key
and so ends every session (removing a token also logs out whoever used it). Without admin tokens
the page is open and no key is set.
"""
import hashlib
import hmac
from datetime import timedelta

from flask import (Blueprint, Response, current_app, redirect, render_template, request, session,
                   url_for)
from flask.sessions import SecureCookieSessionInterface

from webhooks import auth_tokens

bp = Blueprint("status_login", __name__, template_folder="templates")
SESSION_HOURS = 12
_KEY_LABEL = b"sdiot status page session v1"


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, Secure exactly when the browser reached us over https."""

    def get_cookie_secure(self, app):
        forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        return request.is_secure or forwarded == "https"


def init_app(app):
    tokens = app.config["SDIOT"].admin_tokens
    if tokens:
        app.secret_key = session_key(tokens)
        app.session_interface = _SessionInterface()
        app.config.update(SESSION_COOKIE_NAME="sdiot_session", SESSION_COOKIE_HTTPONLY=True,
                          SESSION_COOKIE_SAMESITE="Strict", SESSION_REFRESH_EACH_REQUEST=False,
                          PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS))
    app.register_blueprint(bp)


def session_key(tokens):
    material = b"\n".join(sorted(t.encode() for t in tokens))
    return hmac.new(material, _KEY_LABEL, hashlib.sha256).digest()


def refusal():
    """None when the request may see the page, else the answer to give instead."""
    if "token" in request.args:
        return _url_token_refused()
    tokens = current_app.config["SDIOT"].admin_tokens
    if not tokens:
        return None
    header = request.headers.get("Authorization")
    if header is not None:
        if auth_tokens.valid(header, tokens):
            return None
        return _text(401, "admin token required (Authorization: Bearer)\n", {"WWW-Authenticate": "Bearer"})
    if logged_in():
        return None
    return redirect(url_for("status_login.login_form"), 303)


def logged_in():
    return bool(current_app.config["SDIOT"].admin_tokens) and session.get("admin") is True


@bp.before_request
def _guard():
    if "token" in request.args:
        return _url_token_refused()
    if not current_app.config["SDIOT"].admin_tokens:  # an open page has nobody to log in
        return redirect(url_for("status_page.status"), 303)
    return None


@bp.get("/login")
def login_form():
    if logged_in():
        return redirect(url_for("status_page.status"), 303)
    return render_template("login.html", error=None, session_hours=SESSION_HOURS)


@bp.post("/login")
def login():
    if not auth_tokens.matches(request.form.get("token", "").strip(), current_app.config["SDIOT"].admin_tokens):
        return render_template("login.html", error="That is not one of the admin tokens.",
                               session_hours=SESSION_HOURS), 401
    session.clear()
    session["admin"] = True
    session.permanent = True  # expires SESSION_HOURS after login (the cookie is not refreshed)
    return redirect(url_for("status_page.status"), 303)


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("status_login.login_form"), 303)


def _url_token_refused():
    return _text(400, "a token in the URL is refused (URLs are logged): log in at /login, "
                      "or send Authorization: Bearer\n")


def _text(status, body, headers=None):
    return Response(body, status, {"Content-Type": "text/plain; charset=utf-8", **(headers or {})})
