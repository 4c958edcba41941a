"""The review page's speed tools over HTTP: search, progress, bulk verdicts, next undecided, version diffs."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any
from uuid import uuid4

from adapters.ledger import iter_envelopes
from app.verdicts import MAX_BULK
from domain import facts as f
from tests.web.helpers import Browser, Served, craft_point, csrf, reject

ZEBRA = {"prompt": "A zebra crossing has 12 white stripes. How many remain after 5 fade?", "answer": "7"}


def _craft(served: Served, payload: dict[str, Any], text: str = "") -> str:
    return craft_point(served, {"answer_type": "exact", **payload}, text=text)


def _verdict_facts(served: Served) -> list[tuple[str, f.VerdictGiven, str]]:
    """(point id, verdict, time) of every VerdictGiven in the ledger."""
    return [
        (e.originator_id, e.fact, e.timestamp)
        for e in iter_envelopes(served.ledger, after=0)
        if isinstance(e.fact, f.VerdictGiven)
    ]


def test_search_finds_prompt_answer_and_solution_text(served: Served) -> None:
    zebra = _craft(served, {**ZEBRA, "solution": "Twelve minus five leaves seven."})
    other = _craft(served, {"prompt": "What is 6 x 7?", "answer": "4242"})

    def ids(query: str) -> list[str]:
        return [q["candidate_id"] for q in served.queue(query)]

    assert ids("?q=zebra") == [zebra] and ids("?q=ZEBRA%20stripes") == [zebra]
    assert ids("?q=%22white%20stripes%22") == [zebra] and ids("?q=%22stripes%20white%22") == []
    assert ids("?q=leaves+seven") == [zebra]  # the worked solution
    assert ids("?q=4242") == [other]  # the answer
    assert ids("?q=zebra+4242") == []  # every term must occur
    assert ids("?q=zebra&band=too_easy") == [] and ids("?q=zebra&recipe=ground_truth") == [zebra]
    status, body = served.call("GET", "/api/queue?q=zebra")
    assert status == 200 and body["terms"] == ["zebra"] and body["count"] == 1
    (row,) = body["items"]
    assert "text" not in row and {"text": "zebra", "hit": True} in row["snippet"]
    assert all("text" not in q and "snippet" not in q for q in served.queue())  # a preview only, no search: no snippet

    browser = Browser(served)
    browser.login(served.tokens["ana"])
    _, _, html, _ = browser.open("/?q=zebra")
    assert "<mark>zebra</mark>" in html and zebra in html and other not in html
    assert 'value="zebra"' in html and "1 of" in html
    _, _, html, _ = browser.open("/?q=%3Cscript%3Enothing")
    assert 'id="queue-empty"' in html and "<script>nothing" not in html  # the query comes back escaped


def test_progress_counts_decided_of_the_filtered_set_and_per_reviewer_today(served: Served) -> None:
    zebra = _craft(served, ZEBRA)
    first, second = (q["candidate_id"] for q in served.queue()[:2])  # the real run's: the oldest
    run_id = served.queue()[0]["run_id"]
    status, body = served.call("GET", "/api/queue")
    start = body["progress"]
    assert (start["decided"], start["waiting"], start["total"]) == (0, body["total"], body["total"])
    for point, who, body in (
        (first, "ana", {"verdict": "approve"}),
        (second, "bob", {"verdict": "reject", "reason": "x"}),
        (zebra, "ana", {"verdict": "approve"}),
    ):
        assert served.call("POST", f"/api/points/{point}/verdict", reviewer=who, body=body)[0] == 200

    _, body = served.call("GET", "/api/queue")
    p = body["progress"]
    assert (p["decided"], p["waiting"], p["total"]) == (3, start["total"] - 3, start["total"])
    assert p["verdicts"] == {"approve": 2, "reject": 1, "edit": 0} and p["percent"] == 300 // start["total"]
    today = Counter(v.reviewer for _, v, when in _verdict_facts(served) if when[:10] == p["today"]["date"])
    assert p["today"]["by_reviewer"] == dict(today) and p["today"]["decided"] == sum(today.values())

    _, body = served.call("GET", "/api/queue?q=zebra")  # the filtered set: one point, decided
    assert (body["progress"]["decided"], body["progress"]["total"], body["count"]) == (1, 1, 0)
    _, body = served.call("GET", f"/api/queue?run={run_id}")
    assert body["progress"]["decided"] == 2 and body["progress"]["total"] == 2 + body["count"]

    browser = Browser(served)
    browser.login(served.tokens["ana"])
    _, _, html, _ = browser.open("/?q=zebra")
    assert 'id="progress-decided">1<' in html and 'id="progress-total">1<' in html and "in this set" in html


def test_bulk_records_one_verdict_each_with_one_bulk_id_and_skips_decided_points(served: Served) -> None:
    while len(served.queue()) < 4:
        _craft(served, {"prompt": "What is 6 x 7?", "answer": "42"})
    a, b, c, d = (q["candidate_id"] for q in served.queue()[:4])
    assert served.call("POST", f"/api/points/{b}/verdict", reviewer="bob", body={"verdict": "approve"})[0] == 200

    before = served.position()
    status, plan = served.call("POST", "/api/bulk", body={"ids": [a, b, c], "verdict": "approve", "dry_run": True})
    assert status == 200 and plan["dry_run"] and plan["recorded"] == [a, c] and plan["bulk_id"] == ""
    assert plan["skipped"] == [{"candidate_id": b, "reason": "already decided: approve by bob"}]
    assert served.position() == before  # a dry run records nothing

    status, done = served.call(
        "POST", "/api/bulk", body={"ids": [a, b, c, a], "verdict": "reject", "reason": " two answers fit "}
    )
    assert status == 200 and not done["dry_run"], done
    assert done["recorded"] == [a, c] and [s["candidate_id"] for s in done["skipped"]] == [b]
    assert len(done["bulk_id"]) == 32 and (done["reviewer"], done["reason"]) == ("ana", "two answers fit")
    for point in (a, c):
        (v,) = served.verdicts(point)
        assert (v.verdict, v.reviewer, v.reason, v.bulk_id) == ("reject", "ana", "two answers fit", done["bulk_id"])
    assert [(v.reviewer, v.bulk_id) for v in served.verdicts(b)] == [("bob", "")]  # never decided twice
    assert d in {q["candidate_id"] for q in served.queue()}

    again = served.position()
    status, repeat = served.call("POST", "/api/bulk", body={"ids": [a, c], "verdict": "approve"})
    assert status == 200 and repeat["recorded"] == [] and len(repeat["skipped"]) == 2
    assert served.position() == again and len(served.verdicts(a)) == 1


def test_bad_bulk_input_is_refused_and_nothing_is_recorded(served: Served) -> None:
    point, other = (q["candidate_id"] for q in served.queue()[:2])
    rejected = _rejected_point(served)
    before = served.position()
    cases = [
        ({"verdict": "approve"}, 422, "ids must be a list"),
        ({"ids": point, "verdict": "approve"}, 422, "ids must be a list"),
        ({"ids": [1, 2], "verdict": "approve"}, 422, "ids must be a list"),
        ({"ids": [], "verdict": "approve"}, 422, "select at least one point"),
        ({"ids": ["  "], "verdict": "approve"}, 422, "select at least one point"),
        ({"ids": [point], "verdict": "reject"}, 422, "a rejection needs a reason"),
        ({"ids": [point], "verdict": "edit", "payload": {}}, 422, "edit points one at a time"),
        ({"ids": [point], "verdict": "maybe"}, 422, "approves or rejects"),
        ({"ids": [point, str(uuid4())], "verdict": "approve"}, 404, "no point with id"),
        ({"ids": [point, rejected], "verdict": "approve"}, 409, "not in the review queue"),
        ({"ids": [str(uuid4()) for _ in range(MAX_BULK + 1)], "verdict": "approve"}, 422, f"at most {MAX_BULK}"),
        ({"ids": [point], "verdict": "approve", "dry_run": "yes"}, 422, "dry_run must be true or false"),
        ({"ids": [point], "verdict": "reject", "reason": 5}, 422, "reason must be a string"),
    ]
    for body, status, message in cases:
        got, answer = served.call("POST", "/api/bulk", body=body)
        assert (got, message in answer.get("error", "")) == (status, True), (body, answer)
    assert served.call("POST", "/api/bulk", raw=b"[1]")[0] == 400
    assert served.call("POST", "/api/bulk", reviewer="old", body={"ids": [point], "verdict": "approve"})[0] == 401
    assert served.position() == before and served.verdicts(point) == served.verdicts(other) == []


def _rejected_point(served: Served) -> str:
    """A candidate the gates rejected: known to the ledger, never in the queue."""
    reject(served.ledger, "not a point for review", "oracle")
    return [e.originator_id for e in iter_envelopes(served.ledger, after=0) if isinstance(e.fact, f.Rejected)][-1]


def test_two_bulk_actions_at_once_decide_each_point_once(served: Served) -> None:
    while len(served.queue()) < 4:
        _craft(served, {"prompt": "What is 6 x 7?", "answer": "42"})
    ids = [q["candidate_id"] for q in served.queue()]
    start = threading.Barrier(2)
    results: dict[str, dict[str, Any]] = {}

    def act(reviewer: str, body: dict[str, Any]) -> None:
        start.wait()
        status, results[reviewer] = served.call("POST", "/api/bulk", reviewer=reviewer, body=body)
        assert status == 200, results[reviewer]

    threads = [
        threading.Thread(target=act, args=("ana", {"ids": ids, "verdict": "approve"})),
        threading.Thread(target=act, args=("bob", {"ids": list(reversed(ids)), "verdict": "reject", "reason": "no"})),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    ana, bob = results["ana"], results["bob"]
    assert sorted(ana["recorded"] + bob["recorded"]) == sorted(ids)  # every point decided, by exactly one
    assert set(ana["recorded"]).isdisjoint(bob["recorded"])
    assert {s["candidate_id"] for s in ana["skipped"]} == set(bob["recorded"])
    assert {s["candidate_id"] for s in bob["skipped"]} == set(ana["recorded"])
    for point in ids:
        (v,) = served.verdicts(point)
        assert v.bulk_id == (ana if v.reviewer == "ana" else bob)["bulk_id"]


def test_next_undecided_never_returns_a_decided_point(served: Served) -> None:
    zebra = _craft(served, ZEBRA)
    queued = [q["candidate_id"] for q in served.queue()]
    status, body = served.call("GET", f"/api/next?after={queued[0]}")
    assert status == 200 and body["point"]["candidate_id"] == queued[1]
    assert served.call("GET", f"/api/next?after={queued[-1]}")[1]["point"]["candidate_id"] == queued[0]  # wraps
    assert served.call("GET", "/api/next?q=zebra")[1]["point"]["candidate_id"] == zebra

    # One reviewer works through the queue with "next" while another decides points behind their back.
    stop = threading.Event()
    decided_by_bob: list[str] = []

    def bob() -> None:
        for point in reversed(queued):
            if stop.is_set():
                return
            status, _ = served.call("POST", f"/api/points/{point}/verdict", reviewer="bob", body={"verdict": "approve"})
            if status == 200:
                decided_by_bob.append(point)

    other = threading.Thread(target=bob)
    other.start()
    seen: list[str] = []
    after = ""
    try:
        while True:
            status, body = served.call("GET", f"/api/next?after={after}")
            assert status == 200, body
            if body["point"] is None:
                assert body["message"] == "no undecided point matches these filters"
                break
            point = body["point"]
            if point["verdict"] is not None:  # bob decided it while "next" was reading it: never before
                assert point["verdict"]["reviewer"] == "bob", point
                after = point["candidate_id"]
                continue
            assert point["status"] == "queued" and point["reviewable"]
            assert point["candidate_id"] not in seen
            seen.append(point["candidate_id"])
            served.call("POST", f"/api/points/{point['candidate_id']}/verdict", body={"verdict": "approve"})
            after = point["candidate_id"]
    finally:
        stop.set()
        other.join(60)
    assert set(seen) <= set(queued) and set(seen) | set(decided_by_bob) == set(queued)
    assert served.call("GET", "/api/next")[1]["point"] is None

    browser = Browser(served)  # the page: no point left, so back to the queue, saying why
    browser.login(served.tokens["ana"])
    status, url, html, _ = browser.open("/next")
    assert status == 200 and url == served.url + "/" and "no undecided point left in this set" in html


def test_page_next_undecided_goes_to_a_waiting_point(served: Served) -> None:
    first, second = (q["candidate_id"] for q in served.queue()[:2])
    browser = Browser(served)
    browser.login(served.tokens["ana"])
    assert served.call("POST", f"/api/points/{second}/verdict", reviewer="bob", body={"verdict": "approve"})[0] == 200
    status, url, html, _ = browser.open(f"/next?after={first}")
    assert status == 200 and url.startswith(f"{served.url}/points/") and second not in url
    assert 'id="point-status">queued<' in html


def test_bulk_on_the_page_asks_first_with_the_count(served: Served) -> None:
    while len(served.queue()) < 3:
        _craft(served, {"prompt": "What is 6 x 7?", "answer": "42"})
    a, b, c = (q["candidate_id"] for q in served.queue()[:3])
    browser = Browser(served)
    html = browser.login(served.tokens["ana"])
    token = csrf(html)
    assert served.call("POST", f"/api/points/{c}/verdict", reviewer="bob", body={"verdict": "approve"})[0] == 200
    before = served.position()
    form = [("csrf", token), ("verdict", "approve"), ("reason", ""), ("ids", a), ("ids", b), ("ids", c)]
    status, _, page, _ = browser.open("/bulk", form)
    assert status == 200 and 'id="bulk-confirm"' in page and 'id="confirm-count">2<' in page
    assert "Approve 2 points" in page and "already decided: approve by bob" in page
    assert served.position() == before  # asking records nothing

    status, url, page, _ = browser.open("/bulk", [*form, ("confirm", "yes")])
    assert status == 200 and url == served.url + "/"
    assert "approved 2 points by ana (bulk " in page and "skipped 1" in page
    bulk_ids = {served.verdicts(p)[0].bulk_id for p in (a, b)}
    assert len(bulk_ids) == 1 and "" not in bulk_ids and len(served.verdicts(c)) == 1

    point = served.queue()[0]["candidate_id"]
    before = served.position()
    bad = [("csrf", token), ("verdict", "reject"), ("reason", " "), ("ids", point)]
    status, _, page, _ = browser.open("/bulk", bad)
    assert status == 422 and "a rejection needs a reason" in page and 'id="error"' in page
    assert f'value="{point}" form="bulk-form" class="pick"' in page  # the selection is kept to fix
    status, _, page, _ = browser.open("/bulk", [("csrf", token), ("verdict", "approve")])
    assert status == 422 and "select at least one point" in page
    status, _, page, _ = browser.open("/bulk", [("csrf", "0" * 64), ("verdict", "approve"), ("ids", point)])
    assert status == 403
    assert served.position() == before


def test_point_versions_carry_word_diffs(served: Served) -> None:
    leak = _craft(served, {"prompt": "How many remain after 5 of 12 fade?", "answer": "7"}, text="The answer is 7.")
    status, p = served.call("GET", f"/api/points/{leak}")
    assert status == 200
    draft, repair = p["versions"]
    assert "diff" not in draft and repair["diff_from"] == "original draft"
    fields = {d["field"]: d for d in repair["diff"]}
    assert set(fields) == {"prompt", "solution"}
    assert [s["text"] for s in fields["prompt"]["after"] if s["op"] == "insert"] == ["The answer is 7. "]
    assert all(s["op"] == "equal" for s in fields["prompt"]["before"])
    browser = Browser(served)
    browser.login(served.tokens["ana"])
    _, _, html, _ = browser.open(f"/points/{leak}")
    assert '<td class="diff-new"><ins>The answer is 7. </ins>How many remain' in html
