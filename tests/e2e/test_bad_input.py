"""Bad input gets one clear line naming the problem and a non-zero exit; the ledger is not touched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.ledger import open_ledger
from tests.e2e.helpers import SPEC, assay


def _events(home: Path) -> int:
    path = home / "ledger.sqlite"
    if not path.exists():
        return 0
    ledger = open_ledger(f"sqlite:///{path}")  # keep a reference: the pool closes with the application
    return ledger.recorder.max_notification_id() or 0


def _spec(tmp_path: Path, old: str, new: str) -> Path:
    text = SPEC.read_text()
    assert old in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('recipe = "ground_truth"', 'recipe = "poetry"', "unknown recipe 'poetry'"),
        ("[probe]\nn = 5", '[probe]\nn = "five"', "probe.n: Expected `int`, got `str`"),
        ("[probe]\nn = 5", "[probe]\nn = 5\nbogus = 1", "probe.bogus"),
        ('author = "local/author"', 'author = "local/author', "not valid TOML"),
    ],
)
def test_malformed_spec_names_field_and_line(tmp_path: Path, old: str, new: str, expected: str) -> None:
    home = tmp_path / ".assay"
    spec = _spec(tmp_path, old, new)
    result = assay(home, "run", str(spec), "--attempts", "2")
    assert result.returncode == 2
    assert expected in result.stderr and str(spec) in result.stderr
    if "recipe" not in expected:
        assert f"{spec}:" in result.stderr.replace("\n", "")  # file:line
    assert _events(home) == 0


def test_bad_options_and_missing_file(tmp_path: Path) -> None:
    home = tmp_path / ".assay"
    both = assay(home, "run", str(SPEC), "--attempts", "2", "--until-accepted", "2")
    assert both.returncode == 2 and "not both" in both.stderr
    missing = assay(home, "run", str(tmp_path / "nope.toml"))
    assert missing.returncode == 2 and f"spec file {tmp_path / 'nope.toml'}: not found" in missing.stderr
    assert _events(home) == 0


def test_unreachable_nats_and_database(tmp_path: Path) -> None:
    home = tmp_path / ".assay"
    nats = assay(home, "run", str(SPEC), "--attempts", "2", ASSAY_NATS_URL="nats://127.0.0.1:1")
    assert nats.returncode == 2 and "cannot reach NATS at nats://127.0.0.1:1" in nats.stderr
    assert _events(home) == 0
    db = assay(home, "status", ASSAY_STORE_URL="postgresql://postgres@127.0.0.1:1/assay")
    assert db.returncode == 2 and "cannot open the ledger at 127.0.0.1:1/assay" in db.stderr


def test_unknown_ids(tmp_path: Path) -> None:
    home = tmp_path / ".assay"
    for args in (("show", "deadbeef"), ("review", "deadbeef", "--approve")):
        result = assay(home, *args)
        assert result.returncode == 2 and "deadbeef" in result.stderr
    assert _events(home) == 0


def test_a_model_that_fails_the_preflight_stops_the_run_before_anything_is_written(tmp_path: Path) -> None:
    home = tmp_path / ".assay"
    result = assay(home, "run", str(SPEC), "--attempts", "4", "--quiet", ASSAY_PANEL_FAIL_MODEL="local/oracle")
    assert result.returncode == 2
    assert "local/oracle (oracle): it did not answer a 1-token request" in result.stderr
    assert "nothing was recorded" in result.stderr and _events(home) == 0


def test_unknown_unpriced_and_keyless_models_are_refused_by_name(tmp_path: Path) -> None:
    home = tmp_path / ".assay"
    spec = _spec(tmp_path, 'judge = "local/judge-a"', 'judge = "local/does-not-exist"')
    spec.write_text(
        spec.read_text()
        .replace('repairer = "local/repairer"', 'repairer = "nosuchprovider/zzz"')
        .replace('oracle = "local/oracle"', 'oracle = "openai/acme-1"')
    )
    result = assay(home, "run", str(spec), "--attempts", "2", "--quiet")
    assert result.returncode == 2, result.stderr
    for line in (
        "nosuchprovider/zzz (repairer): no litellm provider is known for this model",
        "local/does-not-exist (judge): the local provider has no model of that name",
        "openai/acme-1 (oracle): its key is missing: set OPENAI_API_KEY",
        "openai/acme-1 (oracle): unpriced (litellm has no price for it)",
    ):
        assert line in result.stderr
    assert "Traceback" not in result.stderr and _events(home) == 0


def test_failing_model_is_an_honest_reject_and_a_non_zero_exit(tmp_path: Path) -> None:
    home = tmp_path / ".assay"
    # Which drafts get past construct and novelty to the (failing) oracle is fixed by the seed at concurrency 1
    # (some do with seed 1); at a higher concurrency, or unseeded, it is not. --no-preflight: the model fails
    # after the run has started (an outage mid-run), not before.
    args = ["--attempts", "4", "--concurrency", "1", "--seed", "1", "--quiet", "--no-preflight"]
    result = assay(home, "run", str(SPEC), *args, ASSAY_PANEL_FAIL_MODEL="local/oracle")
    assert result.returncode == 3
    assert "model error" in result.stderr and "local/oracle" in result.stderr
    row = json.loads(assay(home, "status", "--json").stdout)["runs"][0]
    assert row["attempts"] == 4 and row["queued"] == 0 and row["rejected"] == 4


def test_junk_author_is_an_honest_reject_and_a_non_zero_exit(tmp_path: Path) -> None:
    home = tmp_path / ".assay"
    spec = _spec(tmp_path, 'author = "local/author"', 'author = "local/junk"')
    result = assay(home, "run", str(spec), "--attempts", "3", "--json")
    assert result.returncode == 3 and "unusable output" in result.stderr  # the exit code and stderr as without --json
    out = json.loads(result.stdout)
    assert out["status"] == "completed" and (out["attempts"], out["rejected"]) == (3, 3)
    assert (out["model_errors"], out["unusable"]) == (0, 3)
    assert list(out["rejects_by_gate"]) == ["author"] and out["rejects_by_gate"]["author"]["count"] == 3
    row = json.loads(assay(home, "status", "--json").stdout)["runs"][0]
    assert row["rejects_by_gate"] == {"author": 3}


def test_usage_errors_are_one_message_not_a_traceback(tmp_path: Path) -> None:
    for args, message in ((["show"], "Missing argument 'ID'"), (["run", "--bogus"], "No such option: --bogus")):
        done = assay(tmp_path / ".assay", *args)
        assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
