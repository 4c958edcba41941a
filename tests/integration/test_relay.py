"""The relay against a real ledger (SQLite and PostgreSQL) and a real nats-server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import msgspec
import pytest

from adapters import witness
from adapters.bus import Bus, Outgoing, subject_for
from adapters.ledger import AssayLedger, envelopes, open_ledger
from adapters.tracking import TrackingStore
from domain import facts as f
from domain.candidate import Candidate
from domain.ids import candidate_uuid, run_uuid
from domain.run import Run
from services import relay as relay_module
from services.relay import Relay


@pytest.fixture
def ledger(store_url: str) -> Iterator[AssayLedger]:
    app = open_ledger(store_url)
    yield app
    app.close()


@pytest.fixture
def tracking(store_url: str) -> Iterator[TrackingStore]:
    store = TrackingStore(store_url)
    yield store
    store.close()


@pytest.fixture
async def bus(nats_url: str) -> AsyncIterator[Bus]:
    bus = Bus(nats_url)
    await bus.connect()
    yield bus
    await bus.stop()


def save_run(ledger: AssayLedger, run_id: str, pulls: int = 2) -> None:
    """One run with ``pulls`` lever pulls and a drafted candidate per pull, saved in one transaction."""
    run = Run.start(
        run_uuid(run_id),
        f.RunStarted(
            run_id=run_id,
            spec_name="spec",
            recipe="qa",
            spec={"topic": "t"},
            policy=f.Policy(target=pulls),
        ),
    )
    candidates = []
    for i in range(pulls):
        cid = candidate_uuid(run_id, i)
        run.pull(i, str(cid), {"axis": "a"})
        candidates.append(
            Candidate.draft(
                cid,
                f.Drafted(
                    run_id=run_id,
                    index=i,
                    recipe="qa",
                    coordinate={"axis": "a"},
                    payload={"q": f"q{i}", "a": "x"},
                ),
            )
        )
    ledger.save(run, *candidates)


async def stream_ids(bus: Bus) -> list[str]:
    """Nats-Msg-Id of every message in the stream, in stream order."""
    count = (await bus.js.stream_info("ASSAY")).state.messages
    return [((await bus.js.get_msg("ASSAY", seq)).headers or {})["Nats-Msg-Id"] for seq in range(1, count + 1)]


def ledger_ids(ledger: AssayLedger) -> list[str]:
    return [e.event_id for e in envelopes(ledger, 0, 10_000)]


async def test_pump_publishes_in_ledger_order(ledger: AssayLedger, bus: Bus, tracking: TrackingStore) -> None:
    save_run(ledger, "r1")
    save_run(ledger, "r2", pulls=3)
    relay = Relay(ledger, bus, tracking, batch=4)  # several batches
    assert await relay.pump() == 12
    expected = ledger_ids(ledger)
    assert len(expected) == 12
    assert await stream_ids(bus) == expected
    assert tracking.position("relay") == envelopes(ledger, 0, 100)[-1].position
    assert await relay.pump() == 0
    first = await bus.js.get_msg("ASSAY", 1)
    assert first.subject == "assay.ev.run.RunStarted"
    # the bodies (the stored fact JSON spliced into an envelope) decode to the envelopes the ledger reads back
    bodies = [
        msgspec.json.decode((await bus.js.get_msg("ASSAY", seq)).data or b"", type=f.Envelope) for seq in range(1, 13)
    ]
    assert bodies == envelopes(ledger, 0, 100)
    subjects = [(await bus.js.get_msg("ASSAY", seq)).subject for seq in range(1, 13)]
    assert subjects == [subject_for(e) for e in bodies]


class SaveFailsOnce(TrackingStore):
    """A crash between the acks and the position save."""

    failed = False

    def save(self, name: str, position: int, state: str | None = None) -> None:
        if not self.failed:
            self.failed = True
            raise RuntimeError("crashed before storing the position")
        super().save(name, position, state)


async def test_crash_before_position_save_republishes_without_doubles(
    ledger: AssayLedger, bus: Bus, store_url: str
) -> None:
    save_run(ledger, "r1")
    tracking = SaveFailsOnce(store_url)
    try:
        relay = Relay(ledger, bus, tracking)
        with pytest.raises(RuntimeError, match="crashed"):
            await relay.pump()
        assert tracking.position("relay") == 0
        assert len(await stream_ids(bus)) == 5
        assert await relay.pump() == 5  # republished, all deduplicated by the server
        assert await stream_ids(bus) == ledger_ids(ledger)
        last = envelopes(ledger, 0, 100)[-1].position
        assert tracking.position("relay") == last

        tracking.reset("relay")  # lost position altogether: still no doubles
        save_run(ledger, "r2")
        assert await relay.pump() == 10
        assert await stream_ids(bus) == ledger_ids(ledger)
    finally:
        tracking.close()


async def test_a_failed_batch_never_moves_the_position_past_the_acked_ones(
    ledger: AssayLedger, bus: Bus, tracking: TrackingStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_run(ledger, "r1")
    save_run(ledger, "r2")
    relay = Relay(ledger, bus, tracking, batch=4)  # 10 events: batches of 4, 4, 2
    real_publish, calls = bus.publish_encoded, list[int]()

    async def second_fails(batch: list[Outgoing]) -> None:
        calls.append(len(batch))
        if len(calls) == 2:
            raise TimeoutError("NATS hiccup")
        await real_publish(batch)

    monkeypatch.setattr(bus, "publish_encoded", second_fails)
    with pytest.raises(TimeoutError):
        await relay.pump()
    first_batch_end = envelopes(ledger, 0, 100)[3].position
    assert tracking.position("relay") in (0, first_batch_end)  # the first batch's save may or may not have landed
    assert await relay.pump() >= 6  # from wherever the position is: what was not saved goes again
    assert await stream_ids(bus) == ledger_ids(ledger)  # and the stream's dedupe leaves no doubles
    assert tracking.position("relay") == envelopes(ledger, 0, 100)[-1].position


async def test_run_follows_pokes_and_retries(
    ledger: AssayLedger, bus: Bus, tracking: TrackingStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(relay_module, "RETRY_DELAY", 0.05)
    save_run(ledger, "r1")
    relay = Relay(ledger, bus, tracking, poll_interval=3600.0)  # only a poke can wake it within the test
    real_publish, failures = bus.publish_encoded, list[int]()

    async def flaky_publish(batch: list[Outgoing]) -> None:
        if not failures:
            failures.append(1)
            raise TimeoutError("NATS hiccup")
        await real_publish(batch)

    monkeypatch.setattr(bus, "publish_encoded", flaky_publish)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        await wait_for_stream(bus, 5)  # the first attempt failed and was retried
        assert failures == [1]
        await asyncio.to_thread(save_run, ledger, "r2")
        await asyncio.to_thread(relay.poke)  # pokes come from worker threads after saves
        await wait_for_stream(bus, 10)
        assert await stream_ids(bus) == ledger_ids(ledger)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


async def wait_for_stream(bus: Bus, count: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while (await bus.js.stream_info("ASSAY")).state.messages < count:
        assert time.monotonic() < deadline, f"stream did not reach {count} messages"
        await asyncio.sleep(0.02)


async def test_every_batch_is_witnessed_with_the_ledgers_rolling_head(
    ledger: AssayLedger, bus: Bus, tracking: TrackingStore
) -> None:
    save_run(ledger, "r1")
    save_run(ledger, "r2", pulls=3)
    relay = Relay(ledger, bus, tracking, batch=4)
    await relay.pump()
    heads = await witness.all_heads(bus)
    positions = [p for p, _ in heads]
    assert positions == sorted(positions) and positions[-1] == tracking.position("relay")
    assert all(head == witness.rolled(ledger, upto=p)[1] for p, head in heads)
    # A new relay (a restart) goes on from the newest witnessed head, not from the start of the ledger.
    save_run(ledger, "r3")
    again = Relay(ledger, bus, tracking)
    await again.pump()
    newest = await witness.last(bus)
    assert newest is not None and newest == witness.rolled(ledger)
