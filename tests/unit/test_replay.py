"""Replay's pure part: what is carried over from a recorded candidate, and how outcomes compare."""

from __future__ import annotations

from domain import facts as f
from domain.candidate import Candidate
from domain.ids import candidate_uuid
from domain.replay import Outcome, carry, compare

ORDER = ["schema", "oracle", "novelty", "probe", "quality"]
SID = str(candidate_uuid("src", 0))


def receipt(role: str) -> f.Receipt:
    return f.Receipt(role=role, model=f"local/{role}", prompt_sha256="p" * 64, response_sha256="r" * 64, cost_usd=0.01)


def source() -> Candidate:
    return Candidate.draft(
        candidate_uuid("src", 0),
        f.Drafted(
            run_id="src", index=0, recipe="r", coordinate={"t": "a"}, payload={"q": "v1"}, receipts=[receipt("author")]
        ),
    )


def probed() -> f.Probed:
    outcomes = [f.ModelOutcome(model="m", n=2, c=1, pass_at_k={"1": 0.5})]
    return f.Probed(
        gate="probe",
        outcomes=outcomes,
        solve_rate=0.5,
        passed_models=["m"],
        band="discriminating",
        in_band=True,
        receipts=[receipt("panel")],
    )


def repaired(gate: str, invalidated: list[str]) -> f.Repaired:
    return f.Repaired(
        gate=gate,
        instruction="fix",
        payload={"q": "v2"},
        diff=["q"],
        invalidated=invalidated,
        attempt=1,
        receipts=[receipt("repairer")],
    )


def history(c: Candidate) -> list[tuple[int, f.Fact]]:
    return [(e.originator_version, e.fact) for e in c.collect_events()]  # type: ignore[attr-defined]


def through_quality() -> Candidate:
    """schema passes; oracle fails and is repaired (re-running oracle only), passes; novelty; probe; quality."""
    c = source()
    c.pass_gate("schema", {"ok": 1}, [], "v-schema")  # version 2
    c.fail_gate("oracle", "wrong", "fix it", {}, [receipt("oracle")])  # 3
    c.repair(repaired("oracle", ["oracle"]))  # 4
    c.pass_gate("oracle", {}, [receipt("oracle")])  # 5
    c.pass_gate("novelty", {}, [])  # 6
    c.request_probe("probe")  # 7
    c.record_probe(probed())  # 8
    c.pass_gate("probe", {"band": "discriminating"}, [])  # 9
    c.pass_gate("quality", {}, [])  # 10
    c.enqueue()  # 11
    return c


def test_the_payload_and_passed_gates_are_taken_as_the_source_reached_the_gate() -> None:
    taken = carry(SID, history(through_quality()), ORDER, "probe")
    assert taken is not None and not taken.rejected
    assert taken.payload == {"q": "v2"} and taken.version == 6  # after the repair, before the probe was asked for
    assert [(x.gate, x.carried_from) for x in taken.facts] == [  # type: ignore[attr-defined]
        ("schema", f"{SID}:2"),
        ("oracle", f"{SID}:5"),
        ("novelty", f"{SID}:6"),
    ]
    assert all(not x.receipts for x in taken.facts)  # type: ignore[attr-defined]  # the cost stays with the source
    assert taken.facts[0].gate_version == "v-schema" and taken.facts[0].detail == {"ok": 1}  # type: ignore[attr-defined]


def test_a_carried_probe_gate_brings_its_probe() -> None:
    taken = carry(SID, history(through_quality()), ORDER, "quality")
    assert taken is not None
    tail = [(type(x).__name__, getattr(x, "carried_from", "")) for x in taken.facts[3:]]
    assert tail == [("ProbeRequested", ""), ("Probed", f"{SID}:8"), ("GatePassed", f"{SID}:9")]


def test_a_gate_a_repair_invalidated_is_not_carried() -> None:
    c = source()
    c.pass_gate("schema", {}, [])
    c.fail_gate("oracle", "wrong", "fix it", {}, [])
    c.repair(repaired("oracle", ["schema", "oracle"]))
    c.pass_gate("oracle", {}, [])  # schema is due again: the source reached "schema" a second time only later
    taken = carry(SID, history(c), ORDER, "novelty")
    assert taken is not None and [x.gate for x in taken.facts] == ["oracle"]  # type: ignore[attr-defined]


def test_a_rejection_before_the_gate_is_carried_and_one_at_it_is_not() -> None:
    c = source()
    c.pass_gate("schema", {}, [])
    c.fail_gate("oracle", "wrong", "", {}, [])
    c.reject("oracle", "wrong")
    facts = history(c)
    early = carry(SID, facts, ORDER, "probe")
    assert early is not None and early.rejected and early.version == 4
    assert isinstance(early.facts[-1], f.Rejected) and early.facts[-1].carried_from == f"{SID}:4"
    again = carry(SID, facts, ORDER, "oracle")
    assert again is not None and not again.rejected and [x.gate for x in again.facts] == ["schema"]  # type: ignore[attr-defined]


def test_a_failed_draft_has_nothing_to_carry() -> None:
    failed = Candidate.draft(
        candidate_uuid("src", 1), f.DraftFailed(run_id="src", index=1, recipe="r", coordinate={}, reason="junk")
    )
    failed.reject("author", "junk")
    assert carry(SID, history(failed), ORDER, "schema") is None


def test_from_the_first_gate_only_the_draft_is_carried() -> None:
    taken = carry(SID, history(through_quality()), ORDER, "schema")
    assert taken is not None and taken.facts == [] and taken.payload == {"q": "v1"} and taken.version == 1


def test_compare_sorts_points_into_admitted_rejected_and_unchanged() -> None:
    def o(i: int, admitted: bool, gate: str = "", reason: str = "") -> Outcome:
        return Outcome(f"c{i}", i, admitted, gate, reason, "queued" if admitted else "rejected")

    source = {
        0: o(0, False, "probe", "flat"),
        1: o(1, True),
        2: o(2, True),
        3: o(3, False, "schema", "bad"),
        4: o(4, False, "probe", "flat"),
    }
    replay = {
        0: o(0, True),
        1: o(1, False, "probe", "too easy"),
        2: o(2, True),
        3: o(3, False, "schema", "bad"),
        4: o(4, False, "probe", "too easy"),
    }
    diff = compare(source, replay)
    assert [(r["index"], r["source_reason"]) for r in diff["newly_admitted"]] == [(0, "flat")]
    assert [(r["index"], r["reason"]) for r in diff["newly_rejected"]] == [(1, "too easy")]
    assert diff["unchanged"] == {
        "count": 3,
        "by_gate": {"admitted": 1, "rejected at schema": 1, "rejected at probe": 1},
        "reason_changed": 1,
    }
