"""A third-party recipe, found only through its entry points, runs through the same harness end to end."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.e2e.helpers import ROOT, assay

PLUGIN = ROOT / "tests" / "plugin_example"


def _with_plugin() -> dict[str, str]:
    return {"PYTHONPATH": os.pathsep.join([str(PLUGIN), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}


def test_plugin_recipe_runs_to_the_review_queue(tmp_path: Path) -> None:
    home = tmp_path / ".assay"
    # At concurrency 1 the seed fixes the run (at a higher one, the novelty gate's rejects of repeated words
    # depend on which drafts came first): seed 1 queues 7 of the 8.
    args = ["--attempts", "8", "--concurrency", "1", "--seed", "1"]
    ran = assay(home, "run", str(PLUGIN / "reverse.toml"), *args, **_with_plugin())
    assert ran.returncode == 0, ran.stderr
    row = json.loads(assay(home, "status", "--json", **_with_plugin()).stdout)["runs"][0]
    assert row["recipe"] == "reverse_word" and row["attempts"] == 8
    assert row["queued"] == 7 and row["queued"] + row["rejected"] == 8
    assert set(row["rejects_by_gate"]) <= {"author", "construct", "novelty", "difficulty", "final"}

    queue = json.loads(assay(home, "queue", "--json", **_with_plugin()).stdout)
    shown = assay(home, "show", queue[0]["candidate_id"], **_with_plugin())
    assert shown.returncode == 0 and "Reverse the word" in shown.stdout
    facts = json.loads(assay(home, "show", queue[0]["candidate_id"], "--json", **_with_plugin()).stdout)["facts"]
    gates = [fact["gate"] for fact in facts if fact["type"] == "GatePassed"]
    assert gates == ["construct", "novelty", "difficulty", "final"]

    started = json.loads(assay(home, "show", row["run_id"], "--json", **_with_plugin()).stdout)
    first = started["facts"][0]
    assert first["type"] == "RunStarted" and first["recipe_args"] == {"uppercase": False}


def test_without_the_plugin_the_spec_names_an_unknown_recipe(tmp_path: Path) -> None:
    ran = assay(tmp_path / ".assay", "run", str(PLUGIN / "reverse.toml"), "--attempts", "1")
    assert ran.returncode == 2
    assert "unknown recipe 'reverse_word'; known recipes: agent_step, ground_truth, rubric" in ran.stderr
