"""`assay grade`: any output scored against a rubric file by real judge calls through litellm and the panel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.helpers import ROOT, assay

EXAMPLES = ROOT / "specs" / "examples"
RUBRIC, OUTPUT = EXAMPLES / "support-reply.rubric.toml", EXAMPLES / "support-reply.output.txt"
JUDGES = ["--judge", "local/judge-a", "--judge", "local/judge-b", "--judge", "local/judge-c"]


def grade(tmp_path: Path, *args: str, **env: str) -> tuple[int, dict | None, str]:
    done = assay(tmp_path / ".assay", "grade", *args, **env)
    data = json.loads(done.stdout) if done.returncode == 0 and "--json" in args else None
    return done.returncode, data, done.stderr + done.stdout


def test_grade_scores_each_criterion_with_the_gate_cap_and_subscores(tmp_path: Path) -> None:
    code, data, _ = grade(tmp_path, "--rubric", str(RUBRIC), "--output", str(OUTPUT), *JUDGES, "--json")
    assert code == 0 and data is not None
    rows = data["criteria"]
    assert [r["satisfied"] for r in rows[:6]] == [True, True, True, True, True, False]  # the reply has a "!"
    assert rows[4]["polarity"] == "must-not" and rows[4]["present"] is False  # no refund promised: met
    assert all(r["agreement"] == 1.0 for r in rows[:6])  # crisp rows: every judge agrees
    assert rows[6]["agreement"] < 1.0  # "warm and professional" is taste: the judges split
    met = sum(r["satisfied"] for r in rows)
    assert data["total"] == pytest.approx(met / 7, abs=1e-6) and not data["capped"]
    assert data["by_type"]["outcome"] == 1.0 and data["by_type"]["instruction-following"] == 0.5
    assert set(data["per_judge"]) == {"local/judge-a", "local/judge-b", "local/judge-c"}
    assert data["cost_usd"] > 0
    assert not (tmp_path / ".assay").exists(), "grading writes nothing"


def test_a_missed_gate_criterion_caps_the_total(tmp_path: Path) -> None:
    worse = tmp_path / "worse.txt"
    worse.write_text(OUTPUT.read_text().replace("14 May", "next week"))
    code, data, _ = grade(
        tmp_path, "--rubric", str(RUBRIC), "--output", str(worse), "--judge", "local/judge-a", "--json"
    )
    assert code == 0 and data is not None
    assert data["capped"] and data["total"] == 0.0 and data["raw"] > 0.5
    code, data, _ = grade(
        tmp_path, "--rubric", str(RUBRIC), "--output", str(worse), "--judge", "local/judge-a", "--cap", "0.4", "--json"
    )
    assert data is not None and data["total"] == 0.4


def test_table_output_names_the_total(tmp_path: Path) -> None:
    code, _, text = grade(tmp_path, "--rubric", str(RUBRIC), "--output", str(OUTPUT), *JUDGES)
    assert code == 0 and "total 0.71" in text and "per judge:" in text


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('type = "outcome"', 'type = "result"'), "criterion 3 (line 19): unknown type 'result'"),
        (('polarity = "must-not"', 'polarity = "never"'), "criterion 5 (line 29): unknown polarity 'never'"),
        (
            (
                'criticality = "gate"\n\n[[criteria]]\ntext = "The response cites',
                'criticality = "vital"\n\n[[criteria]]\ntext = "The response cites',
            ),
            "criterion 3 (line 20): unknown criticality 'vital'",
        ),
    ],
)
def test_bad_rubric_rows_are_named(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    bad = tmp_path / "bad.toml"
    text = RUBRIC.read_text()
    assert edit[0] in text
    bad.write_text(text.replace(edit[0], edit[1], 1))
    code, _, out = grade(tmp_path, "--rubric", str(bad), "--output", str(OUTPUT), "--judge", "local/judge-a")
    assert code == 2 and f"{bad}: {message}" in out


def test_other_bad_input(tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("# nothing here\n")
    blank = tmp_path / "blank.txt"
    blank.write_text("  \n")
    cases = [
        (["--rubric", str(empty), "--output", str(OUTPUT)], "no criteria"),
        (["--rubric", str(tmp_path / "missing.toml"), "--output", str(OUTPUT)], "missing.toml: not found"),
        (["--rubric", str(RUBRIC), "--output", str(blank)], "the output to grade is empty"),
    ]
    for args, message in cases:
        code, _, out = grade(tmp_path, *args, "--judge", "local/judge-a")
        assert code == 2 and message in out, out
    code, _, out = grade(
        tmp_path,
        "--rubric",
        str(RUBRIC),
        "--output",
        str(OUTPUT),
        "--judge",
        "local/judge-b",
        ASSAY_PANEL_FAIL_MODEL="judge-b",
    )
    assert code == 2 and "--judge local/judge-b: the model call failed" in out
