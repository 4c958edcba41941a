"""The reflection checklist on the review service, over real HTTP: the API and the page's forms add, edit and
retire items as the signed-in reviewer; bad input is refused with a message and records nothing."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from markupsafe import escape

from domain import facts as f
from tests.web.helpers import EVIL, Browser, Served, craft_rejection, csrf

ODD = "answer and/or unit missing? (see #units)"  # an observed item's id holds "/", "?" and "#"
ODD_ITEM = "oracle: answer and/or unit missing? (see #units)"


def checklist(served: Served, recipe: str = "ground_truth") -> dict[str, Any]:
    status, body = served.call("GET", "/api/checklist")
    assert status == 200, body
    return body["recipes"][recipe]


def entry(view: dict[str, Any], item_id: str) -> dict[str, Any]:
    return next(e for e in view["checklist"] if e["id"] == item_id)


def item_url(item_id: str, recipe: str = "ground_truth") -> str:
    return f"/api/checklist/{recipe}/items/{quote(item_id, safe='')}"


def facts(served: Served, after: int) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for fact in served.checklist_facts(after):
        detail = fact.reason if isinstance(fact, f.ChecklistItemRetired) else fact.text
        out.append((type(fact).__name__, fact.recipe, fact.item_id, fact.reviewer, detail))
    return out


def test_the_api_shows_versions_and_rates_and_records_changes_by_the_reviewer(served: Served) -> None:
    craft_rejection(served, ODD)
    status, body = served.call("GET", "/api/checklist")
    assert status == 200 and set(body["recipes"]) >= {"ground_truth", "rubric", "agent_step"}
    view = body["recipes"]["ground_truth"]
    assert view["version"] >= 1 and view["installed"] and body["recipes"]["rubric"]["checklist"] == []
    assert entry(view, ODD_ITEM)["source"] == "observed" and entry(view, ODD_ITEM)["count"] == 1
    rates = view["rates"]
    assert rates and sum(r["drafted"] for r in rates) >= 5
    assert all(r["survival_rate"] == (round(r["survived"] / r["settled"], 4) if r["settled"] else None) for r in rates)
    before, version = served.position(), view["version"]

    status, added = served.call(
        "POST", "/api/checklist/ground_truth/items", "ana", {"text": "  The answer must be   a bare number "}
    )
    assert status == 201 and added["item_id"] == "R1" and added["version"] == version + 1, added
    assert added["item"]["text"] == "The answer must be a bare number" and added["reviewer"] == "ana"
    assert added["message"] == f"added R1 to the ground_truth checklist by ana (now version {version + 1})"
    status, edited = served.call("POST", item_url("R1"), "bob", {"text": "The reply is a bare number, no units"})
    assert status == 200 and edited["item"]["text"] == "The reply is a bare number, no units", edited
    status, retired = served.call("POST", item_url(ODD_ITEM) + "/retire", "ana", {"reason": "the spec asks for units"})
    assert status == 200 and retired["item"]["retired"] and retired["item_id"] == ODD_ITEM, retired
    status, retired = served.call("POST", item_url("R1") + "/retire", "bob")  # no body: no reason
    assert status == 200 and retired["version"] >= version + 3, retired  # retiring ODD moved it if in the top ten

    assert facts(served, before) == [
        ("ChecklistItemAdded", "ground_truth", "R1", "ana", "The answer must be a bare number"),
        ("ChecklistItemEdited", "ground_truth", "R1", "bob", "The reply is a bare number, no units"),
        ("ChecklistItemRetired", "ground_truth", ODD_ITEM, "ana", "the spec asks for units"),
        ("ChecklistItemRetired", "ground_truth", "R1", "bob", ""),
    ]
    view = checklist(served)
    assert view["version"] == retired["version"]
    assert entry(view, "R1") | {"count": 0} == {
        "id": "R1",
        "text": "The reply is a bare number, no units",
        "count": 0,
        "weight": 0,
        "source": "reviewer",
        "retired": True,
        "edited_by": "bob",
        "added_by": "ana",
        "retired_by": "bob",
        "reason": "",
    }
    odd = entry(view, ODD_ITEM)
    assert (odd["retired"], odd["retired_by"], odd["reason"]) == (True, "ana", "the spec asks for units")
    assert [e["retired"] for e in view["checklist"]][-2:] == [True, True]  # retired ones last


def test_bad_api_input_is_refused_and_records_nothing(served: Served) -> None:
    craft_rejection(served, ODD)
    observed = next(e for e in checklist(served)["checklist"] if e["id"] != ODD_ITEM)
    assert served.call("POST", item_url(ODD_ITEM) + "/retire", "ana")[0] == 200
    before = served.position()
    add = "/api/checklist/ground_truth/items"
    for method, path, body, status, message in [
        ("POST", add, {"text": "   "}, 422, "checklist item text must not be empty"),
        ("POST", add, {}, 422, "checklist item text must not be empty"),
        ("POST", add, {"text": observed["text"].upper()}, 422, "already has an active item reading"),
        ("POST", add, {"text": "x" * 501}, 422, "501 characters; at most 500"),
        ("POST", add, {"text": 7}, 422, "text must be a string"),
        ("POST", add, ["not", "an", "object"], 400, "send a JSON object"),
        ("POST", "/api/checklist/nonesuch/items", {"text": "a"}, 404, "unknown recipe 'nonesuch'"),
        ("POST", item_url("R9"), {"text": "a"}, 404, "the ground_truth checklist has no item 'R9'"),
        ("POST", item_url("a/b") + "/retire", None, 404, "has no item 'a/b'"),  # "/" in an id reaches retire
        ("POST", item_url(observed["id"]), {"text": observed["text"]}, 422, "already reads"),
        ("POST", item_url(ODD_ITEM), {"text": "new words"}, 422, "is retired; cannot edit it"),
        ("POST", item_url(ODD_ITEM) + "/retire", {"reason": "again"}, 422, "is already retired"),
        ("POST", item_url(observed["id"]) + "/retire", {"reason": "r" * 4001}, 422, "the reason is too long"),
        ("POST", item_url(observed["id"]) + "/retire", {"reason": ["x"]}, 422, "reason must be a string"),
    ]:
        got, answer = served.call(method, path, "ana", body)
        assert got == status and message in answer["error"], (path, body, got, answer)
    for reviewer in (None, "not-a-token", "old"):  # none, unknown, revoked
        served.forgive()  # 4 wrong tokens per reviewer: under the throttle's limit (tests/web/test_sessions.py)
        for method, path, body in (
            ("GET", "/api/checklist", None),
            ("POST", add, {"text": "sneaky"}),
            ("POST", item_url(observed["id"]), {"text": "sneaky"}),
            ("POST", item_url(observed["id"]) + "/retire", {}),
        ):
            got, answer = served.call(method, path, reviewer, body)
            assert got == 401 and "token" in answer["error"], (reviewer, path, answer)
    assert served.position() == before


def test_the_page_adds_edits_and_retires_items_as_the_signed_in_reviewer(served: Served) -> None:
    browser = Browser(served)
    status, url, html, _ = browser.open("/checklist")  # no session: sign in first, then come back
    assert status == 200 and url == f"{served.url}/login?next=/checklist"
    queue = browser.login(served.tokens["bob"])
    assert 'href="/checklist"' in queue and 'id="checklist-summary"' in queue
    assert re.search(r"<strong>ground_truth</strong> version \d+ · \d+ active items? · survived the gates: ", queue)
    status, _, page, _ = browser.open("/checklist")
    assert status == 200 and 'id="recipe-ground_truth"' in page and 'id="recipe-rubric"' in page
    view = checklist(served)
    rates = re.search(r'<table class="rates" id="rates-ground_truth">(.*?)</table>', page, re.S).group(1)
    last = view["rates"][-1]
    assert f"<td>v{last['version']}" in rates and f"({last['survived']}/{last['settled']})" in rates
    assert f"({last['approved']}/{last['decided']})" in rates
    token, before, version = csrf(page), served.position(), view["version"]

    status, url, page, _ = browser.open("/checklist/ground_truth/add", {"csrf": token, "text": EVIL})
    assert status == 200 and url == f"{served.url}/checklist#recipe-ground_truth"
    assert f"added R1 to the ground_truth checklist by bob (now version {version + 1})" in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page and "<script>window" not in page
    assert 'onerror="window' not in page
    status, _, page, _ = browser.open(
        "/checklist/ground_truth/edit", {"csrf": token, "item_id": "R1", "text": "State the unit"}
    )
    assert status == 200 and "edited &#39;R1&#39; in the ground_truth checklist by bob" in page
    observed = next(e for e in view["checklist"] if e["source"] == "observed" and not e["retired"])
    status, _, page, _ = browser.open(
        "/checklist/ground_truth/retire", {"csrf": token, "item_id": observed["id"], "reason": "the gate handles it"}
    )
    assert status == 200 and "retired " in page and "from the ground_truth checklist by bob" in page
    row = re.search(r'<tr class="item retired"[^>]*>(.*?)</tr>', page, re.S).group(1)  # greyed, with who and why
    assert "retired by bob: the gate handles it" in " ".join(row.split())
    assert facts(served, before) == [
        ("ChecklistItemAdded", "ground_truth", "R1", "bob", " ".join(EVIL.split())),
        ("ChecklistItemEdited", "ground_truth", "R1", "bob", "State the unit"),
        ("ChecklistItemRetired", "ground_truth", observed["id"], "bob", "the gate handles it"),
    ]


def test_bad_page_input_shows_a_message_and_records_nothing(served: Served) -> None:
    browser = Browser(served)
    browser.login(served.tokens["ana"])
    _, _, page, _ = browser.open("/checklist")
    token, before = csrf(page), served.position()
    observed = next(e for e in checklist(served)["checklist"] if e["source"] == "observed")
    status, _, page, _ = browser.open("/checklist/ground_truth/add", {"csrf": token, "text": "  "})
    assert status == 422 and 'id="error"' in page and "checklist item text must not be empty" in page
    status, _, page, _ = browser.open("/checklist/ground_truth/add", {"csrf": token, "text": observed["text"]})
    assert status == 422 and "already has an active item reading" in page
    assert f'id="add-text-ground_truth" value="{escape(observed["text"])}"' in page  # kept, to fix it
    status, _, page, _ = browser.open("/checklist/ground_truth/edit", {"csrf": token, "item_id": "R7", "text": "x"})
    assert status == 404 and "the ground_truth checklist has no item &#39;R7&#39;" in page
    status, _, page, _ = browser.open("/checklist/ground_truth/retire", {"csrf": "0" * 64, "item_id": observed["id"]})
    assert status == 403 and "the form has expired" in page
    status, _, page, _ = browser.open(
        "/checklist/ground_truth/retire", {"csrf": token, "item_id": observed["id"]}, origin="http://evil.example"
    )
    assert status == 403 and "posted from another site" in page
    status, _, page, _ = browser.open("/checklist/nonesuch/add", {"csrf": token, "text": "a"})
    assert status == 404 and "unknown recipe &#39;nonesuch&#39;" in page
    status, _, page, _ = browser.open("/checklist/ground_truth/delete", {"csrf": token, "item_id": observed["id"]})
    assert status == 404 and "unknown checklist action" in page
    stranger = Browser(served)  # no session: sent to sign in, nothing recorded
    status, url, _, _ = stranger.open("/checklist/ground_truth/add", {"csrf": token, "text": "sneaky"})
    assert status == 200 and url == f"{served.url}/login?next=/checklist"
    assert served.position() == before and served.checklist_facts() == []

    status, _, page, _ = browser.open("/checklist/ground_truth/retire", {"csrf": token, "item_id": observed["id"]})
    assert status == 200 and served.position() == before + 1
    status, _, page, _ = browser.open(
        "/checklist/ground_truth/retire", {"csrf": token, "item_id": observed["id"], "reason": "twice"}
    )
    assert status == 422 and "is already retired" in page
    assert served.position() == before + 1
