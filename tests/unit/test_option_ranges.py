"""Every numeric option of every command has a documented range (domain.bounds), and a value outside it exits 2
with one line naming the option, the value and the range, before the command does anything."""

from __future__ import annotations

import math
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

import cli
from domain.bounds import Bound

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "options.md"
# The arguments each command needs besides the option under test (never run: the option is refused first).
REQUIRED = {
    "run": ["x.toml"],
    "replay": ["r"],
    "eval": ["--dataset", "d", "--model", "m"],
    "grade": ["--rubric", "r", "--output", "o", "--judge", "j"],
}


def numeric_options() -> Iterator[tuple[str, Any]]:
    """(command path, click parameter) for every int or float parameter of the CLI."""
    cli._register()

    def walk(command: Any, path: str) -> Iterator[tuple[str, Any]]:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                yield from walk(sub, f"{path} {name}".strip())
            return
        for param in command.params:
            if param.type_descriptor.annotation in (int, float):
                yield path, param

    yield from walk(typer.main.get_command(cli.app), "")


OPTIONS = sorted(((path, p.opts[0], p) for path, p in numeric_options()), key=lambda t: (t[0], t[1]))


def bound_of(param: Any) -> Bound:
    bound = getattr(param.callback, "bound", None)
    assert isinstance(bound, Bound), f"{param.opts[0]} has no range: declare it with cli.bounds.ranged"
    return bound


def refused(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(sys, "argv", ["assay", *argv])
    previous = signal.getsignal(signal.SIGINT)  # main() sets its own Ctrl-C handling; this process keeps pytest's
    try:
        with pytest.raises(SystemExit) as exited:
            cli.main()
    finally:
        signal.signal(signal.SIGINT, previous)
    err = capsys.readouterr().err
    assert exited.value.code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_the_cli_has_numeric_options() -> None:
    found = {(path, opt) for path, opt, _ in OPTIONS}
    assert {("run", "--attempts"), ("run", "--seed"), ("serve", "--port"), ("eval", "--n")} <= found


@pytest.mark.parametrize(("path", "opt", "param"), OPTIONS, ids=[f"{p}{o}" for p, o, _ in OPTIONS])
def test_a_value_outside_the_range_exits_2_naming_option_value_and_range(
    path: str, opt: str, param: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bound = bound_of(param)
    above = int(bound.hi) + 1 if bound.integer else float(bound.hi) * 2 + 1
    below = int(bound.lo) - 1 if bound.integer else float(bound.lo) - (0 if bound.lo_open else 1)
    for value in (above, below):
        err = refused([*path.split(), *REQUIRED.get(path, []), opt, str(value)], capsys, monkeypatch)
        assert f"{opt} {value!r} is out of range" in err and bound.text() in err, err


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_not_a_finite_number_is_out_of_range(
    value: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    err = refused(["run", "x.toml", "--max-cost", value], capsys, monkeypatch)
    assert "--max-cost" in err and "is out of range: it must be a number in (0, 1,000,000]" in err


def test_a_trillion_attempts_is_refused_before_the_spec_is_read(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    err = refused(["run", "no-such-spec.toml", "--attempts", "1000000000000"], capsys, monkeypatch)
    assert err.strip() == "error: --attempts 1000000000000 is out of range: it must be a whole number in 1..1,000,000"


@pytest.mark.parametrize(("path", "opt", "param"), OPTIONS, ids=[f"{p}{o}" for p, o, _ in OPTIONS])
def test_every_range_is_documented(path: str, opt: str, param: Any) -> None:
    bound = bound_of(param)
    rows = [line for line in DOCS.read_text().splitlines() if f"`assay {path}`" in line and f"`{opt}`" in line]
    assert rows, f"docs/options.md has no row for assay {path} {opt}"
    assert any(bound.text() in row for row in rows), f"docs/options.md: assay {path} {opt} should say {bound.text()}"


def test_bounds_refuse_bools_nan_and_the_wrong_kind() -> None:
    whole, real = Bound(1, 10), Bound(0, 1, integer=False, lo_open=True)
    assert whole.holds(1) and whole.holds(10) and not whole.holds(0) and not whole.holds(11)
    assert not whole.holds(True) and not whole.holds(2.0) and not whole.holds("3")
    assert real.holds(1) and real.holds(0.5) and not real.holds(0) and not real.holds(math.nan)
    assert not real.holds(math.inf) and not Bound(0, math.inf, integer=False).holds(math.inf)
    assert (whole.text(), real.text(), Bound(0, 2, integer=False).text()) == ("1..10", "(0, 1]", "[0, 2]")
