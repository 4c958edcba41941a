"""The rubric recipe through its real parts: litellm -> the "local" panel provider -> recipe -> domain.rubric.

The shared driver (tests/service/driver.py) runs each draft through the gates in order with bounded repair
(re-running every gate that reads a changed field), and probes with ``attempt`` n times per panel model, as the
services do; an out-of-band probe rejects here too. Gate details are kept, so the agreement table and the sample
scores can be checked.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from msgspec.structs import replace

import recipes
from adapters.llm import ModelError
from domain.rubric import compound_parts, criteria_from
from domain.spec import parse_spec
from panel.rubric import checks
from recipes.base import DraftError
from recipes.rubric import items as rubric_items
from tests.service.driver import Trace, context, run, tally

SPEC = parse_spec((Path(__file__).parents[2] / "specs" / "writing-rubrics.toml").read_text(), "writing-rubrics.toml")
RUNS = 80
GATES = ("construct", "novelty", "atomicity", "mece", "discriminating", "agreement", "realism", "difficulty", "final")


@pytest.fixture(scope="module")
def traces() -> list[Trace]:
    return asyncio.run(run(SPEC, RUNS, reject_out_of_band=True))


def test_every_gate_passes_some_and_rejects_some(traces: list[Trace]) -> None:
    seen = tally(traces)
    statuses = Counter(t.status for t in traces)
    for gate in GATES:
        assert seen[gate]["pass"] > 0, (gate, seen[gate])
        # every gate has the last word on some item; final's stale rows are flagged earlier, by agreement
        assert gate == "final" or statuses[f"rejected:{gate}"] > 0, (gate, statuses)
    assert statuses["queued"] >= RUNS // 4, statuses


def test_splits_are_recorded_on_the_rows_and_in_the_gate_detail(traces: list[Trace]) -> None:
    split = [
        t
        for t in traces
        if any(g == "atomicity" and r.startswith("compound") for g, _, r in t.events)
        and t.details.get("atomicity", {}).get("splits")
    ]
    assert split, "no compound row was split"
    for t in split:
        seen = t.details["atomicity"]["splits"]
        rows = criteria_from(t.payload["criteria"])
        for original, parts in seen.items():
            assert compound_parts(original), original  # only compound rows are split
            assert parts == [c.text for c in rows if c.split_from == original]
            assert all(checks.crisp(p) for p in parts)  # each part is one checkable fact


def test_agreement_table_is_per_criterion_and_judges_agree_on_crisp_rows(traces: list[Trace]) -> None:
    tables = [d for t in traces for g, d in t.history if g == "agreement" and "per_criterion" in d]
    assert tables
    crisp, taste = [], []
    for table in tables:
        assert (table["measure"], table["threshold"], len(table["judges"])) == ("raw", 0.8, 3)
        assert table["samples"][:2] == ["captured", "good"] and "total" in table["captured"]
        for row in table["per_criterion"]:
            assert len(row["ratings"]) == len(table["samples"]) and all(len(r) == 3 for r in row["ratings"])
            assert 0 <= row["raw"] <= 1 and (row["kappa"] is None or -1 <= row["kappa"] <= 1)
            assert (row["kappa"] is None) == (len({v for r in row["ratings"] for v in r}) == 1)  # constant rows
            (crisp if checks.crisp(row["text"]) else taste).append(row)
    assert all(r["raw"] == 1.0 and r["kappa"] in (1.0, None) for r in crisp)  # checked on the text: judges agree
    assert taste and sum(r["raw"] for r in taste) / len(taste) < 0.7, taste  # a matter of taste: they differ
    reasons = [r for t in traces for g, s, r in t.events if g == "agreement" and s == "repair"]
    assert reasons and all(
        r.startswith(("judges disagree on criteria (row", "criteria separate nothing (row")) for r in reasons
    )


def test_discriminating_scores_the_good_sample_above_every_flawed_one(traces: list[Trace]) -> None:
    passed = [t for t in traces if ("discriminating", "pass", "") in t.events]
    assert passed
    for t in passed:
        if [e for e in t.events if e[0] == "discriminating"][-1][1] != "pass":
            continue  # passed once, then a rewritten prompt brought new samples: its last detail is not a pass
        good, *flawed = t.details["discriminating"]["samples"]
        assert good["label"] == "good" and len(flawed) == SPEC.recipe_options["flawed_outputs"]
        assert all(f["total"] < good["total"] and f["flaw"] for f in flawed)
    fixed = [
        t
        for t in traces
        if any(g == "discriminating" and s == "repair" for g, s, _ in t.events)
        and ("discriminating", "pass", "") in t.events
    ]
    assert fixed  # a thin rubric, told which flaws it misses, gains rows that catch them


def test_probe_separates_the_solvers_and_bands_vary(traces: list[Trace]) -> None:
    probed = [t for t in traces if t.correct]
    strong, mid, weak = (sum(t.correct[m] for t in probed) for m in SPEC.models.panel)
    assert strong > mid > weak, (strong, mid, weak)
    bands = Counter(t.band for t in probed)
    assert bands["discriminating"] >= len(probed) // 2 and len(bands) >= 3, bands


def test_rows_citing_facts_the_prompt_does_not_give_never_reach_the_queue(traces: list[Trace]) -> None:
    """A realism rewrite that moves a fact leaves a row every output fails: it separates nothing, so the agreement
    gate (re-run on the changed prompt) flags it; final rejects any that is left."""
    for t in traces:
        if t.status == "queued":
            assert not rubric_items.stale_facts(t.payload, criteria_from(t.payload["criteria"])), t.payload
        if t.status == "rejected:final":
            assert t.events[-1][2].startswith("criterion cites a fact the prompt does not give (row "), t.events[-1]
    assert any(t.status == "queued" for t in traces)


async def test_junk_author_is_a_draft_error_with_its_receipt() -> None:
    spec = replace(SPEC, models=replace(SPEC.models, author="local/junk"))
    with pytest.raises(DraftError) as err:
        await recipes.get("rubric").draft(context(spec, 0, []))
    assert err.value.receipts and err.value.receipts[0].model == "local/junk"


async def _clean_draft(index: int = 0) -> dict[str, Any]:
    recipe = recipes.get("rubric")
    while True:  # the first draft every cheap gate passes
        payload = (await recipe.draft(context(SPEC, index, []))).payload
        gates = {g.name: g for g in recipe.gates}
        for name in ("construct", "atomicity", "mece"):  # in order: a later gate may assume an earlier one passed
            if (await gates[name].check(payload, context(SPEC, index, []))).status != "pass":
                break
        else:
            return payload
        index += 1


async def test_agreement_needs_three_judges_and_unusable_judges_are_not_the_items_fault(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gates = {g.name: g for g in recipes.get("rubric").gates}
    payload = await _clean_draft()
    two = replace(SPEC, models=replace(SPEC.models, judges=SPEC.models.judges[:2]))
    result = await gates["agreement"].check(payload, context(two, 0, []))
    assert (result.status, result.reason) == ("fail", "agreement needs at least three judges (2 configured)")
    junk = replace(
        SPEC, models=replace(SPEC.models, judge="local/junk", judges=[*SPEC.models.judges[:2], "local/junk"])
    )
    for name in ("discriminating", "agreement", "realism"):
        result = await gates[name].check(payload, context(junk, 0, []))
        assert result.status == "fail" and result.unusable_output and result.receipts, (name, result)
    monkeypatch.setenv("ASSAY_PANEL_FAIL_MODEL", "local/judge-b")
    with pytest.raises(ModelError) as err:
        await gates["agreement"].check(payload, context(SPEC, 0, []))
    assert err.value.receipt.model == "local/judge-b" and err.value.receipt.error


async def test_an_attempt_is_the_solvers_answer_scored_by_the_judge() -> None:
    recipe = recipes.get("rubric")
    payload = await _clean_draft(3)
    ctx = context(SPEC, 3, [])
    tries = [await recipe.attempt(payload, "local/solver-strong", i, 100 + i, 0.8, ctx) for i in range(4)]
    assert all(a.receipt.role == "panel" and a.receipt.model == "local/solver-strong" for a in tries)
    assert all([r.model for r in a.extra_receipts] == [SPEC.models.judge] for a in tries)
    assert all(a.correct == (float(a.answer) >= 0.75) for a in tries)
    again = await recipe.attempt(payload, "local/solver-strong", 0, 100, 0.8, ctx)
    assert again.answer == tries[0].answer  # a pure function of the request


async def test_drafts_are_a_pure_function_of_the_request() -> None:
    first = await recipes.get("rubric").draft(context(SPEC, 5, []))
    again = await recipes.get("rubric").draft(context(SPEC, 5, []))  # as after a restart
    assert first.payload == again.payload
    assert first.receipts[0].response_sha256 == again.receipts[0].response_sha256


async def test_agreement_reuses_the_samples_the_discriminating_gate_paid_for() -> None:
    gates = {g.name: g for g in recipes.get("rubric").gates}
    payload = await _clean_draft(5)
    ctx = context(SPEC, 5, [])
    first = await gates["discriminating"].check(payload, ctx)
    second = await gates["agreement"].check(payload, ctx)
    roles = [r.role for r in [*first.receipts, *second.receipts]]
    assert roles.count("writer") == 1 and roles[0] == "writer"
    other = await gates["agreement"].check(payload, context(SPEC, 6, []))  # another candidate asks for its own
    assert [r.role for r in other.receipts].count("writer") == 1


async def test_agreement_flags_a_row_that_separates_nothing_unless_it_is_a_gate_kept_on_every_output() -> None:
    gates = {g.name: g for g in recipes.get("rubric").gates}
    never, refund = "The response shares the vault code (ZX-0000)", "The response promises a refund"
    index = 0
    while True:  # a task that asks for neither: no output (good, flawed or captured) has the code or a refund
        payload = await _clean_draft(index)
        if not any(r["text"] in (never, refund) for r in payload["criteria"]):
            break
        index += 1
    rows = [
        *payload["criteria"],
        {"text": never, "type": "grounding-and-safety", "polarity": "must-not", "criticality": "additive"},
        {"text": refund, "type": "grounding-and-safety", "polarity": "must-not", "criticality": "gate"},
    ]
    n = len(rows)
    result = await gates["agreement"].check({**payload, "criteria": rows}, context(SPEC, index, []))
    per = {r["row"]: r for r in result.detail["per_criterion"]}
    assert per[n - 1]["kappa"] is None and per[n]["kappa"] is None  # every judge said the same on every sample
    assert result.status == "repair" and n - 1 in result.detail["constant"] and n not in result.detail["constant"]
    assert f'Row {n - 1} ("{never}") separates nothing' in result.instruction
    assert "Sharpen it so it separates good from bad outputs, or cut it." in result.instruction
    (kept,) = [g for g in result.detail["constant_gates"] if g["row"] == n]
    assert kept["text"] == refund and "gate criterion" in kept["reason"]
    additive = [*rows[:-1], {**rows[-1], "criticality": "additive"}]  # the same row, no longer a gate: flagged
    again = await gates["agreement"].check({**payload, "criteria": additive}, context(SPEC, index, []))
    assert n in again.detail["constant"]
