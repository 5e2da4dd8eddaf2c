"""The status page's login (webhooks/status_login.py): a signed session cookie, never a token in a URL."""
import base64
import json

import pytest

from webhooks import create_app

ADMIN, OTHER = "admin-token-one", "admin-token-two"


@pytest.fixture
def url(ingest_sqlite_url):
    return ingest_sqlite_url


def _app(url, tokens=(ADMIN,)):
    return create_app({"database_url": url, "admin_tokens": tokens})


def _login(client, token=ADMIN, **headers):
    return client.post("/login", data={"token": token}, headers=headers)


def test_a_session_made_by_one_worker_is_honoured_by_another(url):
    """The key is derived from the tokens: a second process with the same tokens accepts the cookie."""
    first, second = _app(url).test_client(), _app(url).test_client()
    assert _login(first).status_code == 303
    second.set_cookie("sdiot_session", first.get_cookie("sdiot_session").value)
    assert second.get("/").status_code == 200


def test_changing_the_tokens_ends_every_session(url):
    """A worker whose token list differs (a token removed or added) does not accept the old cookie."""
    client = _app(url, (ADMIN, OTHER)).test_client()
    _login(client)
    rotated = _app(url, (OTHER,)).test_client()
    rotated.set_cookie("sdiot_session", client.get_cookie("sdiot_session").value)
    response = rotated.get("/")
    assert response.status_code == 303 and response.headers["Location"] == "/login"


@pytest.mark.parametrize("headers, secure", [({}, False), ({"X-Forwarded-Proto": "https"}, True)])
def test_the_cookie_is_httponly_strict_and_secure_over_https(url, headers, secure):
    """HttpOnly and SameSite=Strict always; Secure when the browser came over https (proxy header)."""
    response = _login(_app(url).test_client(), **headers)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and ("Secure" in cookie) == secure


def test_the_cookie_holds_no_token(url):
    """The session says only that someone logged in; the token is neither in it nor in any header."""
    response = _login(_app(url).test_client())
    value = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    data = json.loads(base64.urlsafe_b64decode(value.split(".")[0] + "=="))
    assert data == {"admin": True, "_permanent": True}
    assert ADMIN not in str(response.headers)


def test_a_wrong_token_sets_no_cookie_and_says_so(url):
    """401 with the form again and no Set-Cookie; the page still sends the browser to /login."""
    client = _app(url).test_client()
    response = _login(client, token="guess")
    assert response.status_code == 401 and b"not one of the admin tokens" in response.data
    assert "Set-Cookie" not in response.headers
    assert client.get("/").status_code == 303


def test_logout_ends_the_session(url):
    """POST /logout clears the cookie; the next visit goes to /login."""
    client = _app(url).test_client()
    _login(client)
    assert client.get("/").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 303


@pytest.mark.parametrize("method, path", [("get", "/?token=" + ADMIN), ("get", "/login?token=" + ADMIN),
                                          ("post", "/login?token=" + ADMIN)])
def test_a_token_in_the_url_is_refused_everywhere(url, method, path):
    """400 on the page and the login, logged in or not, right token or not."""
    client = _app(url).test_client()
    _login(client)
    response = getattr(client, method)(path)
    assert response.status_code == 400 and b"token in the URL is refused" in response.data
