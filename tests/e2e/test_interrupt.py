"""Ctrl-C (SIGINT to the whole process group, as a terminal sends it) stops `assay run` and `assay resume` promptly
with exit 130 and a line saying how to continue; nothing recorded is lost and `assay resume` finishes the run.

The bounds on how long a command may take to exit are generous (the target is two seconds): a loaded machine
must not fail the test, while a command that ignores the signal still does."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

from adapters.ledger import iter_envelopes, open_ledger
from domain import facts as f
from tests.e2e.helpers import ASSAY, SPEC, assay, env_for
from tests.e2e.test_crash_safety import _candidates

EXIT_BOUND = 10.0  # seconds from SIGINT to exit


def _facts(home: Path) -> list[f.Envelope]:
    ledger = open_ledger(f"sqlite:///{home / 'ledger.sqlite'}")
    return list(iter_envelopes(ledger))


def _start(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(ASSAY), *args],
        env=env_for(home, ASSAY_PANEL_LATENCY_MS="150"),
        cwd=home.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a group of its own: the test signals it as a terminal signals its foreground
    )


def _interrupt(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    """SIGINT to the command's process group; its exit code and output, failing if it takes too long."""
    os.killpg(proc.pid, signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=EXIT_BOUND)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"still running {EXIT_BOUND} s after SIGINT: {out[-500:]} {err[-500:]}") from None
    return proc.returncode, out, err


def _wait_for_candidates(home: Path, proc: subprocess.Popen[str], at_least: int) -> None:
    deadline = time.monotonic() + 120
    while _candidates(home / "ledger.sqlite") < at_least:
        assert proc.poll() is None, f"ended before it could be interrupted: {proc.communicate()}"
        assert time.monotonic() < deadline, "nothing was drafted"
        time.sleep(0.05)


def test_ctrl_c_stops_run_and_resume_and_the_run_can_be_finished(tmp_path: Path) -> None:
    home = tmp_path / ".assay"
    proc = _start(home, "run", str(SPEC), "--attempts", "16", "--concurrency", "4", "--quiet")
    _wait_for_candidates(home, proc, 3)
    code, out, err = _interrupt(proc)
    before = _facts(home)
    run_id = next(e.fact.run_id for e in before if isinstance(e.fact, f.RunStarted))
    assert code == 130, err
    assert f"run {run_id} interrupted; continue it with: assay resume {run_id}" in out
    assert "Traceback" not in err and not any(isinstance(e.fact, f.RunCompleted) for e in before)
    verified = assay(home, "verify")
    assert verified.returncode == 0 and "ledger intact" in verified.stdout, verified.stdout + verified.stderr

    # Interrupting the resume leaves the run resumable too (unless it finished first: then it completed).
    again = _start(home, "resume", run_id, "--quiet")
    _wait_for_candidates(home, again, len({e.originator_id for e in before if isinstance(e.fact, f.Drafted)}) + 1)
    code, out, err = _interrupt(again)
    assert code in (0, 130) and "Traceback" not in err, err
    if code == 130:
        assert f"continue it with: assay resume {run_id}" in out

    finished = assay(home, "resume", run_id, "--quiet", timeout=240)
    assert finished.returncode == 0, finished.stderr + finished.stdout
    after = _facts(home)
    assert after[: len(before)] == before, "recorded facts were altered"
    pulls = [e.fact for e in after if isinstance(e.fact, f.LeverPulled)]
    assert sorted(p.index for p in pulls) == list(range(16)), "every pull exactly once"
    settled = Counter(e.fact.candidate_id for e in after if isinstance(e.fact, f.CandidateSettled))
    assert set(settled) == {p.candidate_id for p in pulls} and set(settled.values()) == {1}
    assert sum(isinstance(e.fact, f.RunCompleted) for e in after) == 1
    assert assay(home, "verify").returncode == 0


def test_ctrl_c_before_the_run_starts_records_nothing(tmp_path: Path) -> None:
    home = tmp_path / ".assay"
    # Loading the command line, the spec and the models, and checking them, take seconds; wherever in that the
    # signal lands, the command says it was interrupted and exits 130, and nothing is recorded.
    proc = _start(home, "run", str(SPEC), "--attempts", "4")
    time.sleep(1.0)
    code, out, err = _interrupt(proc)
    assert code == 130 and "interrupted" in err and len(err.strip().splitlines()) == 1, err
    assert not (home / "ledger.sqlite").exists() or not _facts(home)
