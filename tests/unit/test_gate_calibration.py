"""The gate-calibration fold on hand-built ledger histories: exact counts and rates, reasons grouped, bands, solve
rates, repair history, edits apart from approvals, and a view resumed from its dump equal to one built in a go."""

from __future__ import annotations

from typing import Any

import pytest

from domain import facts as f
from projections.gate_calibration import GateCalibration, solve_bin


class Ledger:
    """Envelopes in ledger order, fed to any number of views."""

    def __init__(self) -> None:
        self.envelopes: list[f.Envelope] = []

    def add(self, cid: str, *facts: f.Fact) -> None:
        for fact in facts:
            n = len(self.envelopes) + 1
            self.envelopes.append(
                f.Envelope(event_id=f"{cid}:{n}", originator_id=cid, version=n, position=n, timestamp="", fact=fact)
            )

    def view(self, envelopes: list[f.Envelope] | None = None, into: GateCalibration | None = None) -> GateCalibration:
        view = into if into is not None else GateCalibration()
        for env in self.envelopes if envelopes is None else envelopes:
            view.apply(env)
        return view


def drafted(version: int, recipe: str = "gt", origin: f.Origin | None = None) -> f.Drafted:
    return f.Drafted(
        run_id="r", index=0, recipe=recipe, coordinate={}, payload={}, checklist_version=version, origin=origin
    )


def passed(gate: str, version: str = "") -> f.GatePassed:
    return f.GatePassed(gate=gate, gate_version=version or f"{gate}-1")


def failed(gate: str) -> f.GateFailed:
    return f.GateFailed(gate=gate, reason=f"{gate} failed", repair="fix it")


def repaired(gate: str, *invalidated: str) -> f.Repaired:
    return f.Repaired(gate=gate, instruction="fix", payload={}, diff=[], invalidated=[gate, *invalidated], attempt=1)


def probed(solve_rate: float, band: str = "discriminating") -> f.Probed:
    return f.Probed(gate="difficulty", outcomes=[], solve_rate=solve_rate, passed_models=[], band=band, in_band=True)


def verdict(kind: str, reason: str = "") -> f.VerdictGiven:
    return f.VerdictGiven(verdict=kind, reviewer="ana", reason=reason)  # type: ignore[arg-type]


def world() -> Ledger:
    """Four decided points of recipe gt, a rejected draft, a point still waiting, a failed draft."""
    led = Ledger()
    # c1, checklist v1: passes everything first time; approved.
    led.add("c1", drafted(1), passed("construct"), passed("oracle"), probed(0.4), passed("difficulty"))
    led.add("c1", f.Queued(band="discriminating"))
    # c2, checklist v1: the oracle failed once and was repaired; rejected.
    led.add("c2", drafted(1), passed("construct"), failed("oracle"), repaired("oracle"), passed("oracle"))
    led.add("c2", probed(0.6), passed("difficulty"), f.Queued(band="discriminating"))
    # c3, checklist v2: a newer construct gate, no probe; edited.
    led.add("c3", drafted(2), passed("construct", "construct-2"), passed("oracle"), f.Queued())
    # c4, checklist v2: rejected at the gates: no verdict, never counted.
    led.add("c4", drafted(2), failed("oracle"), f.Rejected(gate="oracle", reason="wrong"))
    # c5, checklist v2: realism repaired twice, then an oracle repair sent realism round again; rejected.
    led.add("c5", drafted(2), passed("construct", "construct-2"), failed("realism"), repaired("realism"))
    led.add("c5", failed("realism"), repaired("realism"), passed("realism"), failed("oracle"))
    led.add("c5", repaired("oracle", "realism"), passed("realism"), passed("oracle"), probed(0.25))
    led.add("c5", passed("difficulty"), f.Queued(band="discriminating"))
    # c6 waits for a verdict; c7's draft failed.
    led.add("c6", drafted(2), passed("construct"), f.Queued())
    led.add("c7", f.DraftFailed(run_id="r", index=7, recipe="gt", coordinate={}, reason="timeout"))
    led.add("c7", f.Rejected(gate="author", reason="model error: timeout"))
    # The verdicts, in an order of their own.
    led.add("c3", verdict("edit", "Tolerance 0.5 is too wide."))
    led.add("c1", verdict("approve"))
    led.add("c2", verdict("reject", "Answer '42' is wrong."))
    led.add("c5", verdict("reject", "answer '7' is wrong"))
    return led


