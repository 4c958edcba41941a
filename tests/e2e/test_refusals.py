"""Refused input leaves the ledger byte for byte as it was: out-of-range numbers, bad reviewer names, unreadable
files. Each command exits 2 with one line naming what is wrong."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.e2e.helpers import SPEC, assay


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home whose ledger already holds a fact (a reviewer added), so there is something to keep intact."""
    home = tmp_path_factory.mktemp("refusals") / ".assay"
    added = assay(home, "reviewer", "add", "ana")
    assert added.returncode == 0, added.stderr
    return home


def fingerprint(home: Path) -> dict[str, str]:
    """The SHA-256 of the ledger file (and any write-ahead log). The tracking store is left out: it is a cache of
    read models that a read may bring up to date."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(home.glob("ledger.sqlite*"))}


def refuse(home: Path, *args: str, **env: str) -> str:
    """Run a command that must be refused; the one line it prints on stderr."""
    before = fingerprint(home)
    done = assay(home, *args, timeout=60, **env)
    assert done.returncode == 2, (args, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert fingerprint(home) == before, f"{args} changed the ledger"
    return lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("run", str(SPEC), "--attempts", "1000000000000"), "--attempts 1000000000000 is out of range"),
        (("run", str(SPEC), "--concurrency", "257"), "--concurrency 257 is out of range: it must be a whole number in"),
        (("run", str(SPEC), "--seed", "-1"), "--seed -1 is out of range"),
        (
            ("run", str(SPEC), "--max-cost", "0"),
            "--max-cost 0.0 is out of range: it must be a number in (0, 1,000,000]",
        ),
        (
            ("serve", "review", "--port", "65536"),
            "--port 65536 is out of range: it must be a whole number in 0..65,535",
        ),
        (("eval", "--dataset", "all", "--model", "local/solver-weak", "--n", "0"), "--n 0 is out of range"),
    ],
)
def test_out_of_range_numbers(home: Path, args: tuple[str, ...], expected: str) -> None:
    assert expected in refuse(home, *args)


BAD_NAME = "bad name 🤯"
NAME_RULE = (
    "is not allowed: reviewer names are 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit"
)


@pytest.mark.parametrize(
    ("args", "env", "source"),
    [
        (("review", "deadbeef", "--approve", "--reviewer", BAD_NAME), {}, "--reviewer"),
        (("review", "deadbeef", "--approve"), {"ASSAY_REVIEWER": BAD_NAME}, "$ASSAY_REVIEWER"),
        (("reviewer", "add", BAD_NAME), {}, "reviewer name"),
        (("checklist", "add", "ground_truth", "Say why", "--reviewer", BAD_NAME), {}, "--reviewer"),
    ],
)
def test_one_reviewer_name_rule(home: Path, args: tuple[str, ...], env: dict[str, str], source: str) -> None:
    assert refuse(home, *args, **env) == f"error: {source} {BAD_NAME!r} {NAME_RULE}"


NOT_UTF8 = b'name = "caf\xe9"\n'  # Latin-1, not UTF-8: the 0xe9 is at offset 11
BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One file of each unreadable kind, a folder, a path that does not exist, and a spec naming a bad models file."""
    base = tmp_path_factory.mktemp("files")
    made = {
        "not_utf8": base / "latin1.toml",
        "binary": base / "image.png",
        "folder": base / "points.jsonl",
    }  # a folder: named as a dataset file
    made["not_utf8"].write_bytes(NOT_UTF8)
    made["binary"].write_bytes(BINARY)
    made["folder"].mkdir()
    made["missing"] = base / "missing.json"
    models_spec = base / "models-spec.toml"
    models_spec.write_text(SPEC.read_text().replace("[models]\n", '[models]\nfile = "latin1.toml"\n', 1))
    made["models_spec"] = models_spec
    return made


PROBLEMS = {
    "not_utf8": "not UTF-8 text (byte 0xe9 at offset 11: invalid continuation byte)",
    "binary": "not UTF-8 text (byte 0x89 at offset 0: invalid start byte)",
    "folder": "is a folder, not a file",
    "missing": "not found",
}
GRADE = ("grade", "--judge", "local/judge-a")
RUBRIC = str(SPEC.parent / "examples" / "support-reply.rubric.toml")


@pytest.mark.parametrize(
    ("args", "what", "kind"),
    [
        (("run", "{}", "--attempts", "2"), "spec file", "not_utf8"),
        (("run", "{}"), "spec file", "binary"),
        (("demo", "--spec", "{}"), "spec file", "folder"),
        (("models", "{}", "--no-preflight"), "spec file", "missing"),
        (("replay", "deadbeef", "--spec", "{}"), "spec file", "not_utf8"),
        (("run", "{models_spec}", "--attempts", "2"), "models file", "not_utf8"),
        (("review", "deadbeef", "--edit", "{}"), "edit file", "not_utf8"),
        (("review", "deadbeef", "--edit", "{}"), "edit file", "binary"),
        (("review", "deadbeef", "--edit", "{}"), "edit file", "folder"),
        ((*GRADE, "--rubric", "{}", "--output", "{folder}"), "rubric file", "not_utf8"),
        ((*GRADE, "--rubric", "{}", "--output", "{folder}"), "rubric file", "missing"),
        ((*GRADE, "--rubric", RUBRIC, "--output", "{}"), "output file", "binary"),
        ((*GRADE, "--rubric", RUBRIC, "--output", RUBRIC, "--prompt", "{}"), "prompt file", "not_utf8"),
        (("eval", "--dataset", "{}", "--model", "local/solver-weak", "--no-preflight"), "dataset file", "folder"),
    ],
)
def test_unreadable_files(home: Path, files: dict[str, Path], args: tuple[str, ...], what: str, kind: str) -> None:
    path = files["models_spec"].parent / "latin1.toml" if what == "models file" else files[kind]
    filled = [a.format(path, **{k: str(v) for k, v in files.items()}) for a in args]
    assert refuse(home, *filled) == f"error: {what} {path}: {PROBLEMS[kind]}"
