"""bench/chaos.py as a smoke test: two short trials (kill `assay run` mid-run, resume, check) both pass."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.helpers import ROOT


def test_chaos_bench_two_trials_pass(tmp_path: Path) -> None:
    # The bench starts its own runs in its own temp homes (under TMPDIR here) and stops every process it started.
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "chaos.py"), "--trials", "2", "--attempts", "4", "--json"],
        env={**{k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}, "TMPDIR": str(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert (report["trials"], report["passed"], report["failed"]) == (2, 2, 0), report
    assert all(t["run_id"] and not t["problems"] for t in report["results"]), report
    assert report["kept"] is None and not list(tmp_path.glob("assay-chaos-*")), "passed trials leave nothing behind"
