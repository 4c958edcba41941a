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
    ran = assay(home, "run", str(PLUGIN / "reverse.toml"), "--attempts", "12", "--concurrency", "4", **_with_plugin())
    assert ran.returncode in (0, 3), ran.stderr
    row = json.loads(assay(home, "status", "--json", **_with_plugin()).stdout)["runs"][0]
    assert row["recipe"] == "reverse_word" and row["attempts"] == 12
    assert row["queued"] >= 2 and row["queued"] + row["rejected"] == 12
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
