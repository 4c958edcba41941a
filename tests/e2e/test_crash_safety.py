"""SIGKILL `assay run` mid-run against a real nats-server and SQLite file; `assay resume` finishes it."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

from domain import facts as f
from services.ledger import iter_envelopes, open_ledger
from tests.e2e.helpers import ASSAY, SPEC, assay, env_for


def _facts(store: str) -> list[f.Envelope]:
    ledger = open_ledger(store)
    return list(iter_envelopes(ledger))


def _stream_count(home: Path) -> int:
    from services.bus import Bus
    from services.nats_embedded import EmbeddedNats

    async def count() -> int:
        server = EmbeddedNats(home / "nats")
        url = await asyncio.to_thread(server.start)
        try:
            bus = Bus(url)
            await bus.connect()
            info = await bus.js.stream_info("ASSAY")
            await bus.stop()
            return int(info.state.messages)
        finally:
            await asyncio.to_thread(server.stop)

    return asyncio.run(count())


def test_killed_run_resumes_without_losing_or_doubling(tmp_path: Path) -> None:
    home = tmp_path / ".assay"
    store = f"sqlite:///{home / 'ledger.sqlite'}"
    proc = subprocess.Popen(
        [str(ASSAY), "run", str(SPEC), "--attempts", "16", "--concurrency", "4", "--quiet"],
        env=env_for(home, ASSAY_PANEL_LATENCY_MS="40", ASSAY_ACK_WAIT="5"),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            time.sleep(0.2)
            if (home / "ledger.sqlite").exists():
                tags = Counter(f.tag_of(e.fact) for e in _facts(store))
                if tags["Drafted"] + tags["DraftFailed"] >= 5 and tags["RunCompleted"] == 0:
                    break
        assert proc.poll() is None, f"run ended before it could be killed: {proc.communicate()}"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    before = _facts(store)
    run_id = next(e.fact.run_id for e in before if isinstance(e.fact, f.RunStarted))
    assert not any(isinstance(e.fact, f.RunCompleted) for e in before)

    resumed = assay(home, "resume", run_id, "--quiet", timeout=240, ASSAY_ACK_WAIT="5")
    assert resumed.returncode == 0, resumed.stderr + resumed.stdout

    after = _facts(store)
    assert after[: len(before)] == before, "recorded facts were altered"
    pulls = [e.fact for e in after if isinstance(e.fact, f.LeverPulled)]
    assert sorted(p.index for p in pulls) == list(range(16)), "every pull exactly once"
    created = Counter(e.originator_id for e in after if isinstance(e.fact, (f.Drafted, f.DraftFailed)))
    assert set(created) == {p.candidate_id for p in pulls}
    assert set(created.values()) == {1}, "one candidate per lever pull"
    terminal = {e.originator_id for e in after if isinstance(e.fact, (f.Queued, f.Rejected))}
    assert terminal == set(created), "every candidate reached the queue or an honest reject"
    settled = Counter(e.fact.candidate_id for e in after if isinstance(e.fact, f.CandidateSettled))
    assert set(settled) == set(created) and set(settled.values()) == {1}
    assert sum(isinstance(e.fact, f.RunCompleted) for e in after) == 1
    # The relay published every ledger event to JetStream exactly once (dedupe by event id).
    assert _stream_count(home) == len(after)
