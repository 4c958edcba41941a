"""Review-page sessions and throttled sign-in over HTTP: what the cookie holds, what the store keeps, expiry,
sign-out, revoke, the Secure flag, too many wrong tokens, and no token in any URL."""

from __future__ import annotations

import hashlib
import http.client
import sqlite3
from email.message import Message
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from app import reviewers
from tests.e2e.helpers import assay
from tests.web.helpers import Served, World, copy_home, csrf
from web.auth import COOKIE
from web.throttle import LIMIT, WINDOW_S


def request(
    served: Served,
    method: str,
    path: str,
    form: dict[str, str] | None = None,
    session: str = "",
    headers: dict[str, str] | None = None,
) -> tuple[int, Message, str]:
    """One request, redirects not followed: (status, headers, body)."""
    where = urlsplit(served.url)
    conn = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=30)
    sent = dict(headers or {})
    if session:
        sent["Cookie"] = f"{COOKIE}={session}"
    body = urlencode(form) if form is not None else None
    if body is not None:
        sent.update({"Content-Type": "application/x-www-form-urlencoded", "Origin": served.url})
    try:
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        conn.close()


def sign_in(served: Served, token: str, headers: dict[str, str] | None = None) -> tuple[str, str]:
    """(the session id the cookie holds, the whole Set-Cookie header) after a good sign-in."""
    status, got, html = request(served, "POST", "/login", {"token": token, "next": "/"}, headers=headers)
    assert status == 303 and got["location"] == "/", html
    cookie = next(c for c in got.get_all("set-cookie", []) if c.startswith(f"{COOKIE}="))
    return cookie.split(";")[0].split("=", 1)[1], cookie


def stored(served: Served) -> list[tuple[str, ...]]:
    """Every row of the session table, as the service keeps it (beside the ledger, in tracking.sqlite)."""
    with sqlite3.connect(served.home / "tracking.sqlite") as db:
        return [tuple(str(v) for v in row) for row in db.execute("SELECT * FROM assay_sessions")]


def change(served: Served, sql: str) -> None:
    with sqlite3.connect(served.home / "tracking.sqlite") as db:
        db.execute(sql)


