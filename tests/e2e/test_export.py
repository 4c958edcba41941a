"""`assay export` in every format through the real CLI: columns, determinism, loaders, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.export.rows import NAMES
from tests.e2e.helpers import ROOT, SPEC, assay

PANEL = ["local/solver-strong", "local/solver-mid", "local/solver-weak"]


def _run_and_approve(home: Path, spec: Path, accepted: int) -> list[str]:
    # At concurrency 1 the seed fixes the run: with seed 1 each spec's first drafts are queued. An unseeded run
    # may stop at its 20 x N attempt ceiling short of N queued.
    args = ["--until-accepted", str(accepted), "--concurrency", "1", "--seed", "1", "--quiet"]
    ran = assay(home, "run", str(spec), *args)
    assert ran.returncode == 0, ran.stderr
    queue = json.loads(assay(home, "queue", "--json").stdout)
    assert len(queue) == accepted, queue
    ids = [q["candidate_id"] for q in queue]
    for cid in ids:
        assert assay(home, "review", cid, "--approve", "--reviewer", "ana").returncode == 0
    return ids


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """One ledger with approved points of all three recipes: 3 arithmetic, 1 rubric, 1 agent step."""
    home = tmp_path_factory.mktemp("export") / ".assay"
    ids = _run_and_approve(home, SPEC, 3)
    ids += _run_and_approve(home, ROOT / "specs" / "writing-rubrics.toml", 1)
    ids += _run_and_approve(home, ROOT / "specs" / "support-agent.toml", 1)
    return home, ids


def _export(home: Path, fmt: str, out: Path, *extra: str) -> Path:
    done = assay(home, "export", "--format", fmt, "-o", str(out), *extra)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("exported ") and f"({fmt}) to {out}" in done.stderr
    return out


def _points(home: Path) -> list[dict]:
    return [json.loads(line) for line in assay(home, "export").stdout.splitlines()]


def test_parquet_has_one_flat_row_per_point(world: tuple[Path, list[str]], tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    home, ids = world
    table = pq.read_table(_export(home, "parquet", tmp_path / "points.parquet"))
    assert table.column_names == list(NAMES)
    assert b"pandas" not in (table.schema.metadata or {}) and table.schema.metadata[b"assay.schema_version"] == b"1"
    rows = table.to_pylist()
    assert [r["id"] for r in rows] == ids  # verdict order
    points = {p["candidate_id"]: p for p in _points(home)}
    for r in rows:
        point = points[r["id"]]
        assert json.loads(r["payload"]) == point["payload"] and r["schema_version"] == 1
        assert r["band"] == point["difficulty"]["band"] == "discriminating" and 0 < r["solve_rate"] < 1
        assert r["panel_models"] == PANEL and set(r["passed_models"]) <= set(PANEL)  # may be empty: p1 < 0.5 for all
        probe = json.loads(r["pass_at_k"])
        assert sorted(probe) == sorted(PANEL) and all({"n", "c", "pass_at_k"} <= set(v) for v in probe.values())
        assert r["calls"] == point["receipts"]["calls"] > 3 and r["cost_usd"] > 0
        assert r["tokens"] == r["prompt_tokens"] + r["completion_tokens"] > 0
        assert set(PANEL) <= set(r["models"]) and r["models"] == sorted(r["models"])
        assert (r["reviewer"], r["verdict"], r["spec_name"]) == ("ana", "approve", point["spec_name"])
        assert r["input"].strip() and r["target"].strip()
    by_recipe = {r["recipe"]: r for r in rows}
    truth, rubric, agent = by_recipe["ground_truth"], by_recipe["rubric"], by_recipe["agent_step"]
    assert truth["input"] == json.loads(truth["payload"])["prompt"]
    assert rubric["input"] == json.loads(rubric["payload"])["prompt"]
    assert json.loads(rubric["target"]) == json.loads(rubric["payload"])["criteria"]
    step = json.loads(agent["payload"])
    assert step["goal"] in agent["input"] and step["context"][0]["content"] in agent["input"]
    assert agent["target"].startswith(f"ACTION: {step['answer']['action']} ")
    assert [r["position"] for r in rows] == sorted(r["position"] for r in rows)


def test_every_format_is_deterministic_even_after_a_rebuild(world: tuple[Path, list[str]], tmp_path: Path) -> None:
    home, _ = world
    outputs = {"jsonl": "p.jsonl", "parquet": "p.parquet", "inspect": "p.inspect.jsonl", "hf": "p_hf"}

    def snapshot(folder: Path) -> dict[str, bytes]:
        folder.mkdir()
        for fmt, name in outputs.items():
            _export(home, fmt, folder / name)
        return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    first, second = snapshot(tmp_path / "a"), snapshot(tmp_path / "b")
    assert first == second and "p_hf/data/train-00000-of-00001.parquet" in first and "p_hf/README.md" in first
    assert first["p_hf/data/train-00000-of-00001.parquet"] == first["p.parquet"]
    assert assay(home, "rebuild").returncode == 0
    assert snapshot(tmp_path / "c") == first
    assert assay(home, "export", "--format", "inspect").stdout.encode() == first["p.inspect.jsonl"]
    again = _export(home, "hf", tmp_path / "a" / "p_hf")  # an earlier export's folder is replaced whole
    assert (again / "README.md").read_bytes() == first["p_hf/README.md"]


def test_hf_folder_loads_with_datasets(
    world: tuple[Path, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE"):
        monkeypatch.setenv(var, "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    datasets = pytest.importorskip("datasets", reason="the `datasets` test extra is not installed")
    from app.export.parquet import schema

    home, ids = world
    folder = _export(home, "hf", tmp_path / "assay-points")
    card = (folder / "README.md").read_text()
    assert card.startswith("---\nconfigs:\n") and "  - name: passed_models\n    list: string\n" in card
    ds = datasets.load_dataset(str(folder), split="train", cache_dir=str(tmp_path / "cache"))
    assert ds.num_rows == len(ids) and ds["id"] == ids
    assert ds.features == datasets.Features.from_arrow_schema(schema())
    assert ds.features["passed_models"] == datasets.List(datasets.Value("string"))
    assert ds.features["solve_rate"] == datasets.Value("float64") and ds[0]["band"] == "discriminating"


def test_inspect_samples_load_with_inspect_ai(world: tuple[Path, list[str]], tmp_path: Path) -> None:
    dataset = pytest.importorskip("inspect_ai.dataset", reason="the `inspect_ai` test extra is not installed")
    home, ids = world
    path = _export(home, "inspect", tmp_path / "samples.jsonl")
    samples = list(dataset.json_dataset(str(path)))
    assert [s.id for s in samples] == ids
    explicit = dataset.json_dataset(
        str(path), dataset.FieldSpec(input="input", target="target", id="id", metadata=["metadata"])
    )
    assert [s.input for s in explicit] == [s.input for s in samples]
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    for sample, line in zip(samples, lines, strict=True):
        assert sample.input == line["input"] and sample.target == line["target"] and sample.input.strip()
        meta = sample.metadata
        assert meta["band"] == "discriminating" and meta["reviewer"] == "ana" and meta["calls"] > 0
        assert set(meta["pass_at_k"]) == set(PANEL) and isinstance(meta["payload"], dict)
        assert meta["recipe"] in ("ground_truth", "rubric", "agent_step") and meta["schema_version"] == 1


def test_jsonl_keeps_the_full_point_record_and_filters_by_dataset(world: tuple[Path, list[str]]) -> None:
    home, ids = world
    points = _points(home)
    assert [p["candidate_id"] for p in points] == ids
    assert all(isinstance(p["payload"], dict) and p["difficulty"]["outcomes"] for p in points)
    assert all(set(PANEL) <= set(p["receipts"]["models"]) for p in points)
    rubric = assay(home, "export", "--dataset", "writing-rubrics")
    assert [json.loads(line)["recipe"] for line in rubric.stdout.splitlines()] == ["rubric"]
    run_id = points[0]["run_id"]
    by_run = assay(home, "export", "--format", "inspect", "--dataset", run_id)
    assert [json.loads(line)["id"] for line in by_run.stdout.splitlines()] == ids[:3]


def test_json_says_what_was_written(world: tuple[Path, list[str]], tmp_path: Path) -> None:
    home, ids = world
    for fmt, name in (("parquet", "p.parquet"), ("jsonl", "p.jsonl"), ("inspect", "s.jsonl")):
        target = tmp_path / name
        done = assay(home, "export", "--format", fmt, "-o", str(target), "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == {
            "format": fmt,
            "output": str(target),
            "points": len(ids),
            "bytes": target.stat().st_size,
        }
        assert "exported" not in done.stderr  # the JSON replaces the text line
    folder = tmp_path / "p_hf"
    done = assay(home, "export", "--format", "hf", "-o", str(folder), "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    written = sorted(str(f.relative_to(folder)) for f in folder.rglob("*") if f.is_file())
    assert (out["format"], out["output"], out["points"], out["files"]) == ("hf", str(folder), len(ids), written)
    assert out["bytes"] == sum((folder / f).stat().st_size for f in written)
    # Without -o the export itself is stdout, so --json is refused before anything is read.
    _fails(home, "--json", message="--json needs --output PATH")
    _fails(home, "--format", "inspect", "--json", message="--json needs --output PATH")


def _fails(home: Path, *args: str, message: str) -> None:
    done = assay(home, "export", *args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_bad_input_is_one_clear_line_and_writes_nothing(world: tuple[Path, list[str]], tmp_path: Path) -> None:
    home, _ = world
    out = tmp_path / "out"
    out.mkdir()
    _fails(
        home,
        "--format",
        "csv",
        "-o",
        str(out / "x.csv"),
        message="unknown export format 'csv'; supported: jsonl, parquet, hf, inspect",
    )
    _fails(home, "--format", "parquet", message="--format parquet writes a binary file: name it with --output")
    _fails(home, "--format", "hf", message="--format hf writes a folder")
    _fails(home, "--dataset", "nosuchspec", message="unknown dataset 'nosuchspec'")
    _fails(home, "-f", "parquet", "-o", str(out / "missing" / "x.parquet"), message="the folder")
    (out / "file.txt").write_text("keep me")
    _fails(home, "-f", "parquet", "-o", str(out / "file.txt" / "x.parquet"), message="is not a folder")
    _fails(home, "-f", "parquet", "-o", str(out), message="it is a folder")
    _fails(home, "-f", "hf", "-o", str(out / "file.txt"), message="exists and is not a folder")
    _fails(home, "-f", "hf", "-o", str(out), message="the folder holds other files")
    assert sorted(p.name for p in out.iterdir()) == ["file.txt"] and (out / "file.txt").read_text() == "keep me"

    (tmp_path / "empty").mkdir()
    empty = tmp_path / "empty" / ".assay"
    for fmt, target in (("jsonl", None), ("parquet", "e.parquet"), ("hf", "e_hf"), ("inspect", "e.jsonl")):
        args = ["--format", fmt] + (["-o", str(out / target)] if target else [])
        _fails(empty, *args, message="no approved points to export")
    assert sorted(p.name for p in out.iterdir()) == ["file.txt"]
