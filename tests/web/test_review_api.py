"""The review API over a real run's ledger, served by uvicorn: tokens, queue, points, verdicts, bad input."""

from __future__ import annotations

import threading
from uuid import uuid4

from tests.web.helpers import Served, craft_point


def test_requests_without_a_valid_token_are_refused(served: Served) -> None:
    point = served.queue()[0]["candidate_id"]
    before = served.position()
    for reviewer in (None, "not-a-token", "old"):  # none, unknown, revoked
        served.forgive()  # 4 wrong tokens per reviewer: under the throttle's limit (tests/web/test_sessions.py)
        for method, path in (("GET", "/api/queue"), ("GET", f"/api/points/{point}"), ("GET", "/api/whoami")):
            status, body = served.call(method, path, reviewer=reviewer)
            assert status == 401 and "token" in body["error"], (reviewer, path, body)
        status, body = served.call(
            "POST", f"/api/points/{point}/verdict", reviewer=reviewer, body={"verdict": "approve"}
        )
        assert status == 401, body
    served.forgive()
    assert served.call("GET", "/api/whoami", reviewer="bob") == (200, {"reviewer": "bob"})
    assert served.position() == before and served.verdicts(point) == []


def test_queue_with_filters(served: Served) -> None:
    items = served.queue()
    assert len(items) >= 2 and all(q["band"] == "discriminating" for q in items)
    run_id = items[0]["run_id"]
    crafted = craft_point(served, {"prompt": "What is 6 x 7?", "answer": "42", "answer_type": "exact"})
    status, body = served.call("GET", "/api/queue")
    assert status == 200 and body["count"] == body["total"] == len(items) + 1
    assert "repaired:realism" in body["options"]["history"] and body["options"]["recipe"] == ["ground_truth"]

    def ids(query: str) -> list[str]:
        return [q["candidate_id"] for q in served.queue(query)]

    original = [q["candidate_id"] for q in items]
    assert ids(f"?run={run_id}") == original
    assert ids("?recipe=ground_truth&band=discriminating") == [*original, crafted]
    assert ids("?recipe=rubric") == [] and ids("?band=too_easy") == []
    repaired = [q["candidate_id"] for q in items if q["repaired_gates"]]  # the real run may have repaired some
    assert ids("?history=repaired") == [*repaired, crafted]
    assert ids("?history=repaired:realism") == [
        q["candidate_id"] for q in items if "realism" in q["repaired_gates"]
    ] + [crafted]
    assert ids("?history=repaired:nonesuch") == []
    assert ids("?history=clean") == [c for c in original if c not in repaired]


def test_point_json_has_history_gates_receipts_probe_and_render(served: Served) -> None:
    point = served.queue()[0]["candidate_id"]
    status, p = served.call("GET", f"/api/points/{point}")
    assert status == 200 and p["candidate_id"] == point and p["status"] == "queued" and p["reviewable"]
    assert p["recipe"] == "ground_truth" and p["payload"]["prompt"] in p["markdown"]
    assert [f["type"] for f in p["facts"]][0] == "Drafted" and p["facts"][-1]["type"] == "Queued"
    assert {g["gate"] for g in p["gates"]} >= {"construct", "oracle", "difficulty", "final"}
    calls = [r for g in p["gates"] for r in g["receipts"]]
    assert calls and all(len(r["prompt_sha256"]) == 64 and r["model"].startswith("local/") for r in calls)
    # One probe per Probed fact (a repair after the probe re-probes), each with every panel model's outcome.
    assert p["probes"] and len(p["probes"]) == sum(f["type"] == "Probed" for f in p["facts"])
    assert all(len(probe["outcomes"]) == 3 and probe["ks"] == ["1", "5"] for probe in p["probes"])
    repairs = [f"repair {f['attempt']} ({f['gate']})" for f in p["facts"] if f["type"] == "Repaired"]
    assert [v["label"] for v in p["versions"]] == ["original draft", *repairs]
    for missing in (str(uuid4()), "nonsense", p["facts"][0]["run_id"]):
        status, body = served.call("GET", f"/api/points/{missing}")
        assert status == 404 and "no point with id" in body["error"]


