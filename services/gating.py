"""Gating service: runs a candidate's gates in order, with bounded repair (see services.loop).

Each gate result is saved as it happens, so a redelivered message resumes where the last worker stopped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog
from eventsourcing.persistence import IntegrityError

import recipes
from adapters.llm import LLM
from adapters.store import Store
from adapters.views import View
from domain import facts as f
from domain.candidate import Candidate
from projections.corpus import Corpus
from services.loop import run_gates
from services.novelty_tools import CorpusNovelty, LazyCorpus
from services.roles import context, drafted_before, gate_seed, seeded_as

if TYPE_CHECKING:
    from adapters.bus import Consumers


class Gating:
    def __init__(self, store: Store, llm: LLM, corpus: View[Corpus]) -> None:
        self.store = store
        self.llm = llm
        self.corpus = corpus

    def register(self, bus: Consumers) -> None:
        bus.consume("gating-drafted", f.Drafted, self.on_ready)
        bus.consume("gating-probed", f.Probed, self.on_ready)

    async def on_ready(self, env: f.Envelope) -> None:
        candidate: Candidate = await self.store.candidate(env.originator_id)
        if candidate.status != "drafting":
            return  # settled, waiting for the probe, or a duplicate delivery
        spec, seed = await self.store.spec_and_seed(candidate.run_id)
        recipe = recipes.get(spec.recipe, **spec.recipe_options)
        view: Corpus = await self.corpus.follow()
        corpus = LazyCorpus(view.entries)
        run_id, candidate_id = seeded_as(candidate)  # a replayed candidate's source's ids (services.roles)
        before = None
        if candidate_id != str(candidate.id):
            corpus = LazyCorpus(lambda: drafted_before(view.entries(), candidate_id))
            source = view.get(candidate_id)
            before = source["position"] if source else None
        ctx = context(
            self.llm,
            spec,
            run_id=run_id,
            candidate_id=candidate_id,
            index=candidate.index,
            coordinate=candidate.coordinate,
            seed=gate_seed(seed, candidate.index),
            corpus=corpus,
            novelty=CorpusNovelty(view, run_id, before),
        )
        log = structlog.get_logger("assay.gating").bind(
            run_id=candidate.run_id, candidate_id=str(candidate.id), event_id=env.event_id
        )

        async def save() -> None:
            await self.store.save(candidate)

        try:
            await run_gates(candidate, recipe, ctx, spec.gates.max_repairs, save, log)
        except IntegrityError:
            log.info("another worker moved this candidate first; leaving it to them")
