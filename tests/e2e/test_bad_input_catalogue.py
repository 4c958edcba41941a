"""A catalogue of bad input across the CLI, specs, rubric and models files and edits: each case exits 2 with one
line that names the problem (and the file or option), and the ledger file is byte for byte what it was.

The commands run in this process (``cli.main``), not as subprocesses, so the catalogue stays cheap; a recorded
home (one run, one decided point) is shared and checked unchanged after every case.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.helpers import SPEC, assay, exit_code_of_main

BAD_TOML = 'recipe = "ground_truth"\n[models\n'


@dataclass(frozen=True)
class World:
    home: Path
    files: Path  # bad files the cases name
    queued: str  # a point waiting for a verdict
    decided: str  # a point already approved
    run_id: str


def _digest(home: Path) -> str:
    """The ledger's bytes (the WAL too, if one is left): what no refused command may change."""
    h = hashlib.sha256()
    for name in ("ledger.sqlite", "ledger.sqlite-wal"):  # an absent WAL and an empty one hold the same
        path = home / name
        h.update(path.read_bytes() if path.exists() else b"")
    return h.hexdigest()


def _spec_with(files: Path, name: str, old: str, new: str) -> None:
    text = SPEC.read_text()
    assert old in text, old
    (files / name).write_text(text.replace(old, new, 1))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("catalogue")
    home = root / ".assay"
    ran = assay(home, "run", str(SPEC), "--attempts", "8", "--concurrency", "1", "--seed", "1", "--quiet", "--json")
    assert ran.returncode == 0, ran.stderr
    run_id = json.loads(ran.stdout)["run_id"]
    queue = json.loads(assay(home, "queue", "--json").stdout)
    decided, queued = queue[0]["candidate_id"], queue[1]["candidate_id"]
    assert assay(home, "review", decided, "--approve", "--reviewer", "ana").returncode == 0
    assert assay(home, "reviewer", "add", "ana").returncode == 0
    files = root / "files"
    files.mkdir()
    (files / "bad.toml").write_text(BAD_TOML)
    (files / "latin1.toml").write_bytes('recipe = "ground_truth"\n# café\n'.encode("latin-1"))
    (files / "binary.toml").write_bytes(b"\x00\x01\x02\xff\xfe" * 20)
    (files / "folder.toml").mkdir()
    (files / "edit.json").write_text('{"prompt": "What is 2 + 2?",')
    (files / "edit_list.json").write_text("[1, 2]")
    (files / "edit_empty.json").write_text("{}")
    (files / "models_bad.toml").write_text("[[model_list]]\nmodel_name = 1\n")
    _spec_with(files, "recipe.toml", 'recipe = "ground_truth"', 'recipe = "poetry"')
    _spec_with(files, "probe_type.toml", "[probe]\nn = 5", '[probe]\nn = "five"')
    _spec_with(files, "probe_field.toml", "[probe]\nn = 5", "[probe]\nn = 5\nbogus = 1")
    _spec_with(files, "panel_model.toml", 'author = "local/author"', 'author = "local/does-not-exist"')
    _spec_with(files, "no_provider.toml", 'author = "local/author"', 'author = "nosuchprovider/zzz"')
    _spec_with(files, "literal_key.toml", 'author = "local/author"', 'author = "w"')
    with (files / "literal_key.toml").open("a") as fh:
        fh.write('\n[[model_list]]\nmodel_name = "w"\nlitellm_params = { model = "openai/x", api_key = "sk-123" }\n')
    _spec_with(files, "models_file.toml", "\n[models]\n", '\n[models]\nfile = "no-such-models.toml"\n')
    _spec_with(files, "models_file_bad.toml", "\n[models]\n", '\n[models]\nfile = "models_bad.toml"\n')
    return World(home=home, files=files, queued=queued, decided=decided, run_id=run_id)


