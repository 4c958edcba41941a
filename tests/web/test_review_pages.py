"""The review page over HTTP (no browser): sessions, the form token, messages on the page, escaping, headers."""

from __future__ import annotations

import re

import pytest

from adapters.ledger import AssayLedger, open_ledger
from app import verdicts
from domain import facts as f
from domain.errors import Conflict
from tests.web.helpers import EVIL, Browser, Served, craft_point, csrf
from web.errors import refusal


def test_pages_need_a_session_and_a_valid_token(served: Served) -> None:
    browser = Browser(served)
    point = served.queue()[0]["candidate_id"]
    for path in ("/", f"/points/{point}"):
        status, url, html, _ = browser.open(path)
        assert status == 200 and url.startswith(served.url + "/login?next=") and 'id="login-form"' in html
    for token in ("old", "nonsense"):  # revoked, unknown
        status, _, html, _ = browser.open("/login", {"token": served.tokens.get(token, token), "next": "/"})
        assert status == 401 and "that token is not valid" in html
    html = browser.login(served.tokens["ana"])
    assert "signed in as ana" in html and 'id="queue"' in html and point[:8] in html


def test_a_page_verdict_needs_the_form_token_and_the_same_origin(served: Served) -> None:
    browser = Browser(served)
    browser.login(served.tokens["bob"])
    first, second = (q["candidate_id"] for q in served.queue()[:2])
    _, _, html, _ = browser.open(f"/points/{first}")
    before = served.position()
    status, _, page, _ = browser.open(f"/points/{first}/verdict", {"verdict": "approve", "csrf": "0" * 64})
    assert status == 403 and "the form has expired" in page
    status, _, page, _ = browser.open(
        f"/points/{first}/verdict", {"verdict": "approve", "csrf": csrf(html)}, origin="http://evil.example"
    )
    assert status == 403 and "posted from another site" in page
    assert served.position() == before
    status, url, page, _ = browser.open(f"/points/{first}/verdict", {"verdict": "approve", "csrf": csrf(html)})
    assert status == 200 and url == f"{served.url}/points/{second}"  # on to the next point
    assert f"approve recorded for {first[:8]} by bob" in page
    assert [(v.verdict, v.reviewer) for v in served.verdicts(first)] == [("approve", "bob")]


def test_bad_input_shows_a_message_on_the_page_and_records_nothing(served: Served) -> None:
    browser = Browser(served)
    browser.login(served.tokens["ana"])
    point = served.queue()[0]["candidate_id"]
    _, _, html, _ = browser.open(f"/points/{point}")
    token, before = csrf(html), served.position()
    status, _, page, _ = browser.open(f"/points/{point}/verdict", {"verdict": "reject", "reason": " ", "csrf": token})
    assert status == 422 and "a rejection needs a reason" in page and 'id="error"' in page
    broken = '{"prompt": "only a prompt"}'
    status, _, page, _ = browser.open(f"/points/{point}/verdict", {"verdict": "edit", "payload": broken, "csrf": token})
    assert status == 422 and "breaks the ground_truth payload schema" in page
    assert "{&#34;prompt&#34;: &#34;only a prompt&#34;}" in page  # the posted text is kept (escaped) for fixing
    status, _, page, _ = browser.open(f"/points/{'0' * 8}-0000-0000-0000-{'0' * 12}")
    assert status == 404 and "no point with id" in page
    assert served.position() == before and served.verdicts(point) == []


def test_generated_markup_is_escaped_and_the_page_allows_no_inline_script(served: Served) -> None:
    browser = Browser(served)
    queue = browser.login(served.tokens["ana"])
    real = served.call("GET", f"/api/points/{served.queue()[0]['candidate_id']}")[1]["payload"]
    evil = craft_point(served, real)
    for path in ("/", f"/points/{evil}"):
        status, _, page, headers = browser.open(path)
        assert status == 200 and "window.__pwned" in page
        assert "<script>window" not in page and "<img src=x" not in page and 'onerror="window' not in page
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
        assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/review.js" defer>']
        assert (
            "script-src 'self'" in headers["content-security-policy"]
            and "unsafe-inline" not in headers["content-security-policy"]
        )
    assert EVIL not in queue


def test_a_retried_calls_tries_are_listed_under_its_receipt(served: Served) -> None:
    browser = Browser(served)
    browser.login(served.tokens["ana"])
    point = craft_point(served, {"prompt": "What is 6 x 7?", "answer": "42", "answer_type": "exact"}, text="")
    status, body = served.call("GET", f"/api/points/{point}")
    judged = [r for g in body["gates"] for r in g.get("receipts", []) if r["tries"]]
    assert status == 200 and [[t["status"] for t in r["tries"]] for r in judged] == [[429, 200]]
    status, _, page, _ = browser.open(f"/points/{point}")
    tries = re.findall(r'<tr class="try">(.*?)</tr>', page, re.S)
    assert status == 200 and len(tries) == 2
    assert "429 RateLimitError" in tries[0] and "Retry-After 2 s, waited 2104 ms" in tries[0]
    assert "try 2 · openai/judge @ http://judge.example/" in tries[1] and "waited" not in tries[1]


def test_a_verdict_that_loses_the_race_to_save_is_refused(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    point = served.queue()[0]["candidate_id"]
    original = AssayLedger.save

    def save_after_a_rival(self: AssayLedger, *aggregates: object, **kw: object) -> object:
        rival = open_ledger(served.store_url)  # another reviewer decides between our load and our save
        cand = rival.repository.get(aggregates[0].id)  # type: ignore[attr-defined]
        cand.give_verdict(f.VerdictGiven(verdict="reject", reviewer="bob", reason="first"))
        original(rival, cand)
        rival.close()
        return original(self, *aggregates, **kw)

    ledger = open_ledger(served.store_url)
    monkeypatch.setattr(AssayLedger, "save", save_after_a_rival)
    with pytest.raises(Conflict) as refused:  # the page and the API answer it with 409 (web.errors.refusal)
        verdicts.record(ledger, point, "ana", "approve")
    monkeypatch.undo()
    assert refusal(refused.value).status == 409
    assert str(refused.value).startswith("someone else decided this point first (reject by bob)")
    assert [(v.verdict, v.reviewer) for v in served.verdicts(point)] == [("reject", "bob")]
    ledger.close()
