"""Downstream subscribers: the example consumer, on a real nats-server, gets exactly the accepted points, once each.

A real run goes through the services; some points are approved (one edited), one is rejected; the example
consumer runs as a subprocess. Then, with the services stopped, more verdicts are recorded (as `assay review`
does), the services start again, and the restarted consumer receives only the new points.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from uuid import UUID, uuid4

import nats
import pytest

from adapters.config import Settings
from adapters.ledger import AssayLedger, iter_envelopes
from app.runtime import Runtime
from domain import facts as f
from domain.ids import run_uuid
from domain.published import SCHEMA_V1, AcceptedPointV1, decode
from domain.run import Run
from domain.spec import parse_spec, spec_to_dict
from services.publisher import POINTS_STREAM
from tests.e2e.helpers import ROOT, SPEC

CONSUMER = ROOT / "examples" / "accepted_points_consumer.py"
pytestmark = pytest.mark.timeout(120)


async def _queued(runtime: Runtime, target: int) -> list[str]:
    """Run the spec until ``target`` candidates wait for review; their ids in pull order."""
    spec = parse_spec(SPEC.read_text(), str(SPEC))
    run_id = uuid4().hex[:12]
    fact = f.RunStarted(
        run_id=run_id,
        spec_name=spec.name,
        recipe=spec.recipe,
        spec=spec_to_dict(spec),
        policy=f.Policy(mode="until_accepted", target=target, concurrency=4),
        seed=spec.seed,
    )
    await runtime.store.save(Run.start(run_uuid(run_id), fact))
    async with asyncio.timeout(60):
        while (run := await runtime.store.run(run_uuid(run_id))).completed is None:
            await asyncio.sleep(0.05)
    by_index = {p.candidate_id: i for i, p in run.pulls.items()}
    return sorted((s.candidate_id for s in run.settled.values() if s.outcome == "queued"), key=by_index.get)


def _decide(ledger: AssayLedger, cid: str, verdict: str, payload: dict | None = None) -> None:
    """Record a verdict straight in the ledger, as `assay review` does."""
    candidate = ledger.repository.get(UUID(cid))
    candidate.give_verdict(f.VerdictGiven(verdict=verdict, reviewer="ana", reason="", payload=payload))  # type: ignore[arg-type]
    ledger.save(candidate)


async def _msg_ids(url: str) -> list[str]:
    """The Nats-Msg-Id of every message on the points stream, with its body's candidate id checked against it."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        state = (await js.stream_info(POINTS_STREAM)).state
        msgs = [await js.get_msg(POINTS_STREAM, seq) for seq in range(state.first_seq, state.last_seq + 1)]
    finally:
        await nc.close()
    assert all(decode(m.data).candidate_id == m.headers["Nats-Msg-Id"] for m in msgs)
    return [m.headers["Nats-Msg-Id"] for m in msgs]


async def _on_stream(url: str, ledger: AssayLedger) -> int:
    """Wait until everything is published: the bus holds every ledger event (stream = ledger) and the publisher
    has acked every verdict, so no point is still on its way. Return how many points the stream holds then."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        events = ledger.recorder.max_notification_id() or 0
        async with asyncio.timeout(30):
            while True:
                relayed = (await js.stream_info("ASSAY")).state.messages
                publisher = await js.consumer_info("ASSAY", "publisher_VerdictGiven")
                if relayed == events and publisher.num_pending == 0 and publisher.num_ack_pending == 0:
                    return (await js.stream_info(POINTS_STREAM)).state.messages
                await asyncio.sleep(0.05)
    finally:
        await nc.close()


def _consume(url: str, durable: str, out: Path) -> list[str]:
    """Run the example consumer until idle; the candidate ids it reported as new."""
    done = subprocess.run(
        [
            sys.executable,
            str(CONSUMER),
            "--nats-url",
            url,
            "--durable",
            durable,
            "--out",
            str(out),
            "--idle-exit",
            "1.5",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return [line.split()[1] for line in done.stdout.splitlines() if line.startswith("point ")]


def _lines(out: Path) -> list[AcceptedPointV1]:
    return [decode(line) for line in out.read_text().splitlines()]


async def test_consumer_gets_each_accepted_point_once(tmp_path: Path, sqlite_url: str, nats_url: str) -> None:
    settings = Settings(home=tmp_path, store_url=sqlite_url, nats_url=nats_url)
    out = tmp_path / "points.jsonl"
    runtime = Runtime(settings)
    await runtime.start()
    try:
        c = await _queued(runtime, target=5)
        assert len(c) >= 5
        edited = {**(await runtime.store.candidate(c[1])).payload, "note": "edited by ana"}
        _decide(runtime.ledger, c[0], "approve")
        _decide(runtime.ledger, c[1], "edit", edited)
        _decide(runtime.ledger, c[2], "reject")
        assert await _on_stream(nats_url, runtime.ledger) == 2
        # A redelivered verdict republishes the point: the stream's dedupe (Nats-Msg-Id) drops it.
        verdict = next(
            e for e in iter_envelopes(runtime.ledger) if isinstance(e.fact, f.VerdictGiven) and e.originator_id == c[0]
        )
        await runtime.publisher.on_verdict(verdict)
        assert await _on_stream(nats_url, runtime.ledger) == 2
    finally:
        await runtime.stop()

    first = await asyncio.to_thread(_consume, nats_url, "trainer", out)
    assert sorted(first) == sorted(c[:2])
    points = {p.candidate_id: p for p in _lines(out)}
    assert set(points) == set(c[:2]) and len(_lines(out)) == 2
    assert points[c[0]].verdict == "approve" and points[c[1]].verdict == "edit"
    assert points[c[1]].payload == edited and points[c[0]].payload != edited
    for p in points.values():
        assert p.schema == SCHEMA_V1 and p.spec == "arithmetic" and p.recipe == "ground_truth" and p.reviewer == "ana"
        assert p.difficulty is not None and p.difficulty.band == "discriminating" and p.difficulty.pass_at_k
        assert p.receipts.calls > 1 and p.receipts.tokens > 0 and p.receipts.cost_usd > 0 and p.receipts.models

    # Verdicts recorded while nothing runs are published when the services start again.
    _decide(runtime.ledger, c[3], "approve")
    _decide(runtime.ledger, c[4], "approve")
    runtime.ledger.close()
    again = Runtime(settings)
    await again.start()
    try:
        assert await _on_stream(nats_url, again.ledger) == 4
    finally:
        await again.stop()
        again.ledger.close()

    second = await asyncio.to_thread(_consume, nats_url, "trainer", out)
    assert sorted(second) == sorted(c[3:5])  # the restarted consumer continues where it stopped
    ids = [p.candidate_id for p in _lines(out)]
    assert sorted(ids) == sorted([c[0], c[1], c[3], c[4]]) and len(set(ids)) == len(ids)

    assert sorted(await _msg_ids(nats_url)) == sorted(ids)

    # A consumer replaying the whole stream into the same file (say, after the dedupe window) adds nothing.
    assert await asyncio.to_thread(_consume, nats_url, "replay", out) == []
    assert len(_lines(out)) == 4
    assert all(json.loads(line)["schema"] == SCHEMA_V1 for line in out.read_text().splitlines())
