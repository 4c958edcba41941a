"""One Assay process: the ledger, the bus (embedded nats-server by default), the relay and any services.

Services are stateless; run any subset here and as many processes as you like against one NATS and one
store. ``Runtime`` is the bootstrap that wires them (cosmicpython style): handlers get their dependencies
here, never by importing globals.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from adapters import logs
from adapters.bus import Bus, BusUnavailable
from adapters.config import Settings
from adapters.ledger import open_ledger
from adapters.llm import LLM, load_litellm
from adapters.store import Store
from adapters.tracking import open_tracking
from adapters.views import CHECKPOINT_EVERY, View
from app.gc_tuning import GcTuning

if TYPE_CHECKING:
    from adapters.nats_embedded import EmbeddedNats

ALL_SERVICES = ("relay", "orchestrator", "generation", "gating", "probing", "publisher")

log = logs.get("assay.runtime")


class Runtime:
    """Start with ``await rt.start()``, stop with ``await rt.stop()``; or ``async with Runtime(...)``."""

    def __init__(
        self, settings: Settings, only: tuple[str, ...] = ALL_SERVICES, max_workers: int | None = None
    ) -> None:
        unknown = set(only) - set(ALL_SERVICES)
        if unknown:
            raise ValueError(f"unknown service(s): {', '.join(sorted(unknown))}; known: {', '.join(ALL_SERVICES)}")
        self.settings = settings
        self.only = only
        self.max_workers = max(max_workers or 0, settings.workers)  # handlers per consumer at once
        self.embedded: EmbeddedNats | None = None
        self.bus: Bus | None = None
        self.relay: Any = None
        self.publisher: Any = None
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._gc = GcTuning()

    async def start(self) -> None:
        # Ledger calls run in threads; the default pool (cores + 4) would queue them behind each other.
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=32, thread_name_prefix="ledger"))
        self.ledger = await asyncio.to_thread(open_ledger, self.settings.store_url)
        self.tracking = await asyncio.to_thread(open_tracking, self.settings.store_url)
        self.store = Store(self.ledger)
        url = self.settings.nats_url
        if url is None:
            from adapters.nats_embedded import EmbeddedNats

            self.embedded = EmbeddedNats(self.settings.home / "nats")
            url = await asyncio.to_thread(self.embedded.start)
        self.bus = Bus(url, self.settings.stream, workers=self.max_workers)
        try:
            await self.bus.connect()
            if {"generation", "gating", "probing"} & set(self.only):
                # Imported here, in a thread, not by the first handler's model call: that import takes seconds and
                # would hold the event loop (and with it Ctrl-C) for as long.
                await asyncio.to_thread(load_litellm)
            if self.embedded is not None:
                # This process owns the embedded server: any delivery still unacked was a dead process's work.
                await self.bus.reclaim()
            self.relay, self.publisher = wire(
                self.bus, self.only, self.ledger, self.tracking, self.store, leased=self.embedded is None
            )
            if self.publisher is not None:
                await self.publisher.prepare()  # its stream exists before any subscriber looks for it
            await self.bus.start()
        except BusUnavailable:  # NATS unreachable, without JetStream, or gone while we subscribed
            await self.bus.stop()
            await self._stop_embedded()
            raise
        if self.relay is not None:
            self._tasks.append(asyncio.create_task(self.relay.run(self._stop)))
        self._gc.apply()  # start-up's heap is long-lived: out of the collector's way (app.gc_tuning)
        log.info("runtime started", services=",".join(self.only), nats=url)

    async def stop(self, grace: float | None = None) -> None:
        """Stop the relay and the consumers, then the embedded server. ``grace`` (an interrupt) bounds the wait for
        work in hand, which is then handed back to the bus (Bus.stop); without it, work in hand may finish."""
        self._stop.set()
        for task in self._tasks:
            try:
                await asyncio.wait_for(task, timeout=5 if grace is None else grace)
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()
        if self.bus is not None:
            await self.bus.stop(grace)
        await self._stop_embedded()
        if getattr(self, "tracking", None) is not None:
            self.tracking.close()
        self._gc.restore()

    async def _stop_embedded(self) -> None:
        if self.embedded is not None:
            await asyncio.to_thread(self.embedded.stop)
            self.embedded = None

    async def __aenter__(self) -> Runtime:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def wire(
    bus: Bus, only: tuple[str, ...], ledger: Any, tracking: Any, store: Store, leased: bool = False
) -> tuple[Any, Any]:
    """Register the chosen services' consumers on ``bus``; return (relay, publisher), each None if not chosen.
    ``leased`` (a shared NATS): the relay publishes only while it holds the relay lease, so however many processes
    run one, exactly one publishes and the others wait as hot standbys. The embedded server has one owner
    process, which needs no lease (and must not wait out a killed predecessor's).

    Nothing here touches the ledger or NATS, so ``app.asyncapi`` wires the same services to document them.
    """
    llm = LLM()
    relay = publisher = None
    if "relay" in only:
        from adapters.lease import Lease
        from services.relay import Relay

        lease = Lease(bus, f"relay.{bus.stream}") if leased else None
        relay = Relay(ledger, bus, tracking, lease=lease)
        store.on_save.append(relay.poke)
    if "orchestrator" in only:
        from services.orchestrator import Orchestrator

        Orchestrator(store).register(bus)
    if "generation" in only:
        from projections.checklist import Checklist
        from services.generation import Generation

        Generation(store, llm, View(ledger, Checklist, tracking, CHECKPOINT_EVERY)).register(bus)
    if "gating" in only:
        from projections.corpus import Corpus
        from services.gating import Gating

        Gating(store, llm, View(ledger, Corpus, tracking, CHECKPOINT_EVERY)).register(bus)
    if "probing" in only:
        from services.probing import Probing

        Probing(store, llm).register(bus)
    if "publisher" in only:
        from services.publisher import Publisher

        publisher = Publisher(ledger)
        publisher.register(bus)
    return relay, publisher
