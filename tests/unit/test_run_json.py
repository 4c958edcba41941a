"""`assay run --json`'s object and exit code for the ends an end-to-end run cannot cheaply reach: an interrupted
run (Ctrl-C) and a run whose model failed."""

from __future__ import annotations

import json

import pytest

from cli.run_cmds import _run_json
from domain import facts as f
from domain.ids import run_uuid
from domain.run import Run


def _run(settled: list[f.CandidateSettled], pulls: int) -> Run:
    fact = f.RunStarted(run_id="r1", spec_name="arith", recipe="ground_truth", spec={}, policy=f.Policy(), seed=7)
    run = Run.start(run_uuid("r1"), fact)
    for i in range(pulls):
        run.pull(i, f"c{i}", {})
    for s in settled:
        run.settle(s)
    return run


def test_an_interrupted_run_is_status_interrupted_and_exit_130(capsys: pytest.CaptureFixture[str]) -> None:
    run = _run([f.CandidateSettled(candidate_id="c0", outcome="queued", cost_usd=0.5)], pulls=2)
    assert _run_json(run) == 130
    out, err = capsys.readouterr()
    got = json.loads(out)
    assert (got["status"], got["reason"]) == ("interrupted", None)
    assert (got["attempts"], got["queued"], got["in_flight"]) == (2, 1, 1)
    assert got["policy"]["mode"] == "attempts" and got["seed"] == 7 and got["cost_usd"] == 0.5
    assert "assay resume r1" in err  # the hint goes to stderr, never into the JSON


def test_a_model_failure_counts_and_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    settled = [
        f.CandidateSettled(candidate_id="c0", outcome="rejected", gate="oracle", reason="timeout", cause="model_error"),
        f.CandidateSettled(candidate_id="c1", outcome="rejected", gate="oracle", reason="timeout", cause="model_error"),
        f.CandidateSettled(
            candidate_id="c2", outcome="rejected", gate="author", reason="junk", cause="unusable_output"
        ),
    ]
    run = _run(settled, pulls=3)
    run.complete("attempts done (3/3)")
    assert _run_json(run) == 3
    out, err = capsys.readouterr()
    got = json.loads(out)
    assert (got["status"], got["model_errors"], got["unusable"], got["rejected"]) == ("completed", 2, 1, 3)
    assert got["rejects_by_gate"] == {
        "oracle": {"count": 2, "most_common_reason": "timeout"},
        "author": {"count": 1, "most_common_reason": "junk"},
    }
    assert "2 attempts hit a model error" in err
