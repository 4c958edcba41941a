"""Probing service: the difficulty probe for candidates that reached the probe gate (see services.loop)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import structlog
from eventsourcing.persistence import IntegrityError

import recipes
from adapters.llm import LLM
from adapters.store import Store
from domain import facts as f
from services.loop import run_probe
from services.roles import context, seeded_as

if TYPE_CHECKING:
    from adapters.bus import Consumers


class Probing:
    def __init__(self, store: Store, llm: LLM, parallel: int = 16) -> None:
        self.store = store
        self.llm = llm
        self.parallel = asyncio.Semaphore(parallel)

    def register(self, bus: Consumers) -> None:
        bus.consume("probing", f.ProbeRequested, self.on_probe_requested)

    async def on_probe_requested(self, env: f.Envelope) -> None:
        candidate = await self.store.candidate(env.originator_id)
        if candidate.status != "probing":
            return
        spec, seed = await self.store.spec_and_seed(candidate.run_id)
        recipe = recipes.get(spec.recipe, **spec.recipe_options)
        run_id, candidate_id = seeded_as(candidate)  # a replayed candidate is probed as its source was
        ctx = context(
            self.llm,
            spec,
            run_id=run_id,
            candidate_id=candidate_id,
            index=candidate.index,
            coordinate=candidate.coordinate,
            seed=seed,
        )
        log = structlog.get_logger("assay.probing").bind(
            run_id=candidate.run_id, candidate_id=str(candidate.id), event_id=env.event_id
        )

        async def save() -> None:
            await self.store.save(candidate)

        try:
            await run_probe(candidate, recipe, ctx, spec, self.parallel, save, log)
        except IntegrityError:
            log.info("probe already recorded by another worker")
