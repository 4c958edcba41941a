"""`assay eval` and `assay report` through the real CLI: numbers, ledger facts, the report files, bad input."""

from __future__ import annotations

import base64
import json
import os
import pty
import re
import subprocess
import threading
from collections import Counter
from pathlib import Path

import pytest

from adapters.ledger import iter_envelopes, open_ledger
from app.report import build_report, write
from tests.e2e.helpers import ASSAY, SPEC, assay, env_for, exit_code_of_main

STRONG, WEAK, MID = "local/solver-strong", "local/solver-weak", "local/solver-mid"


def _ledger(home: Path):  # noqa: ANN202
    return open_ledger(f"sqlite:///{home / 'ledger.sqlite'}")


def _position(home: Path) -> int:
    ledger = _ledger(home)  # keep a reference: the pool closes with the application
    return ledger.recorder.max_notification_id() or 0


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run of the arithmetic spec with every queued point approved.

    At concurrency 1 the seed fixes the run, so the points: seed 1 queues 4 of 8. An eval's samples still vary
    (each eval draws its own id), but on these points solver-strong solves 77-99% of samples and solver-weak
    2-30%, so with 5 samples a point the weak model's total reaches the strong one's in under one eval in 10^11."""
    home = tmp_path_factory.mktemp("eval") / ".assay"
    ran = assay(home, "run", str(SPEC), "--attempts", "8", "--concurrency", "1", "--seed", "1", "--quiet")
    assert ran.returncode == 0, ran.stderr
    empty = assay(home, "eval", "--dataset", "arithmetic", "--model", STRONG, "--k", "1", "--n", "1")
    assert empty.returncode == 2 and "has no approved points" in empty.stderr
    queued = json.loads(assay(home, "queue", "--json").stdout)
    assert len(queued) == 4
    for q in queued:
        assert assay(home, "review", q["candidate_id"], "--approve").returncode == 0
    return home


def test_eval_then_report(home: Path, tmp_path: Path) -> None:
    ran = assay(
        home, "eval", "--dataset", "arithmetic", "--model", STRONG, "--model", WEAK, "--k", "1,5", "--n", "5", "--json"
    )
    assert ran.returncode == 0, ran.stderr
    ev = json.loads(ran.stdout)
    strong, weak = ev["models"][STRONG], ev["models"][WEAK]
    for k in ("1", "5"):
        ci = strong["pass_at_k"][k]
        assert ci["lo"] <= ci["mean"] <= ci["hi"]
    assert strong["pass_at_k"]["1"]["mean"] > weak["pass_at_k"]["1"]["mean"]
    assert strong["correct"] > weak["correct"] and strong["samples"] == 5 * ev["items"]
    assert set(ev["separability"]) == {"1", "5"} and ev["separability"]["1"]["n_pairs"] == 1

    # The ledger holds one Evaluation: started, one result per (point, model) with n distinct requests, completed.
    ledger = _ledger(home)
    facts = [e.fact for e in iter_envelopes(ledger)]
    tags = Counter(type(x).__name__ for x in facts)
    assert tags["EvaluationStarted"] == 1 and tags["EvaluationCompleted"] == 1
    assert tags["ItemEvaluated"] == 2 * ev["items"]
    for item in (x for x in facts if type(x).__name__ == "ItemEvaluated"):
        assert item.n == 5 and len(item.receipts) == 5 and len({r.seed for r in item.receipts}) == 5
        assert set(item.pass_at_k) == {"1", "5"} and item.c == len(item.passed_samples)

    out = tmp_path / "report"
    shown = assay(home, "report", "--output", str(out))
    assert shown.returncode == 0, shown.stderr
    assert ev["eval_id"] in shown.stdout and "separability with confidence" in shown.stdout
    html = (out / "report.html").read_text()
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) >= 2 and all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    report = json.loads((out / "report.json").read_text())
    assert report["evaluations"] == [ev["eval_id"]] and report["n_items"] == ev["items"]
    assert report["pass_at_k"][STRONG] == strong["pass_at_k"]  # the same figures as the eval printed
    assert report["separability"]["1"]["fraction"] == ev["separability"]["1"]["fraction"]
    (pair,) = report["pairwise"]["1"]
    assert (pair["a"], pair["b"]) == (STRONG, WEAK) and pair["diff"] > 0
    # Each pairwise column names its test, and the text says which one separability counts.
    assert pair["paired_differs"] == (pair["diff_lo"] > 0 or pair["diff_hi"] < 0)
    assert report["separability"]["1"]["paired_differs"] == int(pair["paired_differs"])
    assert "paired test: differ?" in html and "separability test: marginal 95% CIs overlap?" in html
    assert "This is the score separability counts" in html
    assert "paired test (pairs whose paired-difference 95% CI excludes 0)" in shown.stdout
    assert sum(report["difficulty"]["histogram"]["counts"]) == ev["items"]
    assert report["difficulty"]["bands"].get("unknown", 0) == 0  # every point's probe band is known
    assert f"pass@1 {strong['pass_at_k']['1']['mean']:.3f}" in shown.stdout

    # An exported file is a dataset too; reports pool evaluations over the points every model has.
    exported = tmp_path / "points.jsonl"
    assert assay(home, "export", "-o", str(exported)).returncode == 0
    again = assay(home, "eval", "--dataset", str(exported), "--model", MID, "--n", "2", "--json")
    assert again.returncode == 0, again.stderr
    mid_id = json.loads(again.stdout)["eval_id"]
    pooled = assay(home, "report", "--eval", ev["eval_id"], "--eval", mid_id[:6], "-o", str(out), "--json")
    assert pooled.returncode == 0, pooled.stderr
    data = json.loads(pooled.stdout)
    assert data["models"] == [STRONG, WEAK, MID] and data["ks"] == [1] and data["separability"]["1"]["n_pairs"] == 3


def _on_a_terminal(home: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """`assay ARGS` with stderr on a pseudo-terminal (stdout piped): the result and what the terminal showed."""
    master, slave = pty.openpty()
    shown: list[bytes] = []

    def drain() -> None:  # read as it is written: a full pty would block the command
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO once the command has exited and the slave end is closed
                return
            if not data:
                return
            shown.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        done = subprocess.run(
            [str(ASSAY), *args],
            env=env_for(home),
            cwd=home.parent,
            stdout=subprocess.PIPE,
            stderr=slave,
            text=True,
            timeout=180,
        )
    finally:
        os.close(slave)
        reader.join(timeout=10)
        os.close(master)
    return done, re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(shown).decode(errors="replace"))


def test_eval_shows_a_progress_bar_on_a_terminal_and_not_with_json(home: Path) -> None:
    done, screen = _on_a_terminal(home, "eval", "--dataset", "arithmetic", "--model", STRONG, "--n", "2")
    assert done.returncode == 0, screen
    title = re.search(r"(\d+) points, n=2", " ".join(done.stdout.split()))
    assert title is not None, done.stdout
    items = int(title.group(1))
    total = items * 1 * 2  # points x models x n
    assert "eval samples" in screen and f"{total}/{total}" in screen  # one tick per sample, the last at the total
    assert "eval samples" not in done.stdout  # the bar is on stderr

    quiet, screen = _on_a_terminal(home, "eval", "--dataset", "arithmetic", "--model", STRONG, "--n", "2", "--json")
    assert quiet.returncode == 0 and json.loads(quiet.stdout)["items"] == items
    assert "eval samples" not in screen


def _in_process(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str]:
    """``assay ARGS`` run in this process (``cli.main``): (exit code, stderr).

    The refusals below come before anything is recorded, so one process serves them all rather than one
    subprocess (and one litellm import, seconds each) per case, as tests/e2e/test_bad_input_catalogue.py does."""
    env = env_for(home)  # the environment the subprocesses get: no ASSAY_* setting or provider key of ours
    for name in os.environ.keys() - env.keys():
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(home.parent)
    capsys.readouterr()
    code = exit_code_of_main(*args)
    return code, capsys.readouterr().err


def test_bad_input_writes_nothing(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _position(home)
    exported = tmp_path / "points.jsonl"
    assert assay(home, "export", "-o", str(exported)).returncode == 0
    rows = [json.loads(line) for line in exported.read_text().splitlines()]
    rows[-1]["recipe"] = "rubric"
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("".join(json.dumps(r) + "\n" for r in rows))
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    cases = [
        (
            ["--dataset", "arithmetic", "--model", STRONG, "--model", "nosuch/model"],
            "nosuch/model (eval): no litellm provider is known for this model",
        ),
        (["--dataset", "arithmetic", "--model", STRONG, "--k", "1,5", "--n", "3"], "--k 5 is greater than --n 3"),
        (["--dataset", "nosuchspec", "--model", STRONG], "unknown dataset 'nosuchspec'"),
        (["--dataset", "arithmetic", "--recipe", "rubric", "--model", STRONG], "not --recipe rubric"),
        (["--dataset", str(mixed), "--model", STRONG], "mixes recipes (ground_truth, rubric)"),
        (["--dataset", str(empty), "--model", STRONG], "holds no points"),
    ]
    for args, expected in cases:
        code, err = _in_process(home, capsys, monkeypatch, "eval", *args)
        assert code == 2, (args, err)
        assert expected in err and len(err.strip().splitlines()) == 1, err
    # The same refusal through the installed command: the exit code and the one line are the process's own.
    unknown = assay(home, "report", "--eval", "feedface")
    assert unknown.returncode == 2 and "unknown evaluation id 'feedface'" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1, unknown.stderr
    assert _position(home) == before


def test_report_before_any_evaluation(tmp_path: Path) -> None:
    result = assay(tmp_path / ".assay", "report", "--output", str(tmp_path / "r"))
    assert result.returncode == 2 and "no completed evaluation yet" in result.stderr
    assert not (tmp_path / "r").exists()


def test_agent_flow_section(tmp_path: Path) -> None:
    """Points that name a workflow step get a per-step profile section and plot in the report."""
    results = {
        f"p{i}": {"step": "plan" if i < 2 else "act", "step_index": int(i >= 2), "models": {"m": {"n": 4, "c": i}}}
        for i in range(4)
    }
    evals = [
        {
            "eval_id": "e1",
            "dataset": "flow",
            "recipe": "r",
            "models": ["m"],
            "ks": [1],
            "points": list(results),
            "results": results,
        }
    ]
    built = build_report(evals, {})
    prof = built.data["flows"]["models"]["m"]
    # plan: pass@1 of 0/4 and 1/4 -> 0.125; act: 2/4 and 3/4 -> 0.625; end to end is their product.
    assert [(s["step"], s["items"], s["pass_at_k"]["1"]) for s in prof["steps"]] == [
        ("plan", 2, 0.125),
        ("act", 2, 0.625),
    ]
    assert prof["end_to_end"]["1"] == pytest.approx(0.125 * 0.625)
    assert prof["weakest"] == ["plan"]
    assert built.flow_png is not None and built.flow_png.startswith(b"\x89PNG")
    html = write(built, tmp_path / "flow")[0].read_text()
    assert "weakest steps: plan" in html and base64.b64encode(built.flow_png).decode() in html
