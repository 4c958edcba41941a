"""bench/validity.py end to end: the real `assay run` with its planted-flaw author, then the tally."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_bench_accounts_for_every_planted_draft() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "validity.py"), "--attempts", "40", "--concurrency", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    families = report["families"]
    assert set(families) == {
        "wrong_reference",
        "lenient_grader",
        "leak",
        "ambiguity",
        "renamed_duplicate",
        "one_renamed_duplicate",
        "paraphrase_duplicate",
    }
    planted = 0
    for name, row in families.items():
        # Every planted draft lands in exactly one column.
        assert row["planted"] == row["caught_by_meant_gate"] + row["caught_other"] + row["escaped"] + row["moot"], name
        assert row["repaired"] <= row["caught_by_meant_gate"] + row["caught_other"], name
        assert sum(row["gates"].values()) == row["caught_by_meant_gate"] + row["caught_other"], name
        planted += row["planted"]
    clean = report["clean"]
    assert clean["drafts"] == clean["queued"] + clean["rejected_difficulty"] + clean["false_rejects"]
    assert 0 < planted and 0 < clean["drafts"]
    assert planted + clean["drafts"] + clean["template_repeats"] <= 40
    assert set(report["targets"]) == {"every_family_caught", "clean_false_rejects", "template_duplicate_pairs"}
    assert report["queued"] >= clean["queued"]