def signed_in_as(served: Served, session: str) -> str | None:
    """The reviewer the queue page greets for this session id; None when it sends the visitor to sign in."""
    status, got, html = request(served, "GET", "/", session=session)
    if status == 303:
        assert got["location"].startswith("/login?next="), got["location"]
        return None
    assert status == 200, html
    return html.split('id="reviewer-name">')[1].split("<")[0]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_cookie_holds_a_random_session_id_and_the_store_only_its_hash(served: Served) -> None:
    token = served.tokens["ana"]
    session, cookie = sign_in(served, token)
    assert session != token and token not in cookie and len(session) >= 40
    attributes = {a.strip().lower() for a in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/", "max-age=43200"} <= attributes and "secure" not in attributes
    assert signed_in_as(served, session) == "ana"
    assert signed_in_as(served, token) is None  # the token itself is no session
    [row] = stored(served)
    assert row[0] == sha256(session) and row[1] == "ana"
    assert not any(secret in value for value in row for secret in (session, token, sha256(token)))
    created, expires = float(row[3]), float(row[4])
    assert expires - created == 12 * 3600
    again, _ = sign_in(served, token)  # a second sign-in is a session of its own
    assert again != session and len(stored(served)) == 2


def test_the_cookie_is_secure_only_when_the_browser_came_over_https(served: Served) -> None:
    _, plain = sign_in(served, served.tokens["ana"])
    _, proxied = sign_in(served, served.tokens["ana"], {"X-Forwarded-Proto": "https"})
    assert "secure" not in plain.lower() and "; secure" in proxied.lower()


def test_an_expired_session_sends_the_visitor_to_sign_in_and_is_deleted(served: Served) -> None:
    session, _ = sign_in(served, served.tokens["ana"])
    kept, _ = sign_in(served, served.tokens["bob"])
    change(served, f"UPDATE assay_sessions SET expires_at = created_at WHERE id_sha256 = '{sha256(session)}'")
    assert signed_in_as(served, session) is None
    assert [row[1] for row in stored(served)] == ["bob"] and signed_in_as(served, kept) == "bob"


def test_signing_out_ends_the_session_on_the_server(served: Served) -> None:
    session, _ = sign_in(served, served.tokens["ana"])
    _, _, page = request(served, "GET", "/", session=session)
    status, got, _ = request(served, "POST", "/logout", {"csrf": csrf(page)}, session=session)
    assert status == 303 and got["location"] == "/login"
    assert any(c.startswith(f'{COOKIE}=""') and "Max-Age=0" in c for c in got.get_all("set-cookie", []))
    assert stored(served) == []
    assert signed_in_as(served, session) is None  # the old cookie, replayed


def test_revoking_a_reviewer_ends_their_sessions(served: Served) -> None:
    ana, _ = sign_in(served, served.tokens["ana"])
    bob, _ = sign_in(served, served.tokens["bob"])
    revoked = assay(served.home, "reviewer", "revoke", "bob")
    assert revoked.returncode == 0 and "sessions are ended" in revoked.stdout, revoked.stderr
    assert [row[1] for row in stored(served)] == ["ana"]  # deleted by the command, before any request
    assert signed_in_as(served, bob) is None
    # Revoked without the session store (another tool): the next request refuses the session all the same;
    # and a new token for the same name does not bring the old session back.
    reviewers.revoke(served.ledger, "ana")
    reviewers.add(served.ledger, "ana")
    assert signed_in_as(served, ana) is None and stored(served) == []


def test_the_sixth_wrong_token_within_the_window_is_refused_429_without_checking_it(served: Served) -> None:
    for i in range(LIMIT):
        status, _, html = request(served, "POST", "/login", {"token": f"guess-{i}", "next": "/"})
        assert status == 401 and "that token is not valid" in html
    for token in ("guess-6", served.tokens["ana"]):  # a good token too: it is not even looked at
        status, got, html = request(served, "POST", "/login", {"token": token, "next": "/"})
        assert status == 429 and 'id="login-form"' in html and "too many wrong tokens" in html
        assert 1 <= int(got["retry-after"]) <= WINDOW_S and COOKIE not in str(got.get_all("set-cookie", []))
    assert stored(served) == []
    status, body = served.call("GET", "/api/whoami", reviewer="bob")  # one count for the page and the API
    assert status == 429 and "too many wrong tokens" in body["error"]


def test_wrong_api_tokens_are_throttled_and_a_missing_one_is_not_counted(served: Served) -> None:
    for _ in range(LIMIT + 2):
        assert served.call("GET", "/api/whoami", reviewer=None)[0] == 401  # no token: not a guess
    for i in range(LIMIT):
        status, body = served.call("GET", "/api/queue", reviewer=f"guess-{i}")
        assert status == 401 and "unknown or was revoked" in body["error"]
    status, got, text = request(
        served, "GET", "/api/whoami", headers={"Authorization": f"Bearer {served.tokens['ana']}"}
    )
    assert status == 429 and 1 <= int(got["retry-after"]) <= WINDOW_S and "too many wrong tokens" in text
    served.forgive()
    assert served.call("GET", "/api/whoami", reviewer="ana") == (200, {"reviewer": "ana"})


def test_x_forwarded_for_names_the_client_only_when_the_proxy_is_trusted(
    served: Served, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def guess(where: Served, forwarded: str) -> int:
        form = {"token": "guess", "next": "/"}
        return request(where, "POST", "/login", form, headers={"X-Forwarded-For": forwarded})[0]

    # By default the header is the client's to write: every address it names is this one client.
    assert [guess(served, f"203.0.113.{i}") for i in range(LIMIT + 1)] == [401] * LIMIT + [429]
    monkeypatch.setenv("ASSAY_TRUSTED_PROXIES", "1")
    proxied = Served(copy_home(world, tmp_path / "proxied"), world.tokens)
    try:
        # Behind one proxy: the entry it appended (the last) is the client; what the client wrote before it is not.
        assert [guess(proxied, f"198.51.100.{i}, 203.0.113.7") for i in range(LIMIT + 1)] == [401] * LIMIT + [429]
        assert guess(proxied, "203.0.113.8") == 401  # another client is not held back
        assert len(proxied.app.state.throttle) == 2
    finally:
        proxied.stop()


def test_a_token_in_a_url_is_refused_and_never_echoed(served: Served) -> None:
    token = served.tokens["ana"]
    session, _ = sign_in(served, token)
    for path in (
        f"/?token={token}",
        f"/?run=x&Token={token}",
        f"/?%74oken={token}",
        f"/login?token={token}",
        f"/points/abc?access_token={token}",
        f"/checklist?token={token}",
        f"/api/queue?token={token}",
        f"/static/review.css?token={token}",
    ):
        for cookie in ("", session):
            status, got, body = request(served, "GET", path, session=cookie)
            assert status == 400 and "does not belong in a URL" in body, (path, status)
            assert token not in body and token not in str(got.items()), path
    # Carried inside ?next=: the sign-in page and its redirect drop it.
    status, got, body = request(served, "GET", f"/login?next=/%3Frun%3Dx%26token%3D{token}")
    assert status == 200 and token not in body and 'value="/?run=x"' in body
    form = {"token": token, "next": f"/?token={token}&run=x"}
    status, got, _ = request(served, "POST", "/login", form)
    assert status == 303 and got["location"] == "/?run=x"
    # Cleaning `next` must not open a redirect: a browser drops the tab, so "/\t/x" would lead to //x.
    for elsewhere in ("/\t/evil.example", "//evil.example", "https://evil.example"):
        status, got, _ = request(served, "POST", "/login", {"token": token, "next": elsewhere})
        assert status == 303 and got["location"] == "/", elsewhere
