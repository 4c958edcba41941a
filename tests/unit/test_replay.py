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


def test_a_gate_new_today_carries_everything_up_to_the_queueing() -> None:
    taken = carry(SID, history(through_quality()), ORDER, "style")  # "style" is not in the source's order
    assert taken is not None and not taken.rejected
    assert (taken.source_id, taken.version, taken.payload) == (SID, 10, {"q": "v2"})
    probe = probed()
    assert taken.facts == [
        f.GatePassed(gate="schema", detail={"ok": 1}, gate_version="v-schema", carried_from=f"{SID}:2"),
        f.GatePassed(gate="oracle", carried_from=f"{SID}:5"),
        f.GatePassed(gate="novelty", carried_from=f"{SID}:6"),
        f.ProbeRequested(gate="probe"),
        f.Probed(
            gate="probe",
            outcomes=probe.outcomes,
            solve_rate=0.5,
            passed_models=["m"],
            band="discriminating",
            in_band=True,
            receipts=[],
            carried_from=f"{SID}:8",
        ),
        f.GatePassed(gate="probe", detail={"band": "discriminating"}, carried_from=f"{SID}:9"),
        f.GatePassed(gate="quality", carried_from=f"{SID}:10"),
    ]


def test_carried_gates_follow_todays_order_with_gates_it_no_longer_has_first() -> None:
    c = source()
    c.pass_gate("spelling", {}, [])  # a gate the recipe has since dropped
    c.pass_gate("schema", {}, [])
    c.pass_gate("oracle", {}, [])
    c.fail_gate("novelty", "too close", "rephrase", {}, [])
    c.repair(repaired("novelty", ["schema", "novelty"]))
    c.pass_gate("schema", {}, [])  # passed again after the repair: later than oracle in the history
    taken = carry(SID, history(c), ORDER, "probe")
    assert taken is not None
    assert [(x.gate, x.carried_from) for x in taken.facts] == [  # type: ignore[attr-defined]
        ("spelling", f"{SID}:2"),
        ("schema", f"{SID}:7"),
        ("oracle", f"{SID}:4"),
    ]


def test_a_carried_rejection_keeps_the_source_and_its_payload_then() -> None:
    c = source()
    c.fail_gate("schema", "bad", "fix", {}, [])
    c.repair(repaired("schema", ["schema"]))
    c.reject("schema", "still bad")
    taken = carry(SID, history(c), ORDER, "oracle")
    assert taken is not None and taken.rejected
    assert (taken.source_id, taken.version, taken.payload) == (SID, 4, {"q": "v2"})
    assert taken.facts == [f.Rejected(gate="schema", reason="still bad", carried_from=f"{SID}:4")]


def test_an_empty_history_has_nothing_to_carry() -> None:
    assert carry(SID, [], ORDER, "schema") is None


def test_compare_rows_in_full_and_counts_over_several_points() -> None:
    def o(i: int, admitted: bool, gate: str = "", reason: str = "", status: str = "") -> Outcome:
        return Outcome(f"{'r' if status == 'new' else 's'}{i}", i, admitted, gate, reason, status)

    source = {
        0: o(0, False, "probe", "flat", "rejected"),
        1: o(1, True, status="approved"),
        3: o(3, True, status="queued"),
        4: o(4, True, status="queued"),
        5: o(5, False, "schema", "bad", "rejected"),
        6: o(6, False, "schema", "bad", "rejected"),
    }
    replay = {
        0: o(0, True, status="new"),
        1: o(1, False, "probe", "too easy", "new"),
        2: o(2, True, status="new"),  # no source point at this index: not compared, later ones still are
        3: o(3, True, status="new"),
        4: o(4, True, status="new"),
        5: o(5, False, "schema", "worse", "new"),
        6: o(6, False, "schema", "still bad", "new"),
    }
    diff = compare(source, replay)
    assert diff["newly_admitted"] == [
        {"index": 0, "source_id": "s0", "replay_id": "r0", "source_gate": "probe", "source_reason": "flat"}
    ]
    assert diff["newly_rejected"] == [
        {
            "index": 1,
            "source_id": "s1",
            "replay_id": "r1",
            "source_status": "approved",
            "gate": "probe",
            "reason": "too easy",
        }
    ]
    assert diff["unchanged"] == {"count": 4, "by_gate": {"admitted": 2, "rejected at schema": 2}, "reason_changed": 2}
