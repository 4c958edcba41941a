"""`assay dedup` on a real run whose spec let template copies through: the pairs it lists (through the LSH index)
are exactly those an exhaustive comparison of the queued points finds."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from adapters.ledger import iter_envelopes, open_ledger
from domain.novelty import similarity, template_similarity
from projections.corpus import Corpus
from tests.e2e.helpers import ROOT, assay

LOOSE = "[gates]\nmax_repairs = 2\nnovelty_threshold = 0.99\ntemplate_threshold = 1.0\nvariants_per_template = 1000\n"


def _spec(tmp_path: Path) -> Path:
    text = (ROOT / "specs" / "unit-conversions.toml").read_text()
    text = text.replace("[gates]\nmax_repairs = 2\nnovelty_threshold = 0.6\n", LOOSE)
    assert LOOSE in text
    path = tmp_path / "loose.toml"
    path.write_text(text.replace('name = "unit-conversions"', 'name = "loose-units"'))
    return path


def _corpus(home: Path) -> Corpus:
    ledger = open_ledger(f"sqlite:///{home / 'ledger.sqlite'}")
    corpus = Corpus.load(None)
    for env in iter_envelopes(ledger, after=0):
        corpus.apply(env)
    ledger.close()
    return corpus


def test_dedup_lists_the_pairs_an_exhaustive_scan_finds(tmp_path: Path) -> None:
    home = tmp_path / ".assay"
    ran = assay(home, "run", str(_spec(tmp_path)), "--attempts", "60", "--concurrency", "1", "--seed", "3", "--quiet")
    assert ran.returncode == 0, ran.stderr + ran.stdout
    out = assay(home, "dedup", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["threshold"] == 0.9 and report["semantic"] is False

    points = [e for e in _corpus(home).entries() if e.status in ("queued", "approved")]
    expected = {
        (a.candidate_id, b.candidate_id)
        for a, b in itertools.combinations(points, 2)
        if template_similarity(a.text, b.text) >= 0.9 or similarity(a.text, b.text) > 0.9
    }
    got = {(p["a"]["candidate_id"], p["b"]["candidate_id"]) for p in report["pairs"]}
    assert expected and got == expected, (len(points), len(_corpus(home)))
    for p in report["pairs"]:
        assert p["template"] >= 0.9 or p["raw"] > 0.9
        assert {p["a"]["status"], p["b"]["status"]} <= {"queued", "approved"}

    run_id = report["pairs"][0]["a"]["run_id"]
    for name in ("loose-units", run_id):
        same = json.loads(assay(home, "dedup", "--dataset", name, "--json").stdout)
        assert same["pairs"] == report["pairs"]
    strict = json.loads(assay(home, "dedup", "--threshold", "1.0", "--json").stdout)
    assert len(strict["pairs"]) <= len(report["pairs"])
    semantic = json.loads(assay(home, "dedup", "--semantic", "--json").stdout)
    assert all(0.0 < p["semantic"] <= 1.0 + 1e-6 for p in semantic["pairs"]) and semantic["semantic"] is True
    table = assay(home, "dedup")
    assert table.returncode == 0 and "Near-duplicate pairs" in table.stdout

    unknown = assay(home, "dedup", "--dataset", "no-such-spec")
    assert unknown.returncode != 0 and "--dataset 'no-such-spec'" in unknown.stderr
    bad = assay(home, "dedup", "--threshold", "1.5")
    assert bad.returncode != 0 and "--threshold 1.5 is out of range: it must be a number in (0, 1]" in bad.stderr
