"""Two relays on one real nats-server and one SQLite ledger: only the lease holder publishes, the other takes over
when the holder stops or dies, and the stream holds each ledger event exactly once throughout."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import pytest

from adapters.bus import Bus
from adapters.lease import Lease
from adapters.ledger import AssayLedger, envelopes, open_ledger
from adapters.tracking import TrackingStore
from services.relay import Relay
from tests.integration.test_relay import save_run, stream_ids

TTL = 1.0


@pytest.fixture
def ledger(sqlite_url: str) -> Iterator[AssayLedger]:
    app = open_ledger(sqlite_url)
    yield app
    app.close()


@pytest.fixture
async def buses(nats_url: str) -> AsyncIterator[list[Bus]]:
    """Two connections, as two processes would have."""
    pair = [Bus(nats_url), Bus(nats_url)]
    for bus in pair:
        await bus.connect()
    yield pair
    for bus in pair:
        await bus.stop()


class Counted(Relay):
    """A relay that counts what it published."""

    published = 0

    async def pump(self) -> int:
        count = await super().pump()
        self.published += count
        return count


class Killed(Lease):
    """A holder that dies without a word: it never releases (as after SIGKILL)."""

    async def release(self) -> None:
        self._revision, self._valid_until = 0, 0.0


def ledger_ids(ledger: AssayLedger) -> list[str]:
    return [e.event_id for e in envelopes(ledger, 0, 10_000)]


async def until(check: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def relays(ledger: AssayLedger, buses: list[Bus], sqlite_url: str, lease: type[Lease]) -> list[Counted]:
    return [
        Counted(ledger, bus, TrackingStore(sqlite_url), lease=lease(bus, "relay.ASSAY", holder=f"r{i}", ttl=TTL))
        for i, bus in enumerate(buses)
    ]


async def test_one_relay_publishes_and_the_other_takes_over_when_it_stops(
    ledger: AssayLedger, buses: list[Bus], sqlite_url: str
) -> None:
    save_run(ledger, "before")
    pair = relays(ledger, buses, sqlite_url, Lease)
    stops = [asyncio.Event(), asyncio.Event()]
    tasks = [asyncio.create_task(r.run(s)) for r, s in zip(pair, stops, strict=True)]
    try:
        await until(lambda: len(ledger_ids(ledger)) == sum(r.published for r in pair))
        for i in range(3):  # more saves while both run: still only the holder publishes
            save_run(ledger, f"more{i}")
            await asyncio.sleep(0.2)
        await until(lambda: sum(r.published for r in pair) == len(ledger_ids(ledger)))
        holders = [r for r in pair if r.lease is not None and r.lease.held]
        assert len(holders) == 1
        holder = holders[0]
        standby = pair[1 - pair.index(holder)]
        assert standby.published == 0
        assert holder.published == len(ledger_ids(ledger))

        stops[pair.index(holder)].set()  # a clean stop releases the lease: the standby takes it at its next poll
        await tasks[pair.index(holder)]
        save_run(ledger, "after")
        await until(lambda: standby.published > 0, timeout=TTL * 3)
        await until(lambda: holder.published + standby.published == len(ledger_ids(ledger)))
        assert await stream_ids(buses[0]) == ledger_ids(ledger)
    finally:
        for s in stops:
            s.set()
        await asyncio.gather(*tasks)
        for r in pair:
            r.tracking.close()


async def test_a_killed_holder_is_taken_over_after_the_ttl(
    ledger: AssayLedger, buses: list[Bus], sqlite_url: str
) -> None:
    save_run(ledger, "before")
    pair = relays(ledger, buses, sqlite_url, Killed)
    stops = [asyncio.Event(), asyncio.Event()]
    tasks = [asyncio.create_task(r.run(s)) for r, s in zip(pair, stops, strict=True)]
    try:
        await until(lambda: sum(r.published for r in pair) == len(ledger_ids(ledger)))
        holder = next(r for r in pair if r.lease is not None and r.lease.held)
        standby = pair[1 - pair.index(holder)]
        killed_at = time.monotonic()
        tasks[pair.index(holder)].cancel()  # no release: the key stays until the standby sees it go stale
        save_run(ledger, "after")
        await until(lambda: standby.published > 0, timeout=TTL * 5)
        assert time.monotonic() - killed_at >= TTL * 0.8  # it waited for the holder's silence, not less
        await until(lambda: holder.published + standby.published == len(ledger_ids(ledger)))
        assert await stream_ids(buses[0]) == ledger_ids(ledger)  # nothing lost, nothing doubled
    finally:
        for s in stops:
            s.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        for r in pair:
            r.tracking.close()


async def test_contenders_never_hold_the_lease_together(buses: list[Bus]) -> None:
    leases = [Lease(buses[i % 2], "relay.ASSAY", holder=f"c{i}", ttl=TTL) for i in range(4)]
    stop = asyncio.Event()
    keepers = [asyncio.create_task(lease.keep(stop)) for lease in leases]
    try:
        deadline = time.monotonic() + 2 * TTL
        seen_holders: set[str] = set()
        while time.monotonic() < deadline:
            held = [lease.holder for lease in leases if lease.held]
            assert len(held) <= 1, held
            seen_holders.update(held)
            await asyncio.sleep(0.01)
        assert len(seen_holders) == 1  # the holder keeps renewing: nobody takes it over
    finally:
        stop.set()
        await asyncio.gather(*keepers)