def cli(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str]:
    """Run ``assay ARGS`` in this process; (exit code, what it printed to stderr)."""
    for name in ("ASSAY_NATS_URL", "ASSAY_STORE_URL", "ASSAY_MODELS", "ASSAY_REVIEWER", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ASSAY_HOME", str(world.home))
    monkeypatch.setenv("ASSAY_LOG_LEVEL", "WARNING")
    monkeypatch.chdir(world.files)
    capsys.readouterr()
    code = exit_code_of_main(*args)
    return code, " ".join(capsys.readouterr().err.split())


Args = Callable[[World], list[str]]

# (id, arguments, what the one line must say); every case exits 2.
CASES: list[tuple[str, Args, list[str]]] = [
    # specs
    ("spec missing", lambda w: ["run", "nope.toml"], ["spec file nope.toml: not found"]),
    ("spec not UTF-8", lambda w: ["run", "latin1.toml"], ["latin1.toml", "not UTF-8", "offset"]),
    ("spec binary", lambda w: ["run", "binary.toml"], ["binary.toml"]),
    ("spec a folder", lambda w: ["run", "folder.toml"], ["folder.toml"]),
    ("spec not TOML", lambda w: ["run", "bad.toml"], ["bad.toml", "not valid TOML"]),
    ("spec unknown recipe", lambda w: ["run", "recipe.toml"], ["recipe.toml", "unknown recipe 'poetry'"]),
    ("spec wrong type", lambda w: ["run", "probe_type.toml"], ["probe_type.toml", "probe.n", "Expected `int`"]),
    ("spec unknown field", lambda w: ["run", "probe_field.toml"], ["probe_field.toml", "probe.bogus"]),
    (
        "spec unknown panel model",
        lambda w: ["run", "panel_model.toml"],
        ["local/does-not-exist", "nothing was recorded"],
    ),
    ("spec unknown provider", lambda w: ["run", "no_provider.toml"], ["nosuchprovider/zzz", "nothing was recorded"]),
    ("spec literal key", lambda w: ["run", "literal_key.toml"], ["literal_key.toml", "os.environ/"]),
    ("models file missing", lambda w: ["run", "models_file.toml"], ["no-such-models.toml"]),
    ("models file bad", lambda w: ["run", "models_file_bad.toml"], ["models_bad.toml", "model_name"]),
    ("models of a missing spec", lambda w: ["models", "nope.toml"], ["nope.toml", "not found"]),
    ("run: attempts and until", lambda w: ["run", str(SPEC), "--attempts", "2", "--until-accepted", "2"], ["not both"]),
    ("replay unknown run", lambda w: ["replay", "nosuchrun"], ["nosuchrun"]),
    ("resume unknown run", lambda w: ["resume", "nosuchrun"], ["nosuchrun"]),
    # numbers out of range
    ("attempts huge", lambda w: ["run", str(SPEC), "--attempts", "1000000000000"], ["--attempts", "1..1,000,000"]),
    ("attempts zero", lambda w: ["run", str(SPEC), "--attempts", "0"], ["--attempts", "out of range"]),
    ("concurrency zero", lambda w: ["run", str(SPEC), "--concurrency", "0"], ["--concurrency", "1..256"]),
    ("seed negative", lambda w: ["run", str(SPEC), "--seed", "-1"], ["--seed", "out of range"]),
    ("max cost NaN", lambda w: ["run", str(SPEC), "--max-cost", "nan"], ["--max-cost", "out of range"]),
    ("until accepted huge", lambda w: ["run", str(SPEC), "--until-accepted", "60000"], ["--until-accepted"]),
    ("dedup threshold above 1", lambda w: ["dedup", "--threshold", "2"], ["--threshold", "out of range"]),
    ("replay concurrency", lambda w: ["replay", w.run_id, "--concurrency", "999"], ["--concurrency", "1..256"]),
    # reading the record
    ("show unknown id", lambda w: ["show", "zzzzzzzz"], ["zzzzzzzz"]),
    ("export unknown format", lambda w: ["export", "--format", "xml", "-o", "out.xml"], ["xml"]),
    ("export unknown dataset", lambda w: ["export", "--dataset", "nosuch", "-o", "out.jsonl"], ["nosuch"]),
    ("verify missing anchor", lambda w: ["verify", "--no-witness", "--anchor", "no-anchor.json"], ["no-anchor.json"]),
    ("verify anchor not JSON", lambda w: ["verify", "--no-witness", "--anchor", "bad.toml"], ["bad.toml", "not JSON"]),
    ("anchor over a file", lambda w: ["anchor", "--output", "bad.toml"], ["bad.toml", "already exists"]),
    # verdicts
    ("review unknown point", lambda w: ["review", "zzzzzzzz", "--approve", "--reviewer", "ana"], ["zzzzzzzz"]),
    ("review no verdict", lambda w: ["review", w.queued, "--reviewer", "ana"], ["--approve"]),
    ("review two verdicts", lambda w: ["review", w.queued, "--approve", "--reject", "--reviewer", "ana"], ["one of"]),
    ("review reject without reason", lambda w: ["review", w.queued, "--reject", "--reviewer", "ana"], ["--reason"]),
    ("review decided point", lambda w: ["review", w.decided, "--approve", "--reviewer", "ana"], ["already"]),
    (
        "review edit missing file",
        lambda w: ["review", w.queued, "--edit", "nofile.json", "--reviewer", "ana"],
        ["nofile.json"],
    ),
    ("review edit not JSON", lambda w: ["review", w.queued, "--edit", "edit.json", "--reviewer", "ana"], ["edit.json"]),
    (
        "review edit not an object",
        lambda w: ["review", w.queued, "--edit", "edit_list.json", "--reviewer", "ana"],
        ["edit_list.json"],
    ),
    (
        "review edit missing fields",
        lambda w: ["review", w.queued, "--edit", "edit_empty.json", "--reviewer", "ana"],
        ["prompt"],
    ),
    (
        "review bad reviewer name",
        lambda w: ["review", w.queued, "--approve", "--reviewer", "bad name 🤯"],
        ["not allowed"],
    ),
    (
        "review edit binary file",
        lambda w: ["review", w.queued, "--edit", "binary.toml", "--reviewer", "ana"],
        ["binary.toml"],
    ),
    # reviewers and the checklist
    ("reviewer add bad name", lambda w: ["reviewer", "add", "bad name"], ["'bad name'", "not allowed"]),
    ("reviewer add twice", lambda w: ["reviewer", "add", "ana"], ["ana"]),
    ("reviewer revoke unknown", lambda w: ["reviewer", "revoke", "nobody"], ["nobody"]),
    (
        "checklist add unknown recipe",
        lambda w: ["checklist", "add", "poetry", "rhymes", "--reviewer", "ana"],
        ["poetry"],
    ),
    (
        "checklist edit unknown item",
        lambda w: ["checklist", "edit", "ground_truth", "nope", "x", "--reviewer", "ana"],
        ["nope"],
    ),
    (
        "checklist retire unknown item",
        lambda w: ["checklist", "retire", "ground_truth", "nope", "--reviewer", "ana"],
        ["nope"],
    ),
]


@pytest.mark.parametrize(("args", "expected"), [pytest.param(a, e, id=i) for i, a, e in CASES])
def test_bad_input_exits_2_naming_the_problem_and_leaves_the_ledger_as_it_was(
    world: World,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: Args,
    expected: list[str],
) -> None:
    before = _digest(world.home)
    code, err = cli(world, capsys, monkeypatch, *args(world))
    assert code == 2, err
    assert err.startswith("error:") or "Usage:" in err or "Error" in err, err
    assert all(e in err for e in expected), err
    assert "Traceback" not in err
    assert _digest(world.home) == before
