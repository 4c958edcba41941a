"""The bus against a real nats-server: stream set-up, publish dedupe, durable pull consumers."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from nats.js.api import ConsumerInfo, StorageType

from adapters import bus as bus_module
from adapters.bus import SUBJECT_PREFIX, Bus, BusUnavailable, subject_for, subject_of
from adapters.nats_embedded import EmbeddedNats, nats_server_binary
from domain import facts as f


def envelope(i: int, fact: f.Fact | None = None) -> f.Envelope:
    fact = fact or f.RunStarted(run_id=f"r{i}", spec_name="s", recipe="qa", spec={"n": i}, policy=f.Policy())
    return f.Envelope(
        event_id=f"00000000-0000-0000-0000-{i:012d}:1",
        originator_id=f"00000000-0000-0000-0000-{i:012d}",
        version=1,
        position=i,
        timestamp="2026-01-01T00:00:00+00:00",
        fact=fact,
    )


async def until(check: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait for ``check`` (the timeout only bounds a failure; nothing is asserted about how fast)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def all_acked(bus: Bus, consumer: str, timeout: float = 20.0) -> ConsumerInfo:
    """Wait until ``consumer`` has every message of the stream acked (or terminated): from then on nothing can be
    delivered again, so what the handlers saw is final."""
    deadline = time.monotonic() + timeout
    while True:
        info = await bus.js.consumer_info("ASSAY", consumer)
        last = (await bus.js.stream_info("ASSAY")).state.last_seq
        if info.ack_floor.stream_seq >= last and info.num_ack_pending == 0 and info.num_pending == 0:
            return info
        assert time.monotonic() < deadline, f"{consumer} did not ack all {last} messages: {info}"
        await asyncio.sleep(0.02)


@pytest.fixture
async def buses(nats_url: str) -> AsyncIterator[Callable[[], Awaitable[Bus]]]:
    """Connected Bus instances on the test's server, all stopped at teardown."""
    made: list[Bus] = []

    async def make() -> Bus:
        bus = Bus(nats_url)
        await bus.connect()
        made.append(bus)
        return bus

    yield make
    for bus in made:
        await bus.stop()


def test_subjects() -> None:
    assert subject_of(f.RunStarted) == f"{SUBJECT_PREFIX}.run.RunStarted"
    assert subject_of(f.Drafted) == "assay.ev.candidate.Drafted"
    assert subject_for(envelope(1, f.Queued())) == "assay.ev.candidate.Queued"


async def test_stream_created_idempotently(buses: Callable[[], Awaitable[Bus]]) -> None:
    first, second = await buses(), await buses()  # the second finds the stream and leaves it be
    info = await second.js.stream_info("ASSAY")
    assert info.config.subjects == ["assay.ev.>"]
    assert info.config.duplicate_window == 600
    assert info.config.storage == StorageType.FILE
    assert [s.config.name for s in await first.js.streams_info()] == ["ASSAY"]
    # an existing stream lacking what we rely on gets it added, keeping what an operator put there
    info.config.subjects, info.config.duplicate_window = ["other.>"], 60
    await first.js.update_stream(info.config)
    third = await buses()
    config = (await third.js.stream_info("ASSAY")).config
    assert (config.subjects, config.duplicate_window) == (["assay.ev.>", "other.>"], 600)


async def test_publish_dedupe(buses: Callable[[], Awaitable[Bus]]) -> None:
    bus = await buses()
    assert await bus.publish(envelope(1)) is False
    assert await bus.publish(envelope(1)) is True
    await bus.publish_many([envelope(1), envelope(2), envelope(3)])
    assert (await bus.js.stream_info("ASSAY")).state.messages == 3


async def test_consumer_decodes_and_retries(buses: Callable[[], Awaitable[Bus]]) -> None:
    bus = await buses()
    seen: list[f.Envelope] = []
    failed: set[str] = set()

    async def handler(env: f.Envelope) -> None:
        if env.event_id.endswith("2:1") and env.event_id not in failed:
            failed.add(env.event_id)
            raise RuntimeError("transient")
        seen.append(env)

    bus.consume("t", f.RunStarted, handler)
    await bus.start()
    await bus.publish_many([envelope(i) for i in (1, 2, 3)])
    await bus.js.publish("assay.ev.run.RunStarted", b"not json")  # terminated, never handled
    info = await all_acked(bus, "t_RunStarted")  # the failed one retried, the undecodable one terminated
    assert sorted(e.position for e in seen) == [1, 2, 3]  # each handled once, after all settled
    assert seen[0].fact == envelope(seen[0].position).fact  # decoded to the tagged Struct
    assert failed == {envelope(2).event_id} and info.num_redelivered == 0


