"""The relay: the ledger's notification log, in global order, onto JetStream.

Each event is published with ``Nats-Msg-Id`` = its event id and the position is stored only after
every ack of a batch. A crash anywhere therefore republishes from the last stored position; the
stream's duplicate window drops what it already holds and consumers are idempotent beyond it, so
nothing is lost and nothing is doubled. Nothing else publishes facts (no "save then publish").

Every process may run a relay; with a shared NATS only the holder of the relay lease (adapters.lease) publishes
and the others wait as hot standbys, one of which takes over within about the lease's ttl when the holder dies.

After each batch the relay also publishes the ledger-wide rolling head at the batch's last position to the
heads stream (adapters.witness), so the bus witnesses what the ledger held.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

import structlog

from adapters import witness
from adapters.bus import Bus
from adapters.lease import Lease
from adapters.ledger import AssayLedger, to_envelope
from adapters.tracking import TrackingStore

log = structlog.get_logger(__name__)

RETRY_DELAY = 1.0  # seconds between attempts while NATS or the store is failing


class Relay:
    """Follows the ledger from the tracked position and publishes what it finds."""

    def __init__(
        self,
        ledger: AssayLedger,
        bus: Bus,
        tracking: TrackingStore,
        name: str = "relay",
        poll_interval: float = 0.05,
        batch: int = 500,
        lease: Lease | None = None,
    ) -> None:
        self.ledger = ledger
        self.bus = bus
        self.tracking = tracking
        self.name = name
        self.poll_interval = poll_interval
        self.batch = batch
        # With a lease (a shared NATS), only its holder pumps; without one (the embedded server, which one process
        # owns), this relay always pumps.
        self.lease = lease
        self.log = log.bind(relay=name)
        # poke() may come from any thread (saves run in worker threads); hand it to our loop safely
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._head: tuple[int, str] | None = None  # (position, rolling head) as last witnessed

    def poke(self) -> None:
        """Wake the loop now (call right after a local save). Thread-safe, cheap, never blocks."""
        with self._lock:
            loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # loop closing under us: the next run() pumps anyway
                loop.call_soon_threadsafe(wake.set)

    async def pump(self) -> int:
        """Publish everything after the tracked position; return how many events were published."""
        position = await asyncio.to_thread(self.tracking.position, self.name)
        if self._head is None or self._head[0] != position:
            self._head = await self._head_at(position)
        published = 0
        while True:
            raw = await asyncio.to_thread(self._read, position)
            if not raw:
                return published
            chunk = [to_envelope(self.ledger, n) for n in raw]
            await self.bus.publish_many(chunk)  # raises unless every ack came back
            position = chunk[-1].position
            await asyncio.to_thread(self.tracking.save, self.name, position)
            head = self._head[1]
            for n in raw:
                head = witness.roll_on(head, n)
            self._head = (position, head)
            await witness.publish(self.bus, position, head)
            published += len(chunk)
            self.log.debug("relay.published", count=len(chunk), position=position)
            if len(chunk) < self.batch:
                return published

    def _read(self, after: int) -> list[Any]:
        return list(self.ledger.recorder.select_notifications(start=after, limit=self.batch, inclusive_of_start=False))

    async def _head_at(self, position: int) -> tuple[int, str]:
        """The rolling head at ``position``: from the newest witnessed head at or before it, rolled on over the
        ledger (from the start when the bus has witnessed nothing usable)."""
        await witness.ensure(self.bus)
        seen = await witness.last(self.bus)
        start = seen if seen is not None and seen[0] <= position else (0, witness.GENESIS)
        return await asyncio.to_thread(witness.rolled, self.ledger, start, position)

    async def run(self, stop: asyncio.Event) -> None:
        """Pump, then wait for a poke or ``poll_interval``, until ``stop`` is set; failures are retried. With a
        lease, pump only while holding it and otherwise wait as a hot standby (the lease's keeper takes it over
        within about its ttl once the holder is gone)."""
        with self._lock:
            self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
            wake = self._wake
        done = asyncio.Event()  # the keeper's own stop: set on the way out, whether stopped or cancelled
        keeper = asyncio.create_task(self.lease.keep(done)) if self.lease is not None else None
        self.log.info("relay.started", position=await asyncio.to_thread(self.tracking.position, self.name))
        try:
            while not stop.is_set():
                if self.lease is not None and not self.lease.held:
                    self.lease.changed.clear()
                    await _wait_any(stop, self.lease.changed, self.lease.interval)
                    continue
                wake.clear()  # a poke during the pump sets it again, so the wait below returns at once
                try:
                    await self.pump()
                except Exception as exc:  # transient (NATS down, store busy): retry the same events
                    self.log.warning("relay.retry", error=f"{type(exc).__name__}: {exc}")
                    await _wait_any(stop, None, RETRY_DELAY)  # pokes do not shorten the back-off
                    continue
                await _wait_any(stop, wake, self.poll_interval)
        finally:
            with self._lock:
                self._loop, self._wake = None, None
            if keeper is not None:  # it releases the lease once it sees done; bounded, NATS may be gone
                done.set()
                try:
                    await asyncio.wait_for(keeper, 3.0)
                except (TimeoutError, asyncio.CancelledError):
                    keeper.cancel()
            self.log.info("relay.stopped")


async def _wait_any(stop: asyncio.Event, wake: asyncio.Event | None, timeout: float) -> None:
    """Sleep until ``stop`` or ``wake`` is set, or ``timeout`` passes."""
    waiters = [asyncio.ensure_future(e.wait()) for e in (stop, wake) if e is not None]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
