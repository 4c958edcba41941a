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
from dataclasses import dataclass

import structlog

from adapters import witness
from adapters.bus import Bus, Outgoing
from adapters.lease import Lease
from adapters.ledger import AssayLedger, rows, wire
from adapters.tracking import TrackingStore

log = structlog.get_logger(__name__)

RETRY_DELAY = 1.0  # seconds between attempts while NATS or the store is failing
DRAIN_TIMEOUT = 2.0  # seconds the last pump on the way out may take


@dataclass(frozen=True)
class _Batch:
    """Stored events read for publishing: their encoded envelopes, the last one's position, the rolling head there,
    and whether the read was full (more may follow)."""

    messages: list[Outgoing]
    position: int
    head: str
    full: bool


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
        """Publish everything after the tracked position; return how many events were published.

        Batches overlap without weakening the order of things: the next batch is read (encoded, its rolling head
        computed) while this one is on the wire, and a batch's position is saved and its head witnessed (after
        every ack of it, and after the previous batch's) while the next batch is on the wire."""
        position = await asyncio.to_thread(self.tracking.position, self.name)
        if self._head is None or self._head[0] != position:
            self._head = await self._head_at(position)
        published = 0
        batch = await asyncio.to_thread(self._read, position, self._head[1])
        ahead: asyncio.Future[_Batch] | None = None
        settling: asyncio.Future[None] | None = None
        try:
            while batch.messages:
                ahead = (
                    asyncio.ensure_future(asyncio.to_thread(self._read, batch.position, batch.head))
                    if batch.full
                    else None
                )
                await self.bus.publish_encoded(batch.messages)  # raises unless every ack came back
                if settling is not None:
                    await settling  # raises if the previous batch's position could not be saved
                settling = asyncio.ensure_future(self._settle(batch))
                published += len(batch.messages)
                if ahead is None:
                    break
                batch = await ahead
                ahead = None
            if settling is not None:
                await settling
        except BaseException:
            for pending in (ahead, settling):
                if pending is not None and not pending.done():
                    pending.cancel()  # a read nobody uses; a save whose batch the next pump republishes (deduped)
            raise
        return published

    async def _settle(self, batch: _Batch) -> None:
        """After every ack of ``batch``: store its position, then witness the rolling head there."""
        await asyncio.to_thread(self.tracking.save, self.name, batch.position)
        self._head = (batch.position, batch.head)
        await witness.publish(self.bus, batch.position, batch.head)
        self.log.debug("relay.published", count=len(batch.messages), position=batch.position)

    def _read(self, after: int, head: str) -> _Batch:
        """Up to ``batch`` stored events after ``after``, encoded for the bus, and the rolling head after them
        (``head`` being the head at ``after``)."""
        stored = rows(self.ledger, after, self.batch)
        messages = [wire(self.ledger, n) for n in stored]
        for n in stored:
            head = witness.roll_on(head, n)
        return _Batch(messages, stored[-1].id if stored else after, head, len(stored) >= self.batch)

    async def _head_at(self, position: int) -> tuple[int, str]:
        """The rolling head at ``position``: from the newest witnessed head at or before it, rolled on over the
        ledger (from the start when the bus has witnessed nothing usable)."""
        await witness.ensure(self.bus)
        seen = await witness.last(self.bus)
        start = seen if seen is not None and seen[0] <= position else (0, witness.GENESIS)
        return await asyncio.to_thread(witness.rolled, self.ledger, start, position)

    async def _drain(self) -> None:
        """One last pump on the way out, so what was saved before the stop is on the bus (and witnessed) before
        this process goes: the loop's last pump may have run just before the final saves. Bounded; a failure
        leaves those events to the next relay, which starts from the stored position."""
        if self.lease is not None and not self.lease.held:
            return
        try:
            await asyncio.wait_for(self.pump(), DRAIN_TIMEOUT)
        except Exception as exc:
            self.log.warning("relay.drain.failed", error=f"{type(exc).__name__}: {exc}")

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
            await self._drain()
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
