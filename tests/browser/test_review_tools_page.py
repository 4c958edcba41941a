"""The review page's speed tools in headless Chromium: search, bulk with its confirmation, diffs, keys.

With ASSAY_UPDATE_SCREENSHOTS set, the screenshots are copied to docs/ (review-search.png, review-bulk-confirm.png,
review-diff.png), as test_review_page.py does for docs/review-page.png."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_review_page import sign_in, wait_for_point
from tests.web.helpers import Served, craft_point

DOCS = Path(__file__).resolve().parents[2] / "docs"
ZEBRA = "A zebra crossing has 12 white stripes. How many remain after {} fade?"


def shot(page: Any, name: str, **options: Any) -> None:
    page.screenshot(path=str(ARTIFACTS / name), **options)
    if os.environ.get("ASSAY_UPDATE_SCREENSHOTS"):
        shutil.copyfile(ARTIFACTS / name, DOCS / name)


def zebra(served: Served, fade: int) -> str:
    answer = str(12 - fade)
    return craft_point(served, {"prompt": ZEBRA.format(fade), "answer": answer, "answer_type": "exact"}, text="")


def test_search_then_bulk_approve_with_confirmation(page: Any, served: Served) -> None:
    zebras = [zebra(served, 5), zebra(served, 3)]
    everyone = [q["candidate_id"] for q in served.queue()]
    sign_in(page, served)
    assert page.inner_text("#progress-decided") == "0" and page.inner_text("#progress-total") == str(len(everyone))

    page.keyboard.press("/")  # search by key
    assert page.evaluate("document.activeElement.id") == "search"
    page.keyboard.type('zebra "white stripes"')
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "q=zebra" in url)
    page.wait_for_selector("body[data-ready='1'] #queue")
    rows = page.locator("#queue tbody tr")
    assert [rows.nth(i).get_attribute("data-id") for i in range(rows.count())] == zebras
    marks = page.locator("#queue mark").all_inner_texts()
    assert marks.count("zebra") == 2 and marks.count("white stripes") == 2
    assert page.inner_text("#queue-count").startswith("2 of ")
    shot(page, "review-search.png")

    page.keyboard.press("*")  # select the filtered set, then bulk-approve it by key: a confirmation first
    assert page.inner_text("#bulk-count") == "2 selected" and page.is_checked("#select-all")
    page.keyboard.press("Shift+A")
    page.wait_for_selector("body[data-ready='1'] #bulk-confirm")
    assert page.inner_text("#confirm-count") == "2"
    assert "Approve 2 points" in page.inner_text("#confirm-button")
    assert all(z[:8] in page.inner_text("#confirm-list") for z in zebras)
    assert all(served.verdicts(z) == [] for z in zebras)  # asking recorded nothing
    shot(page, "review-bulk-confirm.png")

    page.keyboard.press("Escape")  # cancel: back to the same search, nothing recorded
    page.wait_for_selector("body[data-ready='1'] #queue")
    assert "q=zebra" in page.url and all(served.verdicts(z) == [] for z in zebras)

    page.keyboard.press("*")
    page.keyboard.press("Shift+A")
    page.wait_for_selector("body[data-ready='1'] #bulk-confirm")
    page.keyboard.press("y")
    page.wait_for_selector("#flash")
    assert page.inner_text("#flash").startswith("approved 2 points by ana (bulk ")
    (bulk_id,) = {served.verdicts(z)[0].bulk_id for z in zebras}
    assert bulk_id and [len(served.verdicts(z)) for z in zebras] == [1, 1]
    assert page.locator("#queue-empty").count() == 1  # the search now finds no waiting point
    assert page.inner_text("#progress-decided") == "2" and page.inner_text("#progress-total") == "2"


def test_bulk_reject_by_keys_needs_one_reason(page: Any, served: Served) -> None:
    ids = [q["candidate_id"] for q in served.queue()]
    first, second = ids[:2]
    sign_in(page, served)
    page.keyboard.press("x")  # the highlighted first row
    page.keyboard.press("j")
    page.keyboard.press("x")
    assert page.inner_text("#bulk-count") == "2 selected"
    page.keyboard.press("Shift+R")  # the reason field; Ctrl+Enter asks to reject the selection
    assert page.evaluate("document.activeElement.id") == "bulk-reason"
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#error")
    assert page.inner_text("#error") == "a rejection needs a reason: say what is wrong with the point"
    assert page.inner_text("#bulk-count") == "2 selected"  # the selection is kept to fix
    page.fill("#bulk-reason", "the wording gives the answer away")
    page.press("#bulk-reason", "Control+Enter")
    page.wait_for_selector("body[data-ready='1'] #bulk-confirm")
    assert page.inner_text("#confirm-count") == "2"
    assert page.inner_text("#confirm-reason") == "the wording gives the answer away"
    page.click("#confirm-button")
    page.wait_for_selector("#flash")
    assert page.inner_text("#flash").startswith("rejected 2 points by ana (bulk ")
    for point in (first, second):
        assert [(v.verdict, v.reason) for v in served.verdicts(point)] == [
            ("reject", "the wording gives the answer away")
        ]


def test_word_diff_of_a_leak_and_next_undecided(page: Any, served: Served) -> None:
    payload = {"prompt": "How many stripes remain after 5 of 12 fade?", "answer": "7", "answer_type": "exact"}
    leak = craft_point(served, payload, text="The answer is 7.")  # a repair leaked the answer into the prompt
    sign_in(page, served)
    page.goto(f"{served.url}/points/{leak}")
    wait_for_point(page, leak)
    page.keyboard.press("d")
    assert page.evaluate("document.activeElement.id") == "versions"
    inserted = page.locator("#versions td.diff-new ins")
    assert inserted.first.inner_text() == "The answer is 7. " or inserted.first.inner_text() == "The answer is 7."
    assert inserted.first.is_visible() and page.locator("#versions td.diff-old del").count() == 0
    colour = inserted.first.evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")  # highlighted
    assert "original draft" in page.inner_text("#versions thead") and "repair 1 (realism)" in page.inner_text(
        "#versions thead"
    )
    page.locator("#versions").screenshot(path=str(ARTIFACTS / "review-diff.png"))
    if os.environ.get("ASSAY_UPDATE_SCREENSHOTS"):
        shutil.copyfile(ARTIFACTS / "review-diff.png", DOCS / "review-diff.png")

    # "n": the next undecided point, passing over one decided behind the page's back.
    queued = [q["candidate_id"] for q in served.queue()]
    page.goto(f"{served.url}/points/{queued[0]}")
    wait_for_point(page, queued[0])
    status, _ = served.call("POST", f"/api/points/{queued[1]}/verdict", reviewer="bob", body={"verdict": "approve"})
    assert status == 200
    page.keyboard.press("n")
    wait_for_point(page, queued[2])
    assert page.inner_text("#point-status") == "queued"
