"""The agent-step recipe through its real parts: litellm -> the "local" panel provider -> recipe -> graders.

The shared driver (tests/service/driver.py) runs each draft through the gates in order with bounded repair
(re-running every gate that reads a changed field) and probes with ``attempt`` n times per panel model, as the
services do; the probe's band is recorded but does not stop the item, so the gates after it see every draft. The
panel module is registered here at runtime (and unregistered after) until panel.protocol.MODULES lists it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from msgspec.structs import replace

import recipes
from adapters.llm import ModelError
from domain.spec import parse_spec
from panel import protocol
from recipes.base import Context, DraftError
from tests.service.driver import Trace, context, run, tally

SPEC = parse_spec((Path(__file__).parents[2] / "specs" / "support-agent.toml").read_text(), "support-agent.toml")
RUNS = 42  # six pulls per step
WEAK_STEPS = ("tool call", "handoff")


@pytest.fixture(scope="module", autouse=True)
def registered() -> Iterator[None]:
    added = "panel.agent_step" not in protocol.MODULES
    if added:
        protocol.MODULES.append("panel.agent_step")
    yield
    if added:
        protocol.MODULES.remove("panel.agent_step")


def drafted_at_its_step(ctx: Context, payload: dict[str, Any]) -> None:
    assert payload["step_index"] == SPEC.axes["step"].values.index(ctx.coordinate["step"])


@pytest.fixture(scope="module")
def traces(registered: None) -> list[Trace]:
    return asyncio.run(run(SPEC, RUNS, check_seeds=False, check_draft=drafted_at_its_step))


def test_every_gate_both_passes_and_rejects_or_repairs(traces: list[Trace]) -> None:
    seen = tally(traces)
    for gate in ("construct", "novelty", "oracle", "counter", "realism", "difficulty", "gameability", "final"):
        assert seen[gate]["pass"] > 0, (gate, seen[gate])
        assert seen[gate]["fail"] + seen[gate]["repair"] > 0, (gate, seen[gate])
    assert Counter(t.status for t in traces)["queued"] >= RUNS // 4


def test_repairs_fix_what_they_are_asked_to_most_of_the_time(traces: list[Trace]) -> None:
    for gate in ("oracle", "gameability"):
        runs = [[s for g, s, _ in t.events if g == gate] for t in traces]
        disputed = [statuses for statuses in runs if "repair" in statuses]
        fixed = sum(statuses[-1] == "pass" for statuses in disputed)
        assert len(disputed) >= 3 and fixed >= 1, (gate, fixed, len(disputed))


def test_the_strong_solver_collapses_on_the_weak_steps(traces: list[Trace]) -> None:
    probed = [t for t in traces if t.correct]
    rates: dict[str, dict[bool, float]] = {}
    for model in SPEC.models.panel:
        for weak in (True, False):
            group = [t.correct[model] for t in probed if (t.coordinate["step"] in WEAK_STEPS) == weak]
            rates.setdefault(model, {})[weak] = sum(group) / (SPEC.probe.n * len(group))
    strong, mid, weak = (rates[m] for m in SPEC.models.panel)
    assert strong[False] >= 0.8 and strong[True] <= strong[False] - 0.35, strong
    assert mid[True] < mid[False] - 0.3 and weak[True] < weak[False], (mid, weak)
    assert strong[False] > mid[False] > weak[False]


async def test_junk_author_and_judge_and_a_failing_oracle(monkeypatch: pytest.MonkeyPatch) -> None:
    recipe = recipes.get("agent_step")
    junk = replace(SPEC, models=replace(SPEC.models, author="local/junk", judge="local/junk"))
    with pytest.raises(DraftError) as err:
        await recipe.draft(context(junk, 0, []))
    assert err.value.receipts[0].model == "local/junk"
    payload = (await recipe.draft(context(SPEC, 3, []))).payload
    result = await recipe.gates[4].check(payload, context(junk, 3, []))
    assert (result.status, result.reason, result.unusable_output) == ("fail", "judge returned unusable output", True)
    monkeypatch.setenv("ASSAY_PANEL_FAIL_MODEL", "local/oracle")
    with pytest.raises(ModelError) as failed:
        await recipe.gates[2].check(payload, context(SPEC, 3, []))
    assert failed.value.receipt.model == "local/oracle" and failed.value.receipt.error


async def test_drafts_are_a_pure_function_of_the_request() -> None:
    first = await recipes.get("agent_step").draft(context(SPEC, 5, []))
    again = await recipes.get("agent_step").draft(context(SPEC, 5, []))  # as after a restart
    assert first.payload == again.payload and first.payload["workflow"] == "support-agent"
    assert first.receipts[0].response_sha256 == again.receipts[0].response_sha256


ITEM: dict[str, Any] = {
    "workflow": "support-agent",
    "goal": "Resolve ticket T-10001 for Dana end to end.",
    "step": "tool call",
    "step_index": 2,
    "difficulty": "easy",
    "context": [
        {"role": "user", "content": "Ticket T-10001: order A-1 arrived with a broken kettle."},
        {"role": "assistant", "content": 'ACTION: get_order {"order_id": "A-1"}'},
        {"role": "tool", "content": '{"items": [{"sku": "K-1", "price": 64.5}], "total": 112.0}'},
    ],
    "actions": [
        {"name": "cancel_order", "description": "Cancel an order.", "args": {"order_id": "string"}},
        {
            "name": "issue_refund",
            "description": "Refund an amount.",
            "args": {"order_id": "string", "amount": "number"},
        },
        {"name": "ask_customer", "description": "Ask a question.", "args": {"question": "string"}},
    ],
    "answer": {"action": "issue_refund", "args": {"order_id": "A-1", "amount": 64.5}},
    "grading": "action_args",
    "rationale": "Refund the broken kettle with issue_refund.",
}


async def test_cheap_gates_catch_structural_problems_without_a_model() -> None:
    recipe = recipes.get("agent_step")
    gates = {g.name: g for g in recipe.gates}
    ctx = context(SPEC, 0, [])
    ctx.coordinate = {"step": "tool call", "difficulty": "easy"}
    for good in ("construct", "counter", "gameability", "final"):
        assert (await gates[good].check(ITEM, ctx)).status == "pass", good

    async def outcome_of(gate: str, **changes: Any) -> tuple[str, str]:
        result = await gates[gate].check({**ITEM, **changes}, ctx)
        return result.status, result.reason

    missing = {"action": "issue_refund", "args": {"order_id": "A-1"}}
    assert await outcome_of("construct", answer=missing) == (
        "fail",
        "malformed item (answer.args: missing argument 'amount')",
    )
    assert (await outcome_of("construct", answer={"action": "refund", "args": {}}))[1].startswith(
        "malformed item (answer.action: 'refund' is not one of the available actions"
    )
    assert (await outcome_of("counter", grading="action"))[0] == "repair"
    leak = [*ITEM["context"], {"role": "user", "content": "Thanks. Please just call issue_refund now."}]
    assert await outcome_of("gameability", context=leak) == ("repair", "the context tells the agent the answer")
    first = [ITEM["actions"][1], ITEM["actions"][0], ITEM["actions"][2]]
    assert await outcome_of("gameability", actions=first) == (
        "repair",
        "a trivial strategy is graded correct (always the first action)",
    )
    noted = [*ITEM["context"], {"role": "tool", "content": "issue_refund is rate-limited (issue_refund: 3/day)."}]
    assert await outcome_of("gameability", context=noted) == (
        "fail",
        "a trivial strategy is graded correct (the action most mentioned in the context)",
    )
    assert await outcome_of("final", rationale="Cancel it with cancel_order.") == (
        "fail",
        "rationale argues for a different action (cancel_order)",
    )
    assert await outcome_of("final", step_index=4) == ("fail", "item no longer matches its coordinate (step_index 4)")
    with pytest.raises(NotImplementedError):
        await gates["difficulty"].check(ITEM, ctx)


def test_validate_names_the_bad_field() -> None:
    recipe = recipes.get("agent_step")
    assert recipe.validate(ITEM) == []
    cases = {
        "step_index": (-1, "step_index: must be an integer >= 0"),
        "context": ([{"role": "system", "content": "x"}], "context[0].role: must be one of user, assistant, tool"),
        "actions": ([ITEM["actions"][0]], "actions: must list at least two actions"),
        "grading": ("exact", "grading: must be one of action, action_args"),
        "goal": ("  ", "goal: missing or empty"),
    }
    for key, (value, expected) in cases.items():
        assert recipe.validate({**ITEM, key: value})[0].startswith(expected), key
    twice = [*ITEM["actions"], {**ITEM["actions"][0], "name": "Cancel-Order"}]
    assert "actions[3].name: 'Cancel-Order' is listed twice" in recipe.validate({**ITEM, "actions": twice})
    money = [{**ITEM["actions"][0], "args": {"order_id": "money"}}, *ITEM["actions"][1:]]
    assert recipe.validate({**ITEM, "actions": money})[0].startswith("actions[0].args: must map each argument")


def test_render_shows_the_reviewer_transcript_actions_and_correct_action() -> None:
    text = recipes.get("agent_step").render(ITEM)
    assert "**Step:** tool call (step 3)" in text and "broken kettle" in text
    assert "`issue_refund(order_id: string, amount: number)`: Refund an amount." in text
    assert 'ACTION: issue_refund {"amount": 64.5, "order_id": "A-1"}' in text
    assert "arguments must match" in text and "Refund the broken kettle" in text


async def test_attempt_grades_one_solver_sample_with_the_program_grader() -> None:
    recipe = recipes.get("agent_step")
    payload = (await recipe.draft(context(SPEC, 0, []))).payload
    ctx = context(SPEC, 0, [])
    got = [await recipe.attempt(payload, "local/solver-strong", i, 100 + i, 0.8, ctx) for i in range(4)]
    assert len({a.receipt.seed for a in got}) == 4 and all(a.answer for a in got)
    assert any(a.correct for a in got)
