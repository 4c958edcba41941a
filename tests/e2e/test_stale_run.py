"""A run left "running" by a SIGKILL never blocks a later command (the audit's case: a million-attempt run).

Before, the next process's orchestrator took the killed run's redelivered work and computed the coordinates of
its whole target in the event loop, so a later `assay run` or `assay resume` in that home never finished. Now a
new run completes, `assay status` shows the killed run as interrupted (nothing can be working on it with the
embedded defaults) and `assay resume` picks up its work at once rather than after the bus's ack_wait."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from domain.ids import run_uuid
from tests.e2e.helpers import SPEC, assay
from tests.e2e.test_interrupt import _interrupt, _start, _wait_for_candidates


def _pulls(home: Path, run_id: str) -> int:
    """The killed run's lever pulls recorded so far (one cheap query while a command runs)."""
    with closing(sqlite3.connect(f"file:{home / 'ledger.sqlite'}?mode=ro", uri=True, timeout=5)) as db:
        rows = db.execute(
            "SELECT state FROM stored_events WHERE topic = 'domain.run:Run.Recorded' AND originator_id = ?",
            (run_uuid(run_id).hex,),
        ).fetchall()
    return sum(b'"assay.LeverPulled"' in bytes(state) for (state,) in rows)


def test_a_killed_run_blocks_neither_a_new_run_nor_its_resume(tmp_path: Path) -> None:
    home = tmp_path / ".assay"
    killed = _start(home, "run", str(SPEC), "--attempts", "1000000", "--concurrency", "4", "--quiet")
    _wait_for_candidates(home, killed, 3)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait(timeout=10)
    stale = json.loads(assay(home, "status", "--json").stdout)["runs"][0]
    assert stale["status"] == "interrupted" and f"assay resume {stale['run_id']}" in stale["reason"]

    # A hang shows as the subprocess timeout; the run itself takes seconds.
    fresh = assay(home, "run", str(SPEC), "--attempts", "3", "--concurrency", "2", "--quiet", "--json", timeout=120)
    assert fresh.returncode == 0, fresh.stderr
    assert json.loads(fresh.stdout)["status"] == "completed"

    before = _pulls(home, stale["run_id"])
    resumed = _start(home, "resume", stale["run_id"], "--quiet")
    deadline = time.monotonic() + 120
    while _pulls(home, stale["run_id"]) <= before + 4:  # more than one window of pulls: the run moves again
        assert resumed.poll() is None, resumed.communicate()
        assert time.monotonic() < deadline, "the resumed run made no progress"
        time.sleep(0.1)
    code, out, err = _interrupt(resumed)
    assert code == 130 and f"continue it with: assay resume {stale['run_id']}" in out, err
    assert assay(home, "verify").returncode == 0