async def test_replicas_share_a_durable(buses: Callable[[], Awaitable[Bus]]) -> None:
    a, b = await buses(), await buses()
    handled: Counter[str] = Counter()
    by_replica: Counter[str] = Counter()
    busy = {"a": asyncio.Event(), "b": asyncio.Event()}

    def handler_for(replica: str, other: str) -> Callable[[f.Envelope], Awaitable[None]]:
        async def handler(env: f.Envelope) -> None:
            busy[replica].set()
            # Hold this replica's first messages until the other replica handles one too. Each replica has at
            # most a few messages in hand (its batch and workers), so the other must get the rest: the test
            # cannot pass unless the durable shares its messages, whichever replica fetches first.
            await asyncio.wait_for(busy[other].wait(), 15)
            handled[env.event_id] += 1
            by_replica[replica] += 1

        return handler

    a.consume("shared", f.RunStarted, handler_for("a", "b"), max_workers=4)
    b.consume("shared", f.RunStarted, handler_for("b", "a"), max_workers=4)
    await a.start()
    await b.start()
    await a.publish_many([envelope(i) for i in range(1, 81)])
    await all_acked(a, "shared_RunStarted")
    assert len(handled) == 80 and set(handled.values()) == {1}  # every message handled, none twice
    assert by_replica["a"] > 0 and by_replica["b"] > 0 and by_replica.total() == 80


async def test_durable_consumer_gets_earlier_messages(buses: Callable[[], Awaitable[Bus]]) -> None:
    publisher = await buses()
    await publisher.publish_many([envelope(i) for i in range(1, 6)])
    first_seen: list[int] = []
    first = await buses()
    first.consume("late", f.RunStarted, lambda e: _append(first_seen, e.position))
    await first.start()
    await until(lambda: len(first_seen) == 5)
    await first.stop()

    await publisher.publish_many([envelope(i) for i in range(6, 9)])
    later_seen: list[int] = []
    later = await buses()  # a new process with the same durable resumes where the first stopped
    later.consume("late", f.RunStarted, lambda e: _append(later_seen, e.position))
    await later.start()
    await until(lambda: len(later_seen) == 3)
    assert sorted(first_seen) == [1, 2, 3, 4, 5] and sorted(later_seen) == [6, 7, 8]


async def _append(into: list[int], value: int) -> None:
    into.append(value)


async def test_unreachable_nats_fails_fast() -> None:
    import socket

    # A port nothing listens on: held bound (never listening, so connecting is refused) for the whole test, so no
    # other process (a parallel test's server) can take it between choosing it and connecting to it.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        # Bounded by CONNECT_TIMEOUT, not retried forever: the call raises instead of hanging (pytest-timeout
        # fails the test if it hangs), and the message names the address.
        with pytest.raises(BusUnavailable, match=f"cannot reach NATS at nats://127.0.0.1:{port}"):
            await Bus(f"nats://127.0.0.1:{port}").connect()


