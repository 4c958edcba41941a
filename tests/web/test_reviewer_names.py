"""One reviewer-name rule on the page and its API too: a name outside it (here one a ledger holds from before the
rule, smuggled in past `assay reviewer add`) gives no verdict and no checklist change; 422 names the rule."""

from __future__ import annotations

from domain import facts as f
from domain.reviewer import REVIEWERS_ID, Reviewers, new_token, token_sha256
from tests.web.helpers import Browser, Served, csrf

BAD = "bad name 🤯"
RULE = "reviewer names are 1-64 letters, digits"


def smuggle(served: Served, name: str) -> str:
    """Record ``name`` as a reviewer without the check `assay reviewer add` makes; their token."""
    crew: Reviewers = served.ledger.repository.get(REVIEWERS_ID)
    token = new_token()
    crew.trigger_event(Reviewers.Recorded, fact=f.ReviewerAdded(name=name, token_sha256=token_sha256(token)))
    served.ledger.save(crew)
    served.tokens[name] = token
    return token


def test_the_api_and_the_page_refuse_a_name_outside_the_rule(served: Served) -> None:
    token = smuggle(served, BAD)
    point = served.queue()[0]["candidate_id"]
    before = served.position()

    status, body = served.call("POST", f"/api/points/{point}/verdict", reviewer=BAD, body={"verdict": "approve"})
    assert status == 422 and RULE in body["error"] and repr(BAD) in body["error"], body
    status, body = served.call("POST", "/api/checklist/ground_truth/items", reviewer=BAD, body={"text": "Say why"})
    assert status == 422 and RULE in body["error"], body

    browser = Browser(served)
    browser.login(token)
    _, _, html, _ = browser.open(f"/points/{point}")
    status, _, page, _ = browser.open(f"/points/{point}/verdict", {"verdict": "approve", "csrf": csrf(html)})
    assert status == 422 and RULE in page
    assert served.position() == before and served.verdicts(point) == []
