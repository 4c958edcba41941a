"""The reflection loop through the real `assay` command: curate the checklist, run, see rates per version."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.helpers import SPEC, assay
from tests.e2e.test_bad_input import _events


def test_checklist_commands_and_rates_per_version(tmp_path: Path) -> None:
    home = tmp_path / ".assay"
    added = assay(home, "checklist", "add", "ground_truth", "State the unit of the answer", "--reviewer", "ana")
    assert added.returncode == 0, added.stderr
    assert "added R1 to the ground_truth checklist by ana (now version 1)" in added.stdout

    # At concurrency 1 the seed fixes the run, its rejections included (seed 1: 3 of the 6); at a higher one,
    # what each draft sees of the checklist, and so what is rejected, depends on timing.
    ran = assay(home, "run", str(SPEC), "--attempts", "6", "--concurrency", "1", "--seed", "1")
    assert ran.returncode == 0, ran.stderr

    status = json.loads(assay(home, "status", "--json").stdout)
    (row,) = status["runs"]
    gt = status["reflection"]["ground_truth"]
    assert gt["checklist"][0] == {
        "id": "R1",
        "text": "State the unit of the answer",
        "count": 0,
        "weight": 0,
        "source": "reviewer",
        "retired": False,
        "edited_by": None,
        "added_by": "ana",
        "retired_by": None,
        "reason": "",
    }
    rates = gt["rates"]
    assert rates and all(r["version"] >= 1 for r in rates)  # every draft was written with the reviewer item
    assert sum(r["drafted"] for r in rates) == row["drafted"]
    assert sum(r["survived"] for r in rates) == row["queued"]
    assert all(r["settled"] == r["survived"] + r["rejected"] for r in rates)
    assert gt["version"] >= rates[-1]["version"]
    text = assay(home, "status").stdout
    assert "Checklist versions" in text and "ground_truth" in text

    observed = [e for e in gt["checklist"] if e["source"] == "observed"]
    assert observed, "rejections became observed items"
    target = observed[0]["id"]
    edited = assay(
        home, "checklist", "edit", "ground_truth", target, "Check the reference answer twice", "--reviewer", "bo"
    )
    assert edited.returncode == 0, edited.stderr
    retired = assay(home, "checklist", "retire", "ground_truth", "R1", "--reason", "obsolete", "--reviewer", "bo")
    assert retired.returncode == 0, retired.stderr
    shown = json.loads(assay(home, "checklist", "--recipe", "ground_truth", "--json").stdout)["ground_truth"]
    entry = next(e for e in shown["checklist"] if e["id"] == target)
    assert (entry["text"], entry["edited_by"], entry["source"]) == (
        "Check the reference answer twice",
        "bo",
        "observed",
    )
    assert shown["checklist"][-1]["id"] == "R1" and shown["checklist"][-1]["retired"]
    assert shown["version"] == gt["version"] + 2
    listing = assay(home, "checklist", COLUMNS="200").stdout
    assert "Check the reference answer twice" in listing and "retired" in listing
    # An observed item's id is its text: printed once. The edited item's id (its counted text) still shows.
    plain = [e for e in shown["checklist"] if e["id"] == e["text"]]
    assert ("(its text)" in listing) == bool(plain) and target in listing
    assert all(line.count(e["text"]) <= 1 for e in plain for line in listing.splitlines())

    rebuilt = json.loads(assay(home, "rebuild", "--json").stdout)
    assert rebuilt["reflection"]["versions"] == len(rates) and rebuilt["checklist"]["reviewer_items"] == 1


def test_bad_checklist_input_fails_clearly(tmp_path: Path) -> None:
    home = tmp_path / ".assay"
    assert assay(home, "checklist", "add", "ground_truth", "State the unit", "--reviewer", "ana").returncode == 0
    before = _events(home)
    for args, message in [
        (("checklist", "add", "poetry", "x", "--reviewer", "ana"), "unknown recipe 'poetry'"),
        (("checklist", "add", "ground_truth", "   ", "--reviewer", "ana"), "must not be empty"),
        (("checklist", "add", "ground_truth", "state THE unit"), "already has an active item"),
        (("checklist", "add", "ground_truth", "x", "--reviewer", " "), "--reviewer '' is not allowed: reviewer names"),
        (("checklist", "edit", "ground_truth", "R5", "x"), "the ground_truth checklist has no item 'R5'"),
        (("checklist", "retire", "ground_truth", "no: such item"), "has no item 'no: such item'"),
        (("checklist", "--recipe", "poetry"), "unknown recipe 'poetry'"),
    ]:
        result = assay(home, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr
    assert _events(home) == before
