"""Generation: one lever pull becomes one drafted candidate (or an honestly logged failed draft)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

import structlog
from eventsourcing.persistence import IntegrityError

import recipes
from adapters import logs
from adapters.llm import LLM, ModelError
from adapters.store import Store
from adapters.views import View
from domain import facts as f
from domain.candidate import Candidate
from projections.checklist import Checklist
from recipes.base import DraftError
from services.roles import context, draft_seed

if TYPE_CHECKING:
    from adapters.bus import Consumers

log = logs.get("assay.generation")


class Generation:
    def __init__(self, store: Store, llm: LLM, checklist: View[Checklist]) -> None:
        self.store = store
        self.llm = llm
        self.checklist = checklist

    def register(self, bus: Consumers) -> None:
        bus.consume("generation", f.LeverPulled, self.on_lever_pulled)

    async def on_lever_pulled(self, env: f.Envelope) -> None:
        pull = env.fact
        assert isinstance(pull, f.LeverPulled)  # the only fact this handler is registered for
        if await self.store.find(pull.candidate_id) is not None:
            return  # already drafted: redelivery
        run_id = pull.run_id
        spec, run_seed = await self.store.spec_and_seed(run_id)
        recipe = recipes.get(spec.recipe, **spec.recipe_options)
        view = await self.checklist.follow()
        items, version = view.items(spec.recipe), view.version(spec.recipe)
        seed = draft_seed(run_seed, pull.index)
        ctx = context(
            self.llm,
            spec,
            run_id=run_id,
            candidate_id=pull.candidate_id,
            index=pull.index,
            coordinate=pull.coordinate,
            seed=seed,
            checklist=items,
        )
        bound = structlog.get_logger("assay.generation").bind(
            run_id=run_id, candidate_id=pull.candidate_id, event_id=env.event_id
        )
        common: dict[str, Any] = {
            "run_id": run_id,
            "index": pull.index,
            "recipe": spec.recipe,
            "coordinate": pull.coordinate,
            "checklist_version": version,
        }
        try:
            draft = await recipe.draft(ctx)
            drafted = f.Drafted(payload=draft.payload, receipts=draft.receipts, **common)
            candidate = Candidate.draft(UUID(pull.candidate_id), drafted)
        except (DraftError, ModelError) as exc:
            receipts = exc.receipts if isinstance(exc, DraftError) else [exc.receipt]
            failed = f.DraftFailed(reason=str(exc), receipts=receipts, **common)
            candidate = Candidate.draft(UUID(pull.candidate_id), failed)
            cause = "unusable_output" if isinstance(exc, DraftError) else "model_error"
            candidate.reject("author", str(exc), cause=cause)
            bound.info("draft failed", reason=str(exc))  # an honest reject, summarised at the end of the run
        try:
            await self.store.save(candidate)
        except IntegrityError:
            return  # another replica drafted this pull first: one pull, one candidate
        bound.info("drafted", status=candidate.status)
