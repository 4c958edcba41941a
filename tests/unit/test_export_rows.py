"""The flat export rows and the all-or-nothing writers, without a ledger."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from app.export import ExportError, render
from app.export.atomic import write_file, write_folder
from app.export.rows import NAMES, row, rows


def point(position: int, recipe: str = "ground_truth", **payload: object) -> dict:
    return {
        "candidate_id": f"c{position}",
        "recipe": recipe,
        "run_id": "r1",
        "spec_name": "s",
        "index": position,
        "coordinate": {"topic": "t"},
        "payload": payload or {"prompt": "2 + 2?", "answer": 4.0},
        "difficulty": None,
        "receipts": {"calls": 2, "prompt_tokens": 3, "completion_tokens": 4, "tokens": 7, "cost_usd": 0.5},
        "verdict": "approve",
        "reviewer": "ana",
        "position": position,
        "approved_at": "2026-01-01T00:00:00+00:00",
    }


def test_rows_are_flat_ordered_and_pure() -> None:
    points = [point(9), point(3, answer={"b": 1, "a": [2]}, prompt="json?"), point(5, "new_recipe", text="x")]
    out = rows(points)
    assert [r["id"] for r in out] == ["c3", "c5", "c9"] and all(list(r) == list(NAMES) for r in out)
    assert out[0]["target"] == '{"a": [2], "b": 1}' and out[2]["target"] == "4"  # 4.0 reads as 4
    assert json.loads(out[1]["input"]) == {"text": "x"} and out[1]["target"] == ""  # an unknown recipe still fits
    assert out[2]["band"] is None and out[2]["panel_models"] == [] and out[2]["pass_at_k"] == "{}"
    assert out[2]["models"] == [] and out[2]["tokens"] == 7
    assert rows(points) == out and row(points[0]) == out[2]


def test_render_refuses_empty_and_unknown() -> None:
    with pytest.raises(ExportError, match="no approved points to export"):
        render("parquet", [])
    with pytest.raises(ExportError, match="unknown export format 'xml'; supported: jsonl, parquet, hf, inspect"):
        render("xml", [point(1)])
    assert render("parquet", [point(1)]) == render("parquet", [point(1)])


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.parquet"
    target.write_bytes(b"old")
    folder = tmp_path / "hf"
    write_folder(folder, {"README.md": b"card", "data/x.parquet": b"1"})

    def broken(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(ExportError, match="cannot write .*out.parquet: No space left on device"):
        write_file(target, b"new")
    with pytest.raises(ExportError, match="No space left on device"):
        write_folder(folder, {"README.md": b"new card", "data/x.parquet": b"2"})
    monkeypatch.undo()
    assert target.read_bytes() == b"old" and (folder / "README.md").read_bytes() == b"card"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hf", "out.parquet"]
