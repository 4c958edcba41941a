"""A new user's path through the real `assay` command: run, status, queue, show, review, export."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.helpers import SPEC, assay


def test_run_review_export(tmp_path: Path) -> None:
    home = tmp_path / ".assay"
    # At concurrency 1 the seed fixes the run (tests/e2e/test_reproducible_run.py): seed 1 queues 4 of the 8
    # and rejects the rest. Which and how many are queued at a higher concurrency is up to scheduling.
    ran = assay(home, "run", str(SPEC), "--attempts", "8", "--concurrency", "1", "--seed", "1")
    assert ran.returncode == 0, ran.stderr
    text = " ".join(ran.stdout.split())
    assert "completed: attempts done (8/8)" in text and "seed 1" in text and "rejects by gate" in text

    status = json.loads(assay(home, "status", "--json").stdout)
    (row,) = status["runs"]
    assert row["attempts"] == 8 and row["queued"] + row["rejected"] == 8
    assert sum(row["rejects_by_gate"].values()) == row["rejected"]
    assert row["cost_usd"] > 0 and row["calls"] > 12

    queue = json.loads(assay(home, "queue", "--json").stdout)
    assert len(queue) == row["queued"] == 4
    first, second = queue[0]["candidate_id"], queue[1]["candidate_id"]

    shown = json.loads(assay(home, "show", first[:8], "--json").stdout)
    tags = [fact["type"] for fact in shown["facts"]]
    assert tags[0] == "Drafted" and tags[-1] == "Queued" and "Probed" in tags
    receipts = [r for fact in shown["facts"] for r in fact.get("receipts", [])]
    assert len(receipts) >= 1 + 15  # the author's call and the probe's 3 models x 5 samples at least
    assert all(r["model"].startswith("local/") and len(r["prompt_sha256"]) == 64 for r in receipts)
    assert all(r["cost_usd"] > 0 and r["latency_ms"] >= 0 and r["prompt_tokens"] > 0 for r in receipts)

    assert assay(home, "review", first, "--approve", "--reviewer", "ana").returncode == 0
    assert assay(home, "review", second, "--reject", "--reason", "too wordy", "--reviewer", "ana").returncode == 0
    again = assay(home, "review", first, "--reject", "--reason", "changed my mind")
    assert again.returncode != 0 and "already decided: approve by ana" in again.stderr

    exported = assay(home, "export", "--format", "jsonl")
    assert exported.returncode == 0, exported.stderr
    points = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [p["candidate_id"] for p in points] == [first]
    assert points[0]["difficulty"]["band"] == "discriminating" and points[0]["reviewer"] == "ana"

    after = json.loads(assay(home, "status", "--json").stdout)["runs"][0]
    assert (after["approved"], after["declined"]) == (1, 1)


def test_demo_runs_to_the_review_queue(tmp_path: Path) -> None:
    # The demo runs 8 candidates at once, so how many it queues and rejects is up to scheduling: check that
    # every pull settled and that what it prints, the status and the queue agree.
    home = tmp_path / ".assay"
    ran = assay(home, "demo", "--attempts", "24")
    assert ran.returncode == 0, ran.stderr
    text = " ".join(ran.stdout.split())
    row = json.loads(assay(home, "status", "--json").stdout)["runs"][0]
    assert row["spec_name"] == "arithmetic" and row["status"] == "completed" and row["in_flight"] == 0
    assert row["attempts"] == 24 and row["queued"] + row["rejected"] == 24
    assert sum(row["rejects_by_gate"].values()) == row["rejected"]
    assert "completed: attempts done (24/24)" in text
    assert f"queued for review {row['queued']}, rejected {row['rejected']}" in text
    assert ("rejects by gate" in text) == (row["rejected"] > 0)  # the table, when there is something to show
    assert len(json.loads(assay(home, "queue", "--json").stdout)) == row["queued"]  # each queued point waits


def test_run_and_resume_json(tmp_path: Path) -> None:
    # Seed 1 at concurrency 1 queues 4 of 8 (see above). --json prints one object and nothing else on stdout.
    home = tmp_path / ".assay"
    ran = assay(home, "run", str(SPEC), "--attempts", "8", "--concurrency", "1", "--seed", "1", "--json")
    assert ran.returncode == 0, ran.stderr
    out = json.loads(ran.stdout)
    assert (out["spec"], out["recipe"], out["seed"]) == ("arithmetic", "ground_truth", 1)
    assert out["policy"] == {"mode": "attempts", "target": 8, "concurrency": 1, "max_cost": None, "max_attempts": None}
    assert (out["status"], out["reason"]) == ("completed", "attempts done (8/8)")
    assert (out["attempts"], out["queued"], out["rejected"], out["in_flight"]) == (8, 4, 4, 0)
    assert (out["model_errors"], out["unusable"]) == (0, 0) and out["cost_usd"] > 0
    gates = out["rejects_by_gate"]
    assert sum(g["count"] for g in gates.values()) == out["rejected"]
    assert all(g["count"] >= 1 and g["most_common_reason"] for g in gates.values())

    (row,) = json.loads(assay(home, "status", "--json").stdout)["runs"]
    assert row["run_id"] == out["run_id"] and row["rejects_by_gate"] == {k: g["count"] for k, g in gates.items()}
    assert row["cost_usd"] == out["cost_usd"]

    again = assay(home, "resume", out["run_id"], "--json")  # a completed run: nothing to do, the same summary
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == out
