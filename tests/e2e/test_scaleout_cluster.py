"""Scale-out on a real 3-node cluster (bench/scaleout.py's chaos pass, small): a fresh nats-server cluster from
deploy/nats/nats-cluster.conf with the R3 stream, a PostgreSQL database of its own, a control process, two worker
processes (each with an orchestrator and a relay, so three of each run) and two gating replicas; one gating
replica and one NATS node are SIGKILLed mid-run. Then: every pull made once, every candidate terminal and settled
once (no loss, no duplicates), the stream = the ledger, `assay verify` intact, one "lever pulled" line per pull."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_ADMIN_URL
from tests.e2e.helpers import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from scaleout_trial import postgres_problem  # noqa: E402


def test_chaos_on_a_three_node_cluster_loses_and_doubles_nothing(tmp_path: Path) -> None:
    if why := postgres_problem(POSTGRES_ADMIN_URL):
        pytest.skip(why)
    argv = [sys.executable, str(ROOT / "bench" / "scaleout.py"), "--chaos-only", "--attempts", "24"]
    argv += ["--latency-ms", "50", "--ack-wait", "3", "--postgres", POSTGRES_ADMIN_URL, "--json"]
    done = subprocess.run(
        argv,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}, "TMPDIR": str(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    [chaos] = report["passes"]
    assert chaos["passed"] and not chaos["problems"], chaos
    assert len(chaos["killed"]) == 2, chaos  # a gating replica and a NATS node, both while the run was going
    assert chaos["events"] > 0
    assert report["kept"] is None and not list(tmp_path.glob("assay-scaleout-*")), "a passed run leaves nothing"
