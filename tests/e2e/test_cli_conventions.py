"""The command line's conventions: --version, shell completion, and type hints shipped with the packages."""

from __future__ import annotations

from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

from tests.e2e.helpers import assay

PACKAGES = ("domain", "recipes", "projections", "adapters", "services", "app", "cli", "web", "panel")


def test_version_prints_the_installed_version_and_touches_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ran = assay(home, "--version")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == f"assay {version('assay')}"
    assert not home.exists()  # no ledger, no nats-server: a version needs neither


def test_bash_completion_script_and_completing_a_command(tmp_path: Path) -> None:
    # Name the shell instead of letting typer detect it from the parent process (a CI runner may have none).
    script = assay(tmp_path / "home", "--show-completion", "bash", _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    assert script.returncode == 0 and "complete" in script.stdout and "_ASSAY_COMPLETE" in script.stdout
    words = assay(tmp_path / "home", _ASSAY_COMPLETE="complete_bash", COMP_WORDS="assay rev", COMP_CWORD="1")
    assert words.returncode == 0
    assert set(words.stdout.split()) == {"review", "reviewer"}


def test_every_package_ships_py_typed() -> None:
    missing = [p for p in PACKAGES if not files(p).joinpath("py.typed").is_file()]
    assert not missing, f"no py.typed in {missing}"