def test_verdicts_record_the_reviewer(served: Served) -> None:
    first, second, third = (q["candidate_id"] for q in served.queue()[:3])
    status, body = served.call("POST", f"/api/points/{first}/verdict", reviewer="ana", body={"verdict": "approve"})
    assert status == 200 and body["recorded"]["reviewer"] == "ana", body
    status, body = served.call(
        "POST",
        f"/api/points/{second}/verdict",
        reviewer="bob",
        body={"verdict": "reject", "reason": "  the units are ambiguous  "},
    )
    assert status == 200, body
    _, p = served.call("GET", f"/api/points/{third}")
    edited = {**p["payload"], "prompt": p["payload"]["prompt"] + " Answer with a number only."}
    status, body = served.call(
        "POST",
        f"/api/points/{third}/verdict",
        reviewer="ana",
        body={"verdict": "edit", "reason": "asked for a bare number", "payload": edited},
    )
    assert status == 200, body

    assert [(v.verdict, v.reviewer) for v in served.verdicts(first)] == [("approve", "ana")]
    assert [(v.verdict, v.reviewer, v.reason) for v in served.verdicts(second)] == [
        ("reject", "bob", "the units are ambiguous")
    ]
    (edit,) = served.verdicts(third)
    assert (edit.verdict, edit.reviewer, edit.payload) == ("edit", "ana", edited)
    _, after = served.call("GET", f"/api/points/{third}")
    assert after["status"] == "approved" and after["payload"] == edited
    assert after["facts"][0]["type"] == "Drafted"  # every earlier version stays in the ledger
    assert after["versions"][:-1] == p["versions"] and after["versions"][-2]["payload"] == p["payload"]
    assert after["versions"][-1]["label"] == "edited by ana" and after["versions"][-1]["changed"] == ["prompt"]
    assert "Answer with a number only." in after["markdown"]
    assert {first, second, third}.isdisjoint(q["candidate_id"] for q in served.queue())


def test_bad_input_is_refused_with_a_clear_message_and_the_ledger_unchanged(served: Served) -> None:
    decided, point = (q["candidate_id"] for q in served.queue()[:2])
    assert served.call("POST", f"/api/points/{decided}/verdict", body={"verdict": "approve"})[0] == 200
    _, p = served.call("GET", f"/api/points/{point}")
    before = served.position()
    broken = {**p["payload"], "answer_type": "integer"}
    without_prompt = {k: v for k, v in p["payload"].items() if k != "prompt"}
    cases = [
        (str(uuid4()), {"verdict": "approve"}, 404, "no point with id"),
        (decided, {"verdict": "reject", "reason": "changed my mind"}, 409, "already decided: approve by ana"),
        (point, {"verdict": "edit", "payload": broken}, 422, "breaks the ground_truth payload schema: answer_type"),
        (point, {"verdict": "edit", "payload": without_prompt}, 422, "prompt"),
        (point, {"verdict": "edit", "payload": "{not json"}, 422, "not valid JSON"),
        (point, {"verdict": "edit", "payload": [1, 2]}, 422, "must be a JSON object"),
        (point, {"verdict": "edit", "payload": p["payload"]}, 422, "changes nothing"),
        (point, {"verdict": "reject", "reason": ""}, 422, "a rejection needs a reason"),
        (point, {"verdict": "reject", "reason": "   "}, 422, "a rejection needs a reason"),
        (point, {"verdict": "maybe"}, 422, "unknown verdict 'maybe'"),
        (point, {"verdict": "reject", "reason": 7}, 422, "reason must be a string"),
    ]
    for target, body, status, message in cases:
        got, answer = served.call("POST", f"/api/points/{target}/verdict", body=body)
        assert (got, message in answer["error"]) == (status, True), (body, answer)
    got, answer = served.call("POST", f"/api/points/{point}/verdict", raw=b"approve please")
    assert got == 400 and "not valid JSON" in answer["error"]
    assert served.position() == before and served.verdicts(point) == []


def test_two_reviewers_deciding_at_once_one_wins_and_the_other_is_told(served: Served) -> None:
    point = served.queue()[0]["candidate_id"]
    start = threading.Barrier(2)
    results: dict[str, tuple[int, dict]] = {}

    def decide(reviewer: str, body: dict) -> None:
        start.wait()
        results[reviewer] = served.call("POST", f"/api/points/{point}/verdict", reviewer=reviewer, body=body)

    threads = [
        threading.Thread(target=decide, args=("ana", {"verdict": "approve"})),
        threading.Thread(target=decide, args=("bob", {"verdict": "reject", "reason": "too easy"})),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    statuses = sorted(status for status, _ in results.values())
    assert statuses == [200, 409], results
    (winner,) = [who for who, (status, _) in results.items() if status == 200]
    (loser,) = [body for status, body in results.values() if status == 409]
    assert "someone else decided this point first" in loser["error"] or "already decided" in loser["error"]
    assert [v.reviewer for v in served.verdicts(point)] == [winner]
