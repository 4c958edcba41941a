"""The review page in headless Chromium: sign in, queue, render, approve by key, reject, edit, and escaping."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from tests.browser.conftest import ARTIFACTS
from tests.web.helpers import EVIL, Served, craft_point

DOCS_SHOT = Path(__file__).resolve().parents[2] / "docs" / "review-page.png"


def sign_in(page: Any, served: Served, who: str = "ana") -> None:
    page.goto(served.url + "/")
    assert "/login" in page.url
    page.fill("#token", served.tokens[who])
    page.click("#login-form button")
    page.wait_for_selector("body[data-ready='1'] #queue")
    assert page.inner_text("#flash") == f"signed in as {who}"


def wait_for_point(page: Any, point_id: str) -> None:
    page.wait_for_url(f"**/points/{point_id}*")
    page.wait_for_selector("body[data-ready='1'] #render")


def test_queue_render_approve_reject_edit(page: Any, served: Served) -> None:
    while len(served.queue()) < 3:  # the real run usually queues 4 of 12; make sure of three
        craft_point(served, {"prompt": "What is 6 x 7?", "answer": "42", "answer_type": "exact"}, text="")
    ids = [q["candidate_id"] for q in served.queue()]
    first, second, third = ids[:3]
    sign_in(page, served)
    assert page.locator("#queue tbody tr").count() == len(ids)

    page.keyboard.press("j")  # select the second row, then open it
    page.keyboard.press("o")
    wait_for_point(page, second)
    prompt = served.call("GET", f"/api/points/{second}")[1]["payload"]["prompt"]
    assert " ".join(prompt.split())[:60] in " ".join(page.inner_text("#render").split())
    page.keyboard.press("k")
    wait_for_point(page, first)
    assert page.locator("table.gates > tbody > tr").count() >= 8
    assert page.locator("table.probe > tbody > tr").count() == 3  # one row per panel model
    page.screenshot(path=str(ARTIFACTS / "review-page.png"))
    if os.environ.get("ASSAY_UPDATE_SCREENSHOTS"):
        shutil.copyfile(ARTIFACTS / "review-page.png", DOCS_SHOT)

    page.keyboard.press("a")  # approve by keyboard: on to the next point
    wait_for_point(page, second)
    assert page.inner_text("#flash") == f"approve recorded for {first[:8]} by ana"
    assert [(v.verdict, v.reviewer) for v in served.verdicts(first)] == [("approve", "ana")]

    page.keyboard.press("r")  # reject: focus the reason, submit it empty first
    assert page.evaluate("document.activeElement.id") == "reject-reason"
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#error")
    assert page.inner_text("#error") == "a rejection needs a reason: say what is wrong with the point"
    assert served.verdicts(second) == []
    page.fill("#reject-reason", "the wording gives the answer away")
    page.press("#reject-reason", "Control+Enter")
    wait_for_point(page, third)
    assert page.inner_text("#flash") == f"reject recorded for {second[:8]} by ana"
    assert [(v.verdict, v.reason) for v in served.verdicts(second)] == [("reject", "the wording gives the answer away")]

    page.keyboard.press("e")  # edit: a payload that breaks the schema first, then a good one
    assert page.evaluate("document.activeElement.id") == "edit-payload"
    payload = json.loads(page.input_value("#edit-payload"))
    page.fill("#edit-payload", json.dumps({"prompt": payload["prompt"]}))
    page.press("#edit-payload", "Control+Enter")
    page.wait_for_selector("#error")
    assert "the edit breaks the ground_truth payload schema" in page.inner_text("#error")
    assert served.verdicts(third) == []
    payload["prompt"] += " Reply with the number only."
    page.fill("#edit-payload", json.dumps(payload, indent=2))
    page.fill("#edit-reason", "asked for a bare number")
    page.press("#edit-payload", "Control+Enter")
    page.wait_for_selector("#flash")
    assert page.inner_text("#flash") == f"edit recorded for {third[:8]} by ana"
    (edit,) = served.verdicts(third)
    assert (edit.verdict, edit.reviewer, edit.payload) == ("edit", "ana", payload)

    page.goto(f"{served.url}/points/{third}")  # both versions on the page: the original stays
    assert page.inner_text("#point-status") == "approved"
    assert "Reply with the number only." in page.inner_text("#render")
    assert "Reply with the number only." not in page.inner_text("#original")
    assert "edited by ana" in page.inner_text("#versions") and "original draft" in page.inner_text("#versions")
    assert "Decided: edit by ana" in " ".join(page.inner_text("#decided").split())


def test_markup_in_generated_text_shows_as_text_and_never_runs(page: Any, served: Served) -> None:
    real = served.call("GET", f"/api/points/{served.queue()[0]['candidate_id']}")[1]["payload"]
    evil = craft_point(served, real)  # a repair put <script> and <img onerror> into the prompt and solution
    sign_in(page, served)
    row = page.locator(f"#queue tr[data-id='{evil}']")
    assert "<script>window.__pwned=1</script>" in row.inner_text()
    page.goto(f"{served.url}/points/{evil}")
    page.wait_for_selector("#render")
    rendered = page.inner_text("#render")
    assert EVIL in rendered  # shown, escaped, as the text it is
    assert page.locator("#render script, #render img, main [onerror]").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"

    page.keyboard.press("e")  # a reviewer's edit with markup is escaped the same way, in both versions
    payload = json.loads(page.input_value("#edit-payload"))
    payload["topic"] = '<img src=x onerror="window.__pwned=2"><b>bold?</b>'
    page.fill("#edit-payload", json.dumps(payload))
    page.press("#edit-payload", "Control+Enter")
    page.wait_for_selector("#flash")
    page.goto(f"{served.url}/points/{evil}")
    assert "<b>bold?</b>" in page.inner_text("#render") and EVIL in page.inner_text("#original")
    assert page.locator("main img, main b, main script").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    page.screenshot(path=str(ARTIFACTS / "review-escaping.png"), full_page=True)


def test_checklist_page_add_retire_and_rates(page: Any, served: Served) -> None:
    sign_in(page, served)
    assert "version" in page.inner_text("#checklist-summary")
    page.click("#checklist-link")
    page.wait_for_selector("body[data-ready='1'] #recipe-ground_truth")
    rates = page.locator("#rates-ground_truth tbody tr").all_inner_texts()
    assert "(current)" in rates[-1] and any("%" in row for row in rates)  # drafted versions show their rates
    observed = page.locator("#items-ground_truth tbody tr").first.get_attribute("data-item-id")

    page.fill("#add-text-ground_truth", observed)  # a duplicate first: refused, the text kept to fix
    page.press("#add-text-ground_truth", "Enter")
    page.wait_for_selector("#error")
    assert "already has an active item reading" in page.inner_text("#error")
    assert page.input_value("#add-text-ground_truth") == observed and served.checklist_facts() == []

    page.fill("#add-text-ground_truth", "State the unit of the answer")
    page.click("#add-ground_truth button")
    page.wait_for_selector("#flash")
    assert page.inner_text("#flash").startswith("added R1 to the ground_truth checklist by ana (now version ")
    row = page.locator("#items-ground_truth tr[data-item-id='R1']")
    assert "State the unit of the answer" in row.inner_text() and "active" in row.inner_text()

    row.locator(".retire-form input[name=reason]").fill("the recipe states units already")
    row.locator(".retire-form button").click()
    page.wait_for_selector("#flash")
    assert page.inner_text("#flash").startswith("retired 'R1' from the ground_truth checklist by ana")
    row = page.locator("#items-ground_truth tr[data-item-id='R1']")
    assert row.get_attribute("class") == "item retired" and row.locator("form").count() == 0
    assert "retired by ana: the recipe states units already" in " ".join(row.inner_text().split())
    assert [(type(x).__name__, x.item_id, x.reviewer) for x in served.checklist_facts()] == [
        ("ChecklistItemAdded", "R1", "ana"),
        ("ChecklistItemRetired", "R1", "ana"),
    ]
    assert page.locator("#rates-ground_truth tbody tr").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "checklist-page.png"), full_page=True)
