"""bench/ledger.py's relay section: services.relay's pump vs plain nats-py publishing the same messages.

One embedded nats-server; each trial starts from a fresh stream. Assay: Relay.pump() from position 0 over a
ledger on disk holding ``--events`` events (reading, encoding, publishing with Nats-Msg-Id, saving the position,
witnessing the rolling head). Plain: the same subjects, bodies and headers, already in memory, published with
``asyncio.gather`` over ``js.publish`` in batches of the relay's size (the issue's baseline); also shown, not a
target: nats-py's ``publish_async`` per batch, the publishing the relay itself now uses.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

from ledger_events import Group, chunks

BATCH = 500
Say = Callable[[str, argparse.Namespace], None]


def relay(args: argparse.Namespace, groups: list[Group], say: Say) -> dict[str, Any]:
    """The relay section's figures (see the module docstring)."""
    return asyncio.run(_relay(args, groups, say))


async def _relay(args: argparse.Namespace, groups: list[Group], say: Say) -> dict[str, Any]:
    import nats
    from nats.js.api import StorageType, StreamConfig

    from adapters import witness
    from adapters.bus import DUPLICATE_WINDOW, SUBJECT_PREFIX, Bus, subject_of
    from adapters.ledger import open_ledger, stored, wire
    from adapters.nats_embedded import EmbeddedNats
    from adapters.tracking import TrackingStore
    from services.relay import Relay

    home = Path(tempfile.mkdtemp(dir=args.disk_dir, prefix="assay-bench-relay-"))
    ledger = open_ledger(f"sqlite:///{home}/ledger.sqlite")
    for g in groups:
        aggregate = g.aggregate._create(g.aggregate.Started, id=uuid4(), fact=g.facts[0])
        for fact in g.facts[1:]:
            aggregate.trigger_event(g.aggregate.Recorded, fact=fact)
        ledger.save(aggregate)
    messages = [(subject_of(t), ident, body) for t, ident, body in (wire(ledger, n) for n in stored(ledger))]
    count = len(messages)
    server = EmbeddedNats(home / "nats")
    url = server.start()
    nc = await nats.connect(url)
    js = nc.jetstream()
    bus = Bus(url)
    trial = 0

    async def fresh() -> None:
        for name in ("ASSAY", "ASSAY_HEADS"):
            with contextlib.suppress(Exception):
                await js.delete_stream(name)
        await js.add_stream(
            StreamConfig(
                name="ASSAY",
                subjects=[f"{SUBJECT_PREFIX}.>"],
                storage=StorageType.FILE,
                duplicate_window=DUPLICATE_WINDOW,
            )
        )
        await witness.ensure(bus)

    async def assay() -> float:
        nonlocal trial
        trial += 1
        await fresh()
        tracking = TrackingStore(f"sqlite:///{home}/trial-{trial}/ledger.sqlite")  # tracking.sqlite beside it
        pump = Relay(ledger, bus, tracking, batch=BATCH)
        start = time.perf_counter()
        published = await pump.pump()
        elapsed = time.perf_counter() - start
        tracking.close()
        assert published == count, (published, count)
        return count / elapsed

    async def plain() -> float:
        await fresh()
        start = time.perf_counter()
        for batch in chunks(messages, BATCH):
            await asyncio.gather(
                *(js.publish(s, b, timeout=5.0, stream="ASSAY", headers={"Nats-Msg-Id": i}) for s, i, b in batch)
            )
        return count / (time.perf_counter() - start)

    async def plain_async() -> float:
        await fresh()
        start = time.perf_counter()
        for batch in chunks(messages, BATCH):
            acks = [await js.publish_async(s, b, stream="ASSAY", headers={"Nats-Msg-Id": i}) for s, i, b in batch]
            await asyncio.gather(*acks)
        return count / (time.perf_counter() - start)

    try:
        await bus.connect()
        contenders = {"assay": assay, "plain": plain, "plain_async": plain_async}
        rates: dict[str, list[float]] = {name: [] for name in contenders}
        for round_ in range(args.trials):  # alternating order; the median is kept
            for name in list(contenders) if round_ % 2 == 0 else reversed(list(contenders)):
                rates[name].append(await contenders[name]())
    finally:
        await bus.stop()
        await nc.close()
        server.stop()
        ledger.close()
    med = {name: round(statistics.median(values)) for name, values in rates.items()}
    out: dict[str, Any] = {"events": count, "batch": BATCH, **med}
    out["ratio"] = round(med["assay"] / med["plain"], 2)
    out["ratio_to_publish_async"] = round(med["assay"] / med["plain_async"], 2)
    say(
        f"relay: Assay {med['assay']}/s vs plain nats-py gather(js.publish) {med['plain']}/s = {out['ratio']}x "
        f"(targets >= 10k/s, >= 0.9x); plain publish_async {med['plain_async']}/s ({out['ratio_to_publish_async']}x)",
        args,
    )
    return out
