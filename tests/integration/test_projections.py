"""Projections over a real ledger: incremental catch-up equals a rebuild from zero, with concrete contents."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec

from adapters.ledger import AssayLedger, open_ledger
from adapters.tracking import TrackingStore
from adapters.views import catch_up, rebuild, rebuild_all
from domain import facts as f
from domain.candidate import Candidate
from domain.ids import candidate_uuid, run_uuid
from domain.run import Run
from projections.base import tracking_name
from projections.catalog import all_projections
from projections.checklist import Checklist, normalise
from projections.corpus import Corpus
from projections.dataset import Dataset
from projections.gate_calibration import GateCalibration
from projections.review_queue import ReviewQueue
from projections.run_stats import RunStats


def receipt(role: str = "author", cost: float = 0.01, tokens: int = 100, error: str = "", model: str = "") -> f.Receipt:
    return f.Receipt(
        role=role,
        model=model or f"local/{role}",
        prompt_sha256="a" * 64,
        response_sha256="" if error else "b" * 64,
        prompt_tokens=tokens,
        completion_tokens=tokens // 2,
        cost_usd=cost,
        latency_ms=12.0,
        error=error,
    )


_ERRORS = {429: "RateLimitError", 500: "InternalServerError", 408: "Timeout", 200: ""}


def tried(r: f.Receipt, *statuses: int) -> f.Receipt:
    """The receipt of a call that took one try per status."""
    tries = [f.Try(status=s, error=_ERRORS[s], latency_ms=1.0) for s in statuses]
    return msgspec.structs.replace(r, status=statuses[-1], tries=tries)


def probe(band: str = "discriminating", rate: float = 0.5) -> f.Probed:
    outcomes = [
        f.ModelOutcome(model="local/solver-strong", n=4, c=4, pass_at_k={"1": 1.0, "4": 1.0}),
        f.ModelOutcome(model="local/solver-weak", n=4, c=0, pass_at_k={"1": 0.0, "4": 0.0}),
    ]
    return f.Probed(
        gate="probe",
        outcomes=outcomes,
        solve_rate=rate,
        passed_models=["local/solver-strong"],
        band=band,
        in_band=True,
        receipts=[receipt("solver", 0.002, 10)] * 8,
    )


class History:
    """Writes ledger histories with the real aggregates, as the services would."""

    def __init__(self, url: str) -> None:
        self.ledger: AssayLedger = open_ledger(url)

    def start(self, run_id: str, recipe: str = "toy", spec_name: str = "arith") -> None:
        fact = f.RunStarted(
            run_id=run_id, spec_name=spec_name, recipe=recipe, spec={"name": spec_name}, policy=f.Policy(target=8)
        )
        self.ledger.save(Run.start(run_uuid(run_id), fact))

    def run(self, run_id: str) -> Run:
        return self.ledger.repository.get(run_uuid(run_id))

    def draft(self, run_id: str, index: int, prompt: str | None, recipe: str = "toy") -> Candidate:
        """Pull the lever and draft (``prompt=None``: the draft fails and is rejected at 'author')."""
        run, cid = self.run(run_id), candidate_uuid(run_id, index)
        coordinate = {"topic": f"t{index % 2}"}
        run.pull(index, str(cid), coordinate)
        common: dict[str, Any] = dict(
            run_id=run_id, index=index, recipe=recipe, coordinate=coordinate, receipts=[receipt()]
        )
        if prompt is None:
            common["receipts"] = [receipt(error="Timeout: no reply within 30s")]
            cand = Candidate.draft(cid, f.DraftFailed(reason="model error: timeout", **common))
            cand.reject("author", "model error: timeout")
        else:
            cand = Candidate.draft(cid, f.Drafted(payload={"prompt": prompt, "answer": "4"}, **common))
        self.ledger.save(run, cand)
        return cand

    def get(self, run_id: str, index: int) -> Candidate:
        return self.ledger.repository.get(candidate_uuid(run_id, index))

    def queue(self, cand: Candidate, probed: bool = True) -> None:
        cand.pass_gate("schema", {}, [])
        if probed:
            cand.request_probe("probe")
            cand.record_probe(probe())
        cand.enqueue()
        self.ledger.save(cand)

    def reject(self, cand: Candidate, gate: str, reason: str) -> None:
        cand.fail_gate(gate, reason, "", {}, [receipt("judge", 0.005)])
        cand.reject(gate, reason)
        self.ledger.save(cand)

    def verdict(self, cand: Candidate, verdict: str, reason: str = "", payload: dict | None = None) -> None:
        cand = self.ledger.repository.get(cand.id)
        cand.give_verdict(f.VerdictGiven(verdict=verdict, reviewer="alice", reason=reason, payload=payload))
        self.ledger.save(cand)


def build_scenario(h: History, step: Any) -> None:
    """One run of eight pulls plus a second run; ``step()`` is called between batches of saves."""
    h.start("r1")
    c0 = h.draft("r1", 0, "What is 2+2?")
    c0.pass_gate("schema", {}, [])
    c0.fail_gate("oracle", "answer disagrees", "fix the answer", {}, [receipt("judge", 0.005)])
    c0.repair(
        f.Repaired(
            gate="oracle",
            instruction="fix",
            payload={"prompt": "What is 2 + 2?", "answer": "4"},
            diff=["prompt"],
            invalidated=["oracle"],
            attempt=1,
            receipts=[receipt("repairer")],
        )
    )
    c0.pass_gate("oracle", {}, [])
    h.queue(c0)
    h.reject(h.draft("r1", 1, "q1"), "oracle", "answer '42' does not match oracle '41'")
    step()
    h.reject(h.draft("r1", 2, "q2"), "oracle", "Answer '7' does not match oracle '8' (still failing after 2 repairs)")
    h.reject(h.draft("r1", 3, "q3"), "novelty", "too similar to 1234abcd5678ef90 (0.93)")
    h.draft("r1", 4, None)
    for i in (5, 6, 7):
        h.queue(h.draft("r1", i, f"question {i}"), probed=i != 7)
    step()
    h.verdict(c0, "approve")
    h.verdict(h.get("r1", 5), "reject", reason="ambiguous wording")
    step()
    h.verdict(
        h.get("r1", 6),
        "edit",
        reason="tolerance was 0.5, should be 0.01",
        payload={"prompt": "question 6, edited", "answer": "5"},
    )
    h.start("r2", recipe="toy2", spec_name="other")
    h.queue(h.draft("r2", 0, "second run question", recipe="toy2"))
    run = h.run("r1")
    run.complete("target reached")
    h.ledger.save(run)


def test_incremental_equals_rebuild_with_concrete_views(store_url: str) -> None:
    h, tracking = History(store_url), TrackingStore(store_url)
    classes = all_projections()
    snapshots: list[dict[str, str]] = []

    def step() -> None:
        snapshots.append({cls.name: catch_up(h.ledger, tracking, cls).dump() for cls in classes})

    build_scenario(h, step)
    mid_queue = ReviewQueue.load(snapshots[1]["review_queue"])
    assert [q["index"] for q in mid_queue.items()] == [0, 5, 6, 7]
    assert mid_queue.items()[0]["band"] == "discriminating" and mid_queue.items()[0]["solve_rate"] == 0.5
    assert mid_queue.items()[3]["solve_rate"] is None  # queued without a probe

    incremental = {cls.name: catch_up(h.ledger, tracking, cls) for cls in classes}
    rebuilt = rebuild_all(h.ledger, tracking)
    for name, view in incremental.items():
        assert view.dump() == rebuilt[name].dump(), name
    views: dict[str, Any] = rebuilt

    queue: ReviewQueue = views["review_queue"]
    assert [(q["run_id"], q["index"]) for q in queue.items()] == [("r1", 7), ("r2", 0)]
    assert [q["index"] for q in queue.items("r2")] == [0]
    assert queue.items()[1]["preview"] == "second run question"

    stats: RunStats = views["run_stats"]
    r1 = stats.run("r1")
    assert r1 is not None
    assert (r1["status"], r1["reason"], r1["spec_name"]) == ("completed", "target reached", "arith")
    assert (r1["attempts"], r1["drafted"], r1["failed_drafts"]) == (8, 7, 1)
    assert (r1["queued"], r1["rejected"], r1["approved"], r1["declined"], r1["in_flight"]) == (4, 4, 2, 1, 0)
    assert r1["rejects_by_gate"] == {"oracle": 2, "novelty": 1, "author": 1}
    assert r1["rejects_by_reason"]["oracle"] == {"answer '…' does not match oracle '…'": 2}
    # receipts: 8 author drafts, 1 repairer, 4 judges (c0 oracle + 3 rejects), 3 probes of 8 solver calls
    assert r1["calls"] == 8 + 1 + 4 + 24
    assert abs(r1["cost_usd"] - (9 * 0.01 + 4 * 0.005 + 24 * 0.002)) < 1e-9
    assert r1["by_role"]["author"] == {
        "calls": 8,
        "prompt_tokens": 800,
        "completion_tokens": 400,
        "cost_usd": 0.08,
        "errors": 1,  # the failed draft's timeout
    }
    assert {role: b["calls"] for role, b in r1["by_role"].items()} == {
        "author": 8,
        "repairer": 1,
        "judge": 4,
        "solver": 24,
    }
    assert r1["by_model"]["local/solver"]["cost_usd"] == 0.048
    assert sum(b["calls"] for b in r1["by_model"].values()) == r1["calls"]
    assert r1["by_outcome"] == {"ok": 36, "failed": 1, "errors": {"Timeout": 1}, "retries": 0, "retried": {}}
    totals = stats.totals()
    assert (totals["runs"], totals["running"], totals["attempts"], totals["queued"]) == (2, 1, 9, 5)
    # r2: one author draft, a probe of 8 solver calls
    assert {m: b["calls"] for m, b in totals["by_model"].items()} == {
        "local/author": 9,
        "local/repairer": 1,
        "local/judge": 4,
        "local/solver": 32,
    }
    assert sum(b["calls"] for b in totals["by_model"].values()) == totals["calls"] == 46
    assert totals["by_outcome"] == {"ok": 45, "failed": 1, "errors": {"Timeout": 1}, "retries": 0, "retried": {}}

    checklist: Checklist = views["checklist"]
    # Heaviest first: a reviewer's reason weighs three gate reasons (ties in first-seen order).
    assert checklist.ranked("toy") == [
        ("review: ambiguous wording", 1),
        ("review: tolerance was N, should be N", 1),
        ("oracle: answer '…' does not match oracle '…'", 2),
        ("novelty: too similar to ID (N)", 1),
    ]
    assert checklist.items("toy", top=2) == [t for t, _ in checklist.ranked("toy")[:2]]
    assert checklist.version("toy") == 4  # +1 per new item; the merged second oracle reject changed nothing
    assert checklist.version("toy2") == 0 and checklist.items("toy2") == []
    versions = [Checklist.load(s["checklist"]).version("toy") for s in snapshots]
    assert versions == [1, 2, 3]

    calibration: GateCalibration = views["gate_calibration"]
    decided = [GateCalibration.load(s["gate_calibration"]).summary()["decided"] for s in snapshots]
    assert decided == [0, 0, 2]
    report = calibration.report()
    # c0 approved (its oracle failure repaired), c5 rejected, c6 edited; r1's 7 and r2's 0 still wait.
    assert (report["decided"], report["approved"], report["edited"], report["rejected"]) == (3, 1, 1, 1)
    assert (report["reject_rate"], report["edit_rate"], report["miss_rate"]) == (0.3333, 0.3333, 0.6667)
    assert report["reasons"] == {"ambiguous wording": 1}
    assert report["edit_reasons"] == {"tolerance was N, should be N": 1}
    assert {g: r["decided"] for g, r in report["by_gate"].items()} == {"schema": 3, "oracle": 1}
    assert [(r["version"], r["decided"]) for r in report["by_checklist"]["toy"]] == [(0, 3)]
    assert list(report["by_band"]) == ["discriminating"] and list(report["by_solve_rate"]) == ["50-75%"]
    repaired, never = report["by_repair"]["repaired"], report["by_repair"]["never"]
    assert (repaired["decided"], repaired["approved"], never["decided"], never["reject_rate"]) == (1, 1, 2, 0.5)
    assert list(report["by_repaired_gate"]) == ["oracle"] and calibration.summary()["open_candidates"] == 2

    dataset: Dataset = views["dataset"]
    points = dataset.points()
    assert [(p["index"], p["verdict"], p["edited"]) for p in points] == [(0, "approve", False), (6, "edit", True)]
    assert points[0]["payload"]["prompt"] == "What is 2 + 2?"  # the repaired payload
    assert points[1]["payload"] == {"prompt": "question 6, edited", "answer": "5"}
    assert points[0]["difficulty"]["band"] == "discriminating"
    assert points[0]["difficulty"]["passed_models"] == ["local/solver-strong"]
    assert [o["c"] for o in points[0]["difficulty"]["outcomes"]] == [4, 0]
    assert points[0]["receipts"]["calls"] == 1 + 1 + 1 + 8 and points[0]["reviewer"] == "alice"
    assert points[0]["spec_name"] == "arith" and points[0]["position"] < points[1]["position"]

    corpus: Corpus = views["corpus"]
    by_index = {(e.run_id, e.index): e for e in corpus.entries()}
    assert by_index[("r1", 0)].text == "What is 2 + 2?" and by_index[("r1", 0)].status == "approved"
    assert by_index[("r1", 6)].text == "question 6, edited"
    assert by_index[("r1", 5)].status == "declined" and by_index[("r1", 1)].status == "rejected"
    assert ("r1", 4) not in by_index  # a failed draft has no text
    assert corpus.get(str(candidate_uuid("r1", 4)))["status"] == "rejected"  # failed, then rejected
    assert [e.index for e in corpus.entries(run_id="r1", statuses=("queued",))] == [7]
    tracking.close()


def test_catch_up_resumes_and_survives_a_replaced_ledger(sqlite_url: str) -> None:
    h, tracking = History(sqlite_url), TrackingStore(sqlite_url)
    h.start("r1")
    h.queue(h.draft("r1", 0, "first"))
    first = catch_up(h.ledger, tracking, ReviewQueue)
    position = tracking.position(tracking_name(ReviewQueue))
    assert len(first) == 1 and position == h.ledger.recorder.max_notification_id()
    assert catch_up(h.ledger, tracking, ReviewQueue).dump() == first.dump()  # nothing new: same view

    # A tracked position past the ledger's end (the ledger was replaced) rebuilds from zero.
    tracking.save(tracking_name(ReviewQueue), position + 100, first.dump())
    view = catch_up(h.ledger, tracking, ReviewQueue)
    assert view.dump() == rebuild(h.ledger, tracking, ReviewQueue).dump()
    assert str(UUID(view.items()[0]["candidate_id"])) == str(candidate_uuid("r1", 0))
    tracking.close()


def test_normalise_merges_near_identical_reasons() -> None:
    assert normalise("Answer '42' doesn't match \"41\".") == normalise("answer '7' doesn't match \"8\"")
    assert normalise("solve rate 0.93 > 0.9 (still failing after 2 repairs)") == "solve rate N > N"
    assert normalise("Too similar to 7aef5758-1e67-56c0-a715-94a6cd11fe63") == "too similar to ID"
    assert normalise("pass@1 too high") == "pass@1 too high"


def test_checklist_version_follows_what_the_author_sees() -> None:
    """Only changes to the top-TOP list bump the version; a rarer new item below it does not."""
    from projections.checklist import TOP

    view, position = Checklist(), 0

    def feed(cid: str, fact: f.Fact) -> None:
        nonlocal position
        position += 1
        view.apply(
            f.Envelope(
                event_id=f"{cid}:{position}", originator_id=cid, version=1, position=position, timestamp="", fact=fact
            )
        )

    words = [f"criterion {chr(97 + i)}" for i in range(TOP + 3)]
    for i, word in enumerate([*words, words[-1]]):
        cid = f"c{i}"
        feed(cid, f.Drafted(run_id="r", index=i, recipe="toy", coordinate={}, payload={}))
        feed(cid, f.Rejected(gate="judge", reason=f"misses {word}"))
        if i == TOP + 1:
            assert view.version("toy") == TOP  # items 11 and 12 landed below the top: no bump
    assert view.items("toy")[0] == f"judge: misses {words[-1]}"  # seen twice: now first
    assert view.version("toy") == TOP + 1
    assert len(view.ranked("toy")) == TOP + 3


def test_run_stats_count_every_call_by_model_role_and_outcome() -> None:
    """One candidate with every kind of fact that carries receipts: no call is missed, failed calls are counted
    by error class, and the calls by model and by role each add up to the run's calls."""
    view, position = RunStats(), 0

    def feed(oid: str, fact: f.Fact) -> None:
        nonlocal position
        position += 1
        env = f.Envelope(
            event_id=f"{oid}:{position}", originator_id=oid, version=1, position=position, timestamp="", fact=fact
        )
        view.apply(env)

    strong, weak = "openai/gpt-4o", "anthropic/claude-haiku"
    feed("run", f.RunStarted(run_id="r", spec_name="s", recipe="toy", spec={}, policy=f.Policy()))
    common: dict[str, Any] = dict(run_id="r", recipe="toy", coordinate={})
    facts: list[tuple[str, f.Fact]] = [
        ("c0", f.Drafted(index=0, payload={}, receipts=[receipt(model=strong, cost=0.1)], **common)),
        ("c0", f.GatePassed(gate="schema", receipts=[tried(receipt("judge", 0.2, model=weak), 429, 500, 200)])),
        ("c0", f.GateFailed(gate="oracle", reason="r", receipts=[receipt("judge", 0.1, model=weak)])),
        (
            "c0",
            f.Repaired(
                gate="oracle",
                instruction="",
                payload={},
                diff=[],
                invalidated=[],
                attempt=1,
                receipts=[receipt("repairer", 0.1, model=strong)],
            ),
        ),
        (
            "c0",
            f.Probed(
                gate="probe",
                outcomes=[],
                solve_rate=0.5,
                passed_models=[],
                band="b",
                in_band=True,
                receipts=[
                    receipt("solver", 0.1, model=strong),
                    receipt("solver", 0.0, tokens=0, model=weak, error="RateLimitError: slow down"),
                    receipt("solver", 0.0, tokens=0, model=weak, error="RateLimitError: slow down"),
                    receipt("solver", 0.0, tokens=0, model=strong, error="EmptyResponse: the reply had empty text"),
                ],
            ),
        ),
        ("c0", f.Queued()),
        (
            "c1",
            f.DraftFailed(
                index=1,
                reason="x",
                receipts=[tried(receipt(model=strong, cost=0.0, error="Timeout"), 408, 408)],
                **common,
            ),
        ),
        ("c1", f.Rejected(gate="author", reason="x", cause="model_error")),
    ]
    for oid, fact in facts:
        feed(oid, fact)
    carrying = {t for t in f.ALL_FACTS if "receipts" in t.__struct_fields__}
    assert carrying - {type(fact) for _, fact in facts} == {f.ItemEvaluated}  # evaluations are not runs

    row = view.run("r")
    assert row is not None and row["calls"] == 9
    assert row["by_model"] == {
        strong: {"calls": 5, "prompt_tokens": 400, "completion_tokens": 200, "cost_usd": 0.3, "errors": 2},
        weak: {"calls": 4, "prompt_tokens": 200, "completion_tokens": 100, "cost_usd": 0.3, "errors": 2},
    }
    assert {role: (b["calls"], b["cost_usd"], b["errors"]) for role, b in row["by_role"].items()} == {
        "author": (2, 0.1, 1),
        "judge": (2, 0.3, 0),
        "repairer": (1, 0.1, 0),
        "solver": (4, 0.1, 3),
    }
    assert row["cost_usd"] == 0.6  # 0.1 + 0.2 + 0.1 + 0.1 + 0.1, rounded: float sums drift
    assert row["by_outcome"] == {
        "ok": 5,
        "failed": 4,
        "errors": {"RateLimitError": 2, "EmptyResponse": 1, "Timeout": 1},
        "retries": 3,  # the judge's call answered at its third try, the failed draft's at its second
        "retried": {"RateLimitError": 1, "InternalServerError": 1, "Timeout": 1},
    }
    for key in ("by_model", "by_role"):
        assert sum(b["calls"] for b in row[key].values()) == row["calls"]
        assert sum(b["errors"] for b in row[key].values()) == row["by_outcome"]["failed"]
    assert view.totals()["by_model"] == row["by_model"] and view.totals()["by_outcome"] == row["by_outcome"]
