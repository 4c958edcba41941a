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
    """The SHA-256 of every file of the home's ledger and tracking store (with any write-ahead log)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(home.glob("*.sqlite*"))}


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
