"""SIGKILL `assay run` mid-run against a real nats-server and SQLite file; `assay resume` finishes it."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

from adapters.ledger import iter_envelopes, open_ledger
from domain import facts as f
from tests.e2e.helpers import ASSAY, SPEC, assay, env_for


def _facts(store: str) -> list[f.Envelope]:
    ledger = open_ledger(store)
    return list(iter_envelopes(ledger))


def _candidates(path: Path) -> int:
    """How many candidates the ledger file holds so far (0 while it is being created)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
            row = db.execute("SELECT count(*) FROM stored_events WHERE topic = 'domain.candidate:Candidate.Started'")
            return int(row.fetchone()[0])
    except sqlite3.OperationalError:  # no file or no table yet
        return 0


def _stream_count(home: Path) -> int:
    from adapters.bus import Bus
    from adapters.nats_embedded import EmbeddedNats

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
    # Each model call takes 150 ms, so the 13 candidates after the third take seconds at concurrency 4: the kill
    # lands mid-run on any machine. The check below is one cheap query, watching candidates appear.
    proc = subprocess.Popen(
        [str(ASSAY), "run", str(SPEC), "--attempts", "16", "--concurrency", "4", "--quiet"],
        env=env_for(home, ASSAY_PANEL_LATENCY_MS="150", ASSAY_ACK_WAIT="5"),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while _candidates(home / "ledger.sqlite") < 3 and proc.poll() is None:
            assert time.monotonic() < deadline, "the run drafted nothing"
            time.sleep(0.05)
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
