"""bench/validity.py measures the gates on wording they were never tuned to: none of its planted sentences may
appear in the gates' or the panel's code."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import validity_author  # noqa: E402

SOURCES = ("domain", "recipes", "panel", "projections", "adapters", "services", "app", "cli", "web")


def source_text(root: Path) -> str:
    """Everything the gates and the panel are made of, lower-cased, whitespace collapsed, and adjacent string
    literals joined (a sentence split over two lines of source is still that sentence)."""
    files = [p for d in SOURCES for p in (root / d).rglob("*") if p.suffix in (".py", ".toml", ".md", ".j2", ".html")]
    text = " ".join(" ".join(p.read_text(encoding="utf-8", errors="replace").split()) for p in files).lower()
    return re.sub(r"([\"'])\s*\1", "", text)


def fragments() -> list[str]:
    """Every planted sentence split at its placeholder; the parts of four words or more (wording, not filler)."""
    out = []
    for sentence in validity_author.AMBIGUITY + validity_author.LEAK:
        out += [part.strip(" .():").lower() for part in re.split(r"\{a\}", sentence)]
    return [p for p in out if len(p.split()) >= 4]


def copied(root: Path) -> list[str]:
    text = source_text(root)
    return [p for p in fragments() if p in text]


def test_every_planted_sentence_has_wording_to_check() -> None:
    assert len(set(validity_author.AMBIGUITY)) >= 10 and len(set(validity_author.LEAK)) >= 6
    for sentence in validity_author.AMBIGUITY + validity_author.LEAK:
        assert any(p in sentence.lower() for p in fragments()), sentence


def test_no_planted_wording_appears_in_gate_or_panel_code() -> None:
    assert copied(ROOT) == []


@pytest.mark.parametrize("where", ["panel/flaws.py", "recipes/ground_truth/gates.py"])
def test_a_copied_sentence_is_found(tmp_path: Path, where: str) -> None:
    target = tmp_path / where
    target.parent.mkdir(parents=True)
    sentence = validity_author.AMBIGUITY[3]
    target.write_text(f'MARKERS = (\n    "{sentence[:30]}"\n    "{sentence[30:]}",\n)\n')
    assert copied(tmp_path) == [sentence.strip(" .").lower()]