WRONG = "answer '…' is wrong"
TOLERANCE = "tolerance N is too wide"


def counts(row: dict[str, Any]) -> tuple[int, int, int, int]:
    return row["decided"], row["approved"], row["edited"], row["rejected"]


def test_totals_count_edits_apart_from_approvals_with_reasons_grouped() -> None:
    report = world().view().report()
    assert counts(report) == (4, 1, 1, 2)
    rates = (report["approve_rate"], report["edit_rate"], report["reject_rate"], report["miss_rate"])
    assert rates == (0.25, 0.25, 0.5, 0.75)
    assert report["reasons"] == {WRONG: 2}  # two wordings, one reason
    assert report["edit_reasons"] == {TOLERANCE: 1}


def test_per_gate_each_point_counts_once_for_every_gate_it_passed() -> None:
    by_gate = world().view().report()["by_gate"]
    assert {g: counts(r) for g, r in by_gate.items()} == {
        "construct": (4, 1, 1, 2),
        "oracle": (4, 1, 1, 2),
        "difficulty": (3, 1, 0, 2),  # c3 was never probed
        "realism": (1, 0, 0, 1),  # passed twice by c5 (an oracle repair re-ran it), counted once
    }
    assert by_gate["difficulty"]["reject_rate"] == round(2 / 3, 4) == 0.6667
    assert by_gate["realism"]["reasons"] == {WRONG: 1} and by_gate["oracle"]["edit_reasons"] == {TOLERANCE: 1}
    versions = by_gate["construct"]["versions"]
    assert {v: counts(r) for v, r in versions.items()} == {"construct-1": (2, 1, 0, 1), "construct-2": (2, 0, 1, 1)}
    assert versions["construct-1"]["reject_rate"] == 0.5 and versions["construct-2"]["miss_rate"] == 1.0


def test_per_recipe_and_checklist_version() -> None:
    by_checklist = world().view().report()["by_checklist"]
    assert list(by_checklist) == ["gt"]
    v1, v2 = by_checklist["gt"]
    assert (v1["version"], counts(v1), v1["reject_rate"], v1["reasons"]) == (1, (2, 1, 0, 1), 0.5, {WRONG: 1})
    assert (v2["version"], counts(v2), v2["edit_rate"], v2["reject_rate"]) == (2, (2, 0, 1, 1), 0.5, 0.5)
    assert v2["edit_reasons"] == {TOLERANCE: 1}


def test_by_band_and_solve_rate() -> None:
    report = world().view().report()
    assert {b: counts(r) for b, r in report["by_band"].items()} == {
        "discriminating": (3, 1, 0, 2),
        "unprobed": (1, 0, 1, 0),
    }
    # c1 at 0.4 and c5 at 0.25 (a bin's lower bound belongs to it), c2 at 0.6, c3 unprobed; in bin order.
    assert [(b, counts(r)) for b, r in report["by_solve_rate"].items()] == [
        ("25-50%", (2, 1, 0, 1)),
        ("50-75%", (1, 0, 0, 1)),
        ("unprobed", (1, 0, 1, 0)),
    ]


@pytest.mark.parametrize(
    ("solve_rate", "label"),
    [(None, "unprobed"), (0.0, "0-25%"), (0.2499, "0-25%"), (0.25, "25-50%"), (0.75, "75-100%"), (1.0, "75-100%")],
)
def test_solve_bins(solve_rate: float | None, label: str) -> None:
    assert solve_bin(solve_rate) == label


