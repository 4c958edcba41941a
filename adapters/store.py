"""Async access to the synchronous ledger, with a hook that wakes the local relay after each save."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from adapters.ledger import AssayLedger
from domain.candidate import Candidate
from domain.ids import run_uuid
from domain.run import Run
from domain.spec import Spec, spec_from_dict


class Store:
    """Thin async wrapper over the ledger; caches immutable things (run specs), never mutable state."""

    def __init__(self, ledger: AssayLedger) -> None:
        self.ledger = ledger
        self.on_save: list[Callable[[], None]] = []
        self._specs: dict[str, Spec] = {}
        self._seeds: dict[str, int] = {}

    async def save(self, *aggregates: Aggregate) -> None:
        await asyncio.to_thread(self.ledger.save, *aggregates)
        for hook in self.on_save:
            hook()

    async def get(self, aggregate_id: UUID | str) -> Any:
        uid = aggregate_id if isinstance(aggregate_id, UUID) else UUID(str(aggregate_id))
        return await asyncio.to_thread(self.ledger.repository.get, uid)

    async def find(self, aggregate_id: UUID | str) -> Any | None:
        try:
            return await self.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    async def candidate(self, candidate_id: UUID | str) -> Candidate:
        return await self.get(candidate_id)

    async def run(self, run_uuid: UUID | str) -> Run:
        return await self.get(run_uuid)

    async def spec_of(self, run: Run) -> Spec:
        if run.run_id not in self._specs:
            self._specs[run.run_id] = spec_from_dict(run.spec)
        return self._specs[run.run_id]

    async def spec_and_seed(self, run_id: str) -> tuple[Spec, int]:
        """A run's spec and seed, which never change: loaded once per process."""
        if run_id not in self._seeds:
            run = await self.run(run_uuid(run_id))
            self._specs[run_id] = spec_from_dict(run.spec)
            self._seeds[run_id] = run.seed
        return self._specs[run_id], self._seeds[run_id]