async def test_slow_handler_is_not_redelivered(
    buses: Callable[[], Awaitable[Bus]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bus_module, "ACK_WAIT", 1.0)  # the heartbeat must keep a handler of 2.5 ack waits alive
    bus = await buses()
    calls: list[int] = []

    async def slow(env: f.Envelope) -> None:
        calls.append(env.position)
        await asyncio.sleep(2.5)  # the least it holds the message (longer on a busy machine: still no redelivery)

    bus.consume("slow", f.RunStarted, slow, max_workers=2)
    await bus.start()
    await bus.publish(envelope(1))
    info = await all_acked(bus, "slow_RunStarted")
    assert (calls, info.num_redelivered, info.config.ack_wait) == ([1], 0, 1.0)


def test_embedded_server_dies_with_its_killed_parent(tmp_path: Path) -> None:
    store = tmp_path / "nats"
    code = (
        "import sys; from pathlib import Path; from adapters.nats_embedded import EmbeddedNats; "
        f"EmbeddedNats(Path({str(store)!r})).start(); print('up', flush=True); sys.stdin.read()"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=Path(__file__).parents[2]
    )
    assert parent.stdout is not None
    while (line := parent.stdout.readline()) and line.strip() != b"up":  # skip its log lines
        pass
    assert line.strip() == b"up"
    pid = int((store / "nats-server.pid").read_text())
    parent.kill()  # SIGKILL: no cleanup code runs in the parent
    parent.wait()
    deadline = time.monotonic() + 5
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _running(pid)


def _running(pid: int) -> bool:
    try:  # a zombie waiting for its (new) parent to reap it no longer runs
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def test_embedded_server_stops_a_stale_one(tmp_path: Path) -> None:
    store = tmp_path / "nats"
    (store / "ports").mkdir(parents=True)
    cmd = [
        str(nats_server_binary()),
        "-js",
        "-sd",
        str(store / "jetstream"),
        "-a",
        "127.0.0.1",
        "-p",
        "-1",
        "--ports_file_dir",
        str(store / "ports"),
    ]
    stale = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # an orphan's server
    try:
        deadline = time.monotonic() + 5
        while not list((store / "ports").glob("*.ports")) and time.monotonic() < deadline:
            time.sleep(0.01)  # up and holding the store, as a real leftover would be
        (store / "nats-server.pid").write_text(str(stale.pid))
        with EmbeddedNats(store) as server:
            assert stale.poll() is not None  # stopped before ours started on the same store
            assert server.url.startswith("nats://127.0.0.1:")
        assert not (store / "nats-server.pid").exists()
    finally:
        stale.kill()
        stale.wait()


async def test_a_consumer_runs_as_many_handlers_at_once_as_the_bus_workers(
    buses: Callable[[], Awaitable[Bus]],
) -> None:
    """`assay run --concurrency 32` gives the bus 32 workers: 32 handlers must really be in flight together."""
    bus = await buses()
    bus.workers = 32
    inside, most = 0, 0
    everyone = asyncio.Event()

    async def held(env: f.Envelope) -> None:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        if inside == 32:
            everyone.set()
        try:  # each handler waits until all 32 are inside (or gives up, failing the assertion below)
            await asyncio.wait_for(everyone.wait(), timeout=20)
        finally:
            inside -= 1

    bus.consume("wide", f.RunStarted, held)
    await bus.start()
    await bus.publish_many([envelope(i) for i in range(1, 33)])
    await all_acked(bus, "wide_RunStarted", timeout=30)
    assert most == 32


def test_verify_joins_a_running_home_server_instead_of_stopping_it(tmp_path: Path) -> None:
    """`assay verify` reads the bus's witness while a run in the same home has the embedded server up: it asks
    that server, and leaves it running (starting its own would stop the run's as if it were stale)."""
    from adapters.config import Settings
    from app import anchors

    home = tmp_path / ".assay"
    with EmbeddedNats(home / "nats") as server:
        running = server.running_url()
        assert running == server.url
        heads = anchors.witnessed(Settings(home=home, store_url=f"sqlite:///{home / 'x.sqlite'}", nats_url=None))
        assert heads == []  # nothing witnessed yet, and the server was asked
        assert server.running_url() == running  # still the same server, still up
    assert EmbeddedNats(home / "nats").running_url() is None


async def test_nats_gone_before_subscribing_is_bus_unavailable(tmp_path: Path) -> None:
    # Found by bench/chaos.py --external: a service starting while the server restarted crashed with a traceback.
    server = EmbeddedNats(tmp_path / "nats")
    url = server.start()
    bus = Bus(url)
    try:
        await bus.connect()
        bus.consume("late", f.RunStarted, _ignore)
        server.stop()
        with pytest.raises(BusUnavailable, match=f"cannot subscribe on NATS at {url}"):
            await bus.start()
    finally:
        await bus.stop()
        server.stop()


async def _ignore(env: f.Envelope) -> None:
    return None


async def test_nats_without_jetstream_is_bus_unavailable(tmp_path: Path) -> None:
    ports = tmp_path / "ports"
    ports.mkdir()
    cmd = [str(nats_server_binary()), "-a", "127.0.0.1", "-p", "-1", "--ports_file_dir", str(ports)]  # no -js
    plain = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bus: Bus | None = None
    try:
        ports_file = ports / f"nats-server_{plain.pid}.ports"

        def client_url() -> str | None:  # None until the server has written its ports file whole
            try:
                return str(json.loads(ports_file.read_text())["nats"][0])
            except (OSError, ValueError, KeyError, IndexError):
                return None

        await until(lambda: client_url() is not None)
        bus = Bus(str(client_url()))
        with pytest.raises(BusUnavailable, match="is JetStream enabled"):
            await bus.connect()
    finally:
        if bus is not None:
            await bus.stop()
        plain.kill()
        plain.wait()
