"""Gate calibration on the review service, over real HTTP: the /calibration page (linked from the nav) and
GET /api/calibration show how often reviewers rejected or edited the points the gates passed."""

from __future__ import annotations

import re

from markupsafe import escape

from tests.web.helpers import Browser, Served, craft_point

GT_GATES = {"construct", "novelty", "oracle", "counter", "realism", "difficulty", "gameability", "final"}
OFF = "answer '…' is off"


def verdict(served: Served, point: str, body: dict[str, object]) -> None:
    status, answer = served.call("POST", f"/api/points/{point}/verdict", reviewer="ana", body=body)
    assert status == 200, answer


def cells(page: str, group: str, label: str) -> str:
    """The HTML of one table row, found by its group and label."""
    found = re.search(rf'data-group="{group}" data-label="{re.escape(str(escape(label)))}">(.*?)</tr>', page, re.S)
    assert found, (group, label)
    return found.group(1)


def test_the_page_and_the_api_show_the_rates_of_the_verdicts_given(served: Served) -> None:
    browser = Browser(served)
    browser.login(served.tokens["bob"])
    status, _, page, _ = browser.open("/calibration")
    assert status == 200 and 'id="no-verdicts"' in page and 'id="calibration"' not in page
    assert 'href="/calibration"' in page

    # A point whose realism failure was repaired, and three points of the world's run (all ground_truth).
    crafted = craft_point(served, {"prompt": "What is 1 + 2?", "answer": "3", "answer_type": "exact"}, text="x")
    first, second, third = [q["candidate_id"] for q in served.queue() if q["candidate_id"] != crafted][:3]
    verdict(served, first, {"verdict": "approve"})
    _, p = served.call("GET", f"/api/points/{second}")
    edited = {**p["payload"], "prompt": p["payload"]["prompt"] + " Answer with a number only."}
    verdict(served, second, {"verdict": "edit", "reason": "asked for a bare number", "payload": edited})
    verdict(served, third, {"verdict": "reject", "reason": "Answer '12' is off."})
    verdict(served, crafted, {"verdict": "reject", "reason": "answer '3' is off"})

    status, report = served.call("GET", "/api/calibration")
    assert status == 200, report
    assert (report["decided"], report["approved"], report["edited"], report["rejected"]) == (4, 1, 1, 2)
    assert (report["reject_rate"], report["edit_rate"], report["miss_rate"]) == (0.5, 0.25, 0.75)
    assert report["reasons"] == {OFF: 2} and report["edit_reasons"] == {"asked for a bare number": 1}
    # Every queued point passed every gate of its recipe.
    assert set(report["by_gate"]) == GT_GATES and all(r["decided"] == 4 for r in report["by_gate"].values())
    realism = report["by_repaired_gate"]["realism"]  # the crafted point's, at least
    assert realism["decided"] >= 1 and realism["rejected"] >= 1
    assert sum(r["decided"] for r in report["by_repair"].values()) == 4
    assert sum(r["decided"] for r in report["by_checklist"]["ground_truth"]) == 4
    assert served.call("GET", "/api/calibration", reviewer=None)[0] == 401

    status, _, page, _ = browser.open("/calibration")
    assert status == 200 and 'id="calibration"' in page
    everything = cells(page, "all", "")
    assert "50%\u00a0(2/4)" in everything and "25%\u00a0(1/4)" in everything  # a no-break space
    assert f"{escape(OFF)} ×2" in everything and "edit: asked for a bare number ×1" in everything
    gates = cells(page, "gate", ", ".join(sorted(GT_GATES)))  # equal verdicts: one row
    assert '<td class="num">4</td>' in gates and "50%\u00a0(2/4)" in gates and "25%\u00a0(1/4)" in gates
    reasons = page[page.index('id="calibration-reasons"') :]
    assert re.search(rf"<td class=\"text\">{re.escape(str(escape(OFF)))}</td><td class=\"num\">2</td>", reasons)
    row = cells(page, "repaired gate", "realism")
    assert f"\u00a0({realism['rejected']}/{realism['decided']})" in row


def test_the_page_needs_a_signed_in_reviewer(served: Served) -> None:
    status, url, _, _ = Browser(served).open("/calibration")
    assert status == 200 and url == f"{served.url}/login?next=/calibration"
