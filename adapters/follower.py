"""An in-memory projection kept current by reading the ledger from where it last stopped."""

from __future__ import annotations

import asyncio
from typing import Any

from adapters.ledger import AssayLedger, envelopes


class Follower:
    """Applies new ledger facts to one projection object; used where a service needs a fresh read model."""

    def __init__(self, ledger: AssayLedger, projection: Any) -> None:
        self.ledger = ledger
        self.projection = projection
        self.position = 0
        self._lock = asyncio.Lock()

    def _advance(self) -> None:
        while True:
            batch = envelopes(self.ledger, self.position, 1000)
            if not batch:
                return
            for env in batch:
                self.projection.apply(env)
            self.position = batch[-1].position

    async def current(self) -> Any:
        """The projection, caught up with everything the ledger holds now."""
        async with self._lock:
            await asyncio.to_thread(self._advance)
        return self.projection
