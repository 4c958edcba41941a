"""Generation puts the current checklist, reviewer items included, into the author's prompt, and each draft
records the checklist version it was written under. Driven directly over a real SQLite ledger and the panel."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from adapters.ledger import envelopes, open_ledger
from adapters.llm import LLM, _sha
from adapters.store import Store
from adapters.views import View
from app import checklist
from domain import facts as f
from domain.candidate import Candidate
from domain.coordinates import coordinates
from domain.ids import candidate_uuid, run_uuid
from domain.run import Run
from domain.spec import Spec, parse_spec, spec_to_dict
from projections.checklist import Checklist
from recipes.base import Completion
from recipes.ground_truth import prompts as gt_prompts
from services.generation import Generation

SPECS = Path(__file__).parents[2] / "specs"
ITEM = "Name the unit the answer is given in"


class RecordingLLM(LLM):
    """The real LLM (offline panel), remembering each author request."""

    def __init__(self) -> None:
        super().__init__()
        self.author_calls: list[dict[str, Any]] = []

    async def complete(self, role: str, model: str, messages: list[dict[str, str]], **kw: Any) -> Completion:
        if role == "author":
            self.author_calls.append(
                {"model": model, "messages": messages, "seed": kw.get("seed"), "sample": kw.get("sample", 0)}
            )
        return await super().complete(role, model, messages, **kw)


async def pull_and_draft(store: Store, gen: Generation, spec: Spec, run_id: str, index: int) -> Candidate:
    """Pull lever ``index`` of the run and hand the LeverPulled fact to generation, as the bus would."""
    coordinate = coordinates(spec.axis_table(), spec.seed, index + 1)[index]
    run = await store.run(run_uuid(run_id))
    run.pull(index, str(candidate_uuid(run_id, index)), coordinate)
    await store.save(run)
    pulled = [e for e in envelopes(store.ledger, 0, 10_000) if isinstance(e.fact, f.LeverPulled)]
    await gen.on_lever_pulled(pulled[-1])
    return await store.candidate(candidate_uuid(run_id, index))


@pytest.mark.parametrize("spec_file", ["arithmetic.toml", "support-agent.toml", "writing-rubrics.toml"])
async def test_a_reviewer_item_reaches_the_next_author_prompt(tmp_path: Path, spec_file: str) -> None:
    ledger = open_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    store, llm = Store(ledger), RecordingLLM()
    gen = Generation(store, llm, View(ledger, Checklist))
    spec = parse_spec((SPECS / spec_file).read_text(), spec_file)
    run_id = uuid4().hex[:12]
    await store.save(
        Run.start(
            run_uuid(run_id),
            f.RunStarted(
                run_id=run_id, spec_name=spec.name, recipe=spec.recipe, spec=spec_to_dict(spec), policy=f.Policy()
            ),
        )
    )

    first = await pull_and_draft(store, gen, spec, run_id, 0)
    assert first.checklist_version == 0
    assert "Commonly missed" not in llm.author_calls[0]["messages"][-1]["content"]

    checklist.add_item(ledger, spec.recipe, ITEM, "ana")
    second = await pull_and_draft(store, gen, spec, run_id, 1)
    assert second.checklist_version == first.checklist_version + 1
    assert second.facts[0].checklist_version == 1  # recorded on the Drafted (or DraftFailed) fact itself
    call = llm.author_calls[1]
    user = call["messages"][-1]["content"]
    assert f"Commonly missed by earlier items (check each one):\n- {ITEM}" in user
    # The draft's receipt is the receipt of exactly that prompt.
    assert second.receipts[0].prompt_sha256 == _sha(call)
    if spec.recipe == "ground_truth":
        coordinate = second.coordinate
        extra = {k: v for k, v in coordinate.items() if k not in ("topic", "difficulty")}
        expected = gt_prompts.author(coordinate["topic"], coordinate["difficulty"], [ITEM], [], extra)
        assert call["messages"] == expected

    checklist.retire_item(ledger, spec.recipe, "R1", "bo")
    third = await pull_and_draft(store, gen, spec, run_id, 2)
    assert third.checklist_version == 2 and ITEM not in llm.author_calls[2]["messages"][-1]["content"]