def test_by_repair_history_and_by_repaired_gate() -> None:
    report = world().view().report()
    never, fixed = report["by_repair"]["never"], report["by_repair"]["repaired"]
    assert (counts(never), never["reject_rate"], never["edit_rate"]) == ((2, 1, 1, 0), 0.0, 0.5)
    assert (counts(fixed), fixed["reject_rate"], fixed["reasons"]) == ((2, 0, 0, 2), 1.0, {WRONG: 2})
    # c5's realism, repaired twice, counts once; both c2 and c5 had an oracle repair.
    assert {g: counts(r) for g, r in report["by_repaired_gate"].items()} == {
        "oracle": (2, 0, 0, 2),
        "realism": (1, 0, 0, 1),
    }


def test_open_points_and_an_empty_ledger() -> None:
    view = world().view()
    assert view.summary() == {"decided": 4, "open_candidates": 1}  # c6 waits; c4 and c7 were rejected
    empty = GateCalibration().report()
    assert counts(empty) == (0, 0, 0, 0) and empty["reject_rate"] is None and empty["miss_rate"] is None
    assert empty["by_gate"] == {} and empty["by_checklist"] == {} and empty["by_band"] == {}
    assert counts(empty["by_repair"]["never"]) == (0, 0, 0, 0)


def test_a_verdict_without_its_draft_or_a_second_one_is_not_counted() -> None:
    led = world()
    led.add("c1", verdict("reject", "second thoughts"))  # the aggregate refuses this; the fold ignores it too
    led.add("ghost", verdict("reject", "never drafted here"))
    assert counts(led.view().report()) == (4, 1, 1, 2)


def test_a_replayed_point_counts_under_its_checklist_version() -> None:
    led = Ledger()
    origin = f.Origin(candidate_id="c1", version=3, from_gate="oracle", outcome="rejected")
    led.add("p1", drafted(5, origin=origin), f.GatePassed(gate="construct", carried_from="c1:2"), passed("oracle"))
    led.add("p1", f.Queued(), verdict("reject", "still wrong"))
    report = led.view().report()
    assert counts(report["by_checklist"]["gt"][0]) == (1, 0, 0, 1) and report["by_checklist"]["gt"][0]["version"] == 5
    assert set(report["by_gate"]) == {"construct", "oracle"}


@pytest.mark.parametrize("cut", [1, 9, 17, 30, 41])
def test_a_view_resumed_from_its_dump_equals_one_built_in_a_go(cut: int) -> None:
    led = world()
    assert cut < len(led.envelopes)
    first = led.view(led.envelopes[:cut])
    resumed = led.view(led.envelopes[cut:], into=GateCalibration.load(first.dump()))
    whole = led.view()
    assert resumed.dump() == whole.dump() and resumed.report() == whole.report()


def test_the_table_both_faces_print() -> None:
    """Gates with equal verdicts share a row; older checklist versions are summed; reasons are ranked."""
    from app.calibration import reasons_table, table

    led = world()
    for i, version in enumerate((3, 4, 5)):  # three more checklist versions, one approval each
        led.add(f"n{i}", drafted(version), passed("construct"), passed("oracle"), f.Queued(), verdict("approve"))
    report = led.view().report()
    rows = table(report, versions=3)
    assert [(r["group"], r["label"]) for r in rows if r["group"] in ("all", "gate", "checklist")] == [
        ("all", ""),
        ("gate", "construct, oracle"),  # every point passed both: one row
        ("gate", "difficulty"),
        ("gate", "realism"),
        ("checklist", "gt v1-v3"),
        ("checklist", "gt v4"),
        ("checklist", "gt v5"),
    ]
    merged = rows[4]
    assert (merged["decided"], merged["rejected"], merged["rejected_text"], merged["edited_text"]) == (
        5,
        2,
        "40% (2/5)",
        "20% (1/5)",
    )
    assert merged["reasons"] == [f"{WRONG} ×2", f"edit: {TOLERANCE} ×1"]
    assert (
        rows[0]["rejected_text"] == "29% (2/7)" and table(GateCalibration().report())[0]["rejected_text"] == "- (0/0)"
    )
    assert reasons_table(report) == [
        {"reason": WRONG, "rejected": 2, "edited": 0},
        {"reason": TOLERANCE, "rejected": 0, "edited": 1},
    ]
