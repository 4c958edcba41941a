"""A new user's path through the real `assay` command: run, status, queue, show, review, export."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.helpers import SPEC, assay


def test_run_review_export(tmp_path: Path) -> None:
    home = tmp_path / ".assay"
    ran = assay(home, "run", str(SPEC), "--attempts", "30", "--concurrency", "6")
    assert ran.returncode == 0, ran.stderr
    assert "completed: attempts done (30/30)" in " ".join(ran.stdout.split())

    status = json.loads(assay(home, "status", "--json").stdout)
    (row,) = status["runs"]
    assert row["attempts"] == 30 and row["queued"] + row["rejected"] == 30
    assert sum(row["rejects_by_gate"].values()) == row["rejected"]
    assert row["cost_usd"] > 0 and row["calls"] > 12

    queue = json.loads(assay(home, "queue", "--json").stdout)
    assert len(queue) == row["queued"] >= 2
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
    home = tmp_path / ".assay"
    ran = assay(home, "demo", "--attempts", "24")
    assert ran.returncode == 0, ran.stderr
    text = " ".join(ran.stdout.split())
    assert "completed: attempts done (24/24)" in text and "rejects by gate" in text
    row = json.loads(assay(home, "status", "--json").stdout)["runs"][0]
    assert row["spec_name"] == "arithmetic" and row["queued"] + row["rejected"] == 24
    assert json.loads(assay(home, "queue", "--json").stdout), "the demo leaves points waiting for review"
