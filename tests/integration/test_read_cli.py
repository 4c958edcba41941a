"""The real `assay` entry point over a real ledger: status, queue, show, review, export, rebuild, bad input."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.ledger import AssayLedger, open_ledger
from domain import facts as f
from domain.errors import Conflict
from domain.ids import candidate_uuid
from tests.integration.test_projections import History, build_scenario

ASSAY = str(Path(sys.executable).with_name("assay"))


def cid(run_id: str, index: int) -> str:
    return str(candidate_uuid(run_id, index))


class Assay:
    """Runs the installed `assay` command against one store."""

    def __init__(self, home: Path, store_url: str) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
        self.env.update(ASSAY_HOME=str(home), ASSAY_STORE_URL=store_url, ASSAY_REVIEWER="carol", COLUMNS="220")

    def __call__(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([ASSAY, *args], env=self.env, capture_output=True, text=True, timeout=60)
        if ok:
            assert proc.returncode == 0, proc.stderr
        return proc

    def json(self, *args: str) -> object:
        return json.loads(self(*args, "--json").stdout)

    def fails(self, *args: str, message: str) -> None:
        proc = self(*args, ok=False)
        assert proc.returncode != 0
        assert message in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def make_world(home: Path, store_url: str) -> tuple[History, Assay]:
    h = History(store_url)
    build_scenario(h, lambda: None)
    h.draft("r2", 1, "still being gated")  # drafting: not reviewable yet
    return h, Assay(home, store_url)


def test_status_queue_show_review_export(store_url: str, tmp_path: Path) -> None:
    h, assay = make_world(tmp_path, store_url)
    status = assay.json("status")
    r1 = next(r for r in status["runs"] if r["run_id"] == "r1")
    assert (r1["attempts"], r1["queued"], r1["rejected"], r1["status"]) == (8, 4, 4, "completed")
    assert status["totals"]["rejects_by_gate"] == {"oracle": 2, "novelty": 1, "author": 1}
    text = assay("status").stdout
    assert "completed: target reached" in text and "answer '…' does not match oracle '…'" in text
    # Model calls: r2's draft still being gated made an author call too.
    totals = status["totals"]
    assert {m: b["calls"] for m, b in totals["by_model"].items()} == {
        "local/author": 10,
        "local/judge": 4,
        "local/repairer": 1,
        "local/solver": 32,
    }
    assert totals["by_role"]["author"]["errors"] == 1 and totals["by_role"]["solver"]["cost_usd"] == 0.064
    assert totals["by_outcome"] == {"ok": 46, "failed": 1, "errors": {"Timeout": 1}, "retries": 0, "retried": {}}
    assert r1["by_outcome"]["failed"] == 1 and sum(b["calls"] for b in r1["by_model"].values()) == r1["calls"]
    assay.env["COLUMNS"] = "80"
    narrow = assay("status").stdout
    assay.env["COLUMNS"] = "220"
    assert all(len(line) <= 80 for line in narrow.splitlines())
    assert "Calls by model" in narrow and "Calls by role" in narrow
    assert "calls: 46 ok, 1 failed (Timeout 1)" in narrow
    # Waiting (no verdict yet) apart from ever queued, per run and in the totals.
    for row in [*status["runs"], status["totals"]]:
        assert row["waiting"] == row["queued"] - row["approved"] - row["declined"] >= 0
    assert r1["waiting"] == 1 and status["totals"]["waiting"] == 2
    assert "4 queued for review (1 waiting, 2 approved, 1 declined)" in " ".join(narrow.split())
    model_rows = {line.split()[0]: line.split()[1:] for line in narrow.splitlines() if line.startswith(" local/")}
    assert model_rows["local/author"] == ["10", "1500", "$0.1000", "1"]
    assert model_rows["local/solver"] == ["32", "480", "$0.0640", "0"]
    role_rows = {line.split()[0]: line.split()[1:] for line in narrow.splitlines() if line.startswith(" judge ")}
    assert role_rows == {"judge": ["4", "$0.0200", "0"]}

    # Gate calibration: r1's three decided points (approved after an oracle repair, rejected, edited).
    calibration = status["gate_calibration"]
    assert tuple(calibration[k] for k in ("decided", "approved", "edited", "rejected")) == (3, 1, 1, 1)
    assert calibration["by_gate"]["schema"]["reasons"] == {"ambiguous wording": 1}
    assert calibration["by_repair"]["repaired"]["approve_rate"] == 1.0
    assert calibration["by_repaired_gate"]["oracle"]["decided"] == 1
    lines = [line.strip() for line in narrow.splitlines()]
    table = [line.split() for line in lines[lines.index("Gate calibration: verdicts on points the gates passed") :]]
    for row in (
        ["all", "33%", "(1/3)", "33%", "(1/3)"],
        ["gate", "oracle", "0%", "(0/1)", "0%", "(0/1)"],  # c0 alone passed the oracle gate
        ["schema", "33%", "(1/3)", "33%", "(1/3)"],
        ["repairs", "never", "50%", "(1/2)", "50%", "(1/2)"],
        ["repaired", "0%", "(0/1)", "0%", "(0/1)"],
        ["ambiguous", "wording", "1", "0"],  # Reviewers' reasons: rejected, edited
        ["tolerance", "was", "N,", "should", "be", "N", "0", "1"],
    ):
        assert row in table, row

    assert [(q["run_id"], q["index"]) for q in assay.json("queue")] == [("r1", 7), ("r2", 0)]
    assert [q["index"] for q in assay.json("queue", "--run", "r2")] == [0]
    assert "second run question" in assay("queue").stdout
    assay.env["COLUMNS"] = "80"
    narrow_queue = assay("queue").stdout.splitlines()
    assay.env["COLUMNS"] = "220"
    assert all(len(line) <= 80 for line in narrow_queue)
    # Each point: a head line with its id, its prompt's start on a line of its own, then recipe and coordinate.
    first = next(i for i, line in enumerate(narrow_queue) if line.startswith(cid("r1", 7)[:8]))
    assert "run r1" in narrow_queue[first] and narrow_queue[first + 2].strip().startswith("toy: topic=")

    shown = assay.json("show", cid("r1", 0)[:8])
    assert (shown["spec_name"], shown["coordinate"], shown["status"]) == ("arith", {"topic": "t0"}, "approved")
    assert [r["type"] for r in shown["facts"]] == [
        "Drafted",
        "GatePassed",
        "GateFailed",
        "Repaired",
        "GatePassed",
        "GatePassed",
        "ProbeRequested",
        "Probed",
        "Queued",
        "VerdictGiven",
    ]
    text = assay("show", cid("r1", 0)).stdout
    for part in (
        "arith",
        "topic=t0",
        "oracle: answer disagrees",
        "repair 1 for oracle: changed prompt",
        "local/solver-weak",
        "pass@1=0.00",
        "approve by alice",
        "aaaaaaaa",
        "bbbbbbbb",
        "What is 2 + 2?",
    ):
        assert part in text, part
    # A payload the recipe cannot render (this world's "toy" recipe is not installed) shows as JSON, with or
    # without --raw.
    assert '"prompt": "What is 2 + 2?"' in assay("show", "--raw", cid("r1", 0)).stdout
    run = assay.json("show", "r1")
    assert run["kind"] == "run" and len(run["candidates"]) == 8 and run["run"]["approved"] == 2
    assert "Candidates" in assay("show", "r1").stdout

    out = assay("review", cid("r1", 7)[:6], "--approve").stdout
    assert out == f"approve recorded for candidate {cid('r1', 7)} by carol\n"
    edit = tmp_path / "edit.toml"
    edit.write_text('prompt = "second run, clarified"\nanswer = "9"\n')
    given = assay.json("review", cid("r2", 0), "--edit", str(edit), "--reviewer", "dave", "--reason", " clarified ")
    assert given == {
        "candidate_id": cid("r2", 0),
        "verdict": "edit",
        "reviewer": "dave",
        "reason": "clarified",  # as recorded: trimmed
        "edited": True,
    }
    assert assay.json("queue") == []

    target = tmp_path / "out.jsonl"
    assay("export", "--format", "jsonl", "--output", str(target))
    points = [json.loads(line) for line in target.read_text().splitlines()]
    assert [(p["run_id"], p["index"], p["reviewer"]) for p in points] == [
        ("r1", 0, "alice"),
        ("r1", 6, "alice"),
        ("r1", 7, "carol"),
        ("r2", 0, "dave"),
    ]
    assert points[3]["payload"] == {"prompt": "second run, clarified", "answer": "9"} and points[3]["edited"]
    assert points[0]["difficulty"]["band"] == "discriminating" and points[0]["receipts"]["calls"] == 11
    assert assay("export").stdout == target.read_text()  # stdout by default, same bytes

    # The two verdicts given here through `assay review` count too: an approval and an edit with its reason.
    calibration = assay.json("status")["gate_calibration"]
    assert (calibration["decided"], calibration["approved"], calibration["edited"]) == (5, 2, 2)
    assert calibration["edit_reasons"] == {"tolerance was N, should be N": 1, "clarified": 1}
    assert [(r["version"], r["decided"]) for r in calibration["by_checklist"]["toy2"]] == [(0, 1)]
    assert calibration["by_band"]["unprobed"]["decided"] == 1  # r1's 7 was queued without a probe

    rebuilt = assay.json("rebuild")
    assert rebuilt["dataset"]["points"] == 4 and rebuilt["review_queue"]["queued"] == 0
    assert (rebuilt["gate_calibration"]["decided"], rebuilt["gate_calibration"]["open_candidates"]) == (5, 1)
    assert rebuilt["corpus"]["candidates"] == 10
    assert all(v["position"] == h.ledger.recorder.max_notification_id() for v in rebuilt.values())


def test_status_shows_gate_calibration_only_once_a_point_is_decided(sqlite_url: str, tmp_path: Path) -> None:
    h, assay = History(sqlite_url), Assay(tmp_path, sqlite_url)
    h.start("r1")
    h.queue(h.draft("r1", 0, "What is 2+2?"))
    assert assay.json("status")["gate_calibration"]["decided"] == 0  # type: ignore[index]
    assert "Gate calibration" not in assay("status").stdout
    h.verdict(h.get("r1", 0), "reject", reason="the answer is '5'")
    calibration = assay.json("status")["gate_calibration"]
    assert (calibration["decided"], calibration["reject_rate"]) == (1, 1.0)
    assert calibration["reasons"] == {"the answer is '…'": 1}
    assert "Gate calibration" in assay("status").stdout


def test_bad_input_fails_clearly_and_leaves_the_ledger_alone(sqlite_url: str, tmp_path: Path) -> None:
    h, assay = make_world(tmp_path, sqlite_url)
    h.start("abcd1")
    h.start("abcd2")
    before = h.ledger.recorder.max_notification_id()
    queued = cid("r1", 7)
    bad_json, missing = tmp_path / "bad.json", tmp_path / "missing.json"
    bad_json.write_text("{not json")
    missing.write_text('{"prompt": "no answer here"}')

    assay.fails("show", "ffff0000", message="no candidate or run with id 'ffff0000'")
    assay.fails("show", "ab", message="too short")
    assay.fails("show", "abcd", message="ambiguous: it matches run abcd1, run abcd2")
    assay.fails("review", cid("r1", 0), "--approve", message="already decided: approve by alice")
    assay.fails("review", queued, "--reject", message="--reject needs a --reason")
    assay.fails("review", queued, "--reject", "--reason", "  ", message="--reject needs a --reason")
    assay.fails("review", queued, "--approve", "--reject", message="exactly one of --approve, --reject or --edit")
    assay.fails("review", queued, message="exactly one of")
    assay.fails("review", queued, "--edit", str(bad_json), message=f"{bad_json}: not valid JSON")
    assay.fails("review", queued, "--edit", str(missing), message="missing field 'answer'")
    assay.fails("review", queued, "--edit", str(missing), message=str(missing))
    assay.fails("review", cid("r2", 1), "--approve", message="is drafting, not in the review queue")
    assay.fails("review", "r1", "--approve", message="review takes a candidate id")
    assay.fails("export", "--format", "csv", message="unknown export format 'csv'")
    assay.fails("export", "--json", message="--json needs --output PATH")  # stdout carries the points themselves
    assert h.ledger.recorder.max_notification_id() == before

    empty = Assay(tmp_path / "empty", f"sqlite:///{tmp_path / 'empty' / 'ledger.sqlite'}")
    empty.fails("export", message="no approved points to export")
    assert empty.json("queue") == [] and empty.json("status")["runs"] == []
    broken = Assay(tmp_path, "mysql://nowhere/db")
    broken.fails("status", message="unsupported scheme 'mysql'")


def test_a_concurrent_verdict_wins_and_ours_is_refused(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from cli import app, review_cmds  # noqa: F401  (registers the commands)

    h = History(sqlite_url)
    h.start("r1")
    h.queue(h.draft("r1", 0, "contested"))
    monkeypatch.setenv("ASSAY_STORE_URL", sqlite_url)
    original = AssayLedger.save

    def save_after_a_rival(self: AssayLedger, *aggregates: object, **kw: object) -> object:
        rival = open_ledger(sqlite_url)  # another reviewer decides between our load and our save
        cand = rival.repository.get(candidate_uuid("r1", 0))
        cand.give_verdict(f.VerdictGiven(verdict="reject", reviewer="eve", reason="first"))
        original(rival, cand)
        return original(self, *aggregates, **kw)

    monkeypatch.setattr(AssayLedger, "save", save_after_a_rival)
    result = CliRunner().invoke(app, ["review", cid("r1", 0), "--approve"], standalone_mode=False)
    assert isinstance(result.exception, Conflict)
    assert "someone else decided this point first (reject by eve)" in str(result.exception)
    monkeypatch.undo()
    verdicts = h.ledger.repository.get(candidate_uuid("r1", 0)).verdicts
    assert [(v.verdict, v.reviewer) for v in verdicts] == [("reject", "eve")]


def test_show_renders_the_points_markdown_and_raw_prints_its_source() -> None:
    from rich.console import Console

    from cli.review_cmds import _show_candidate

    payload = {
        "topic": "percentages",
        "difficulty": "easy",
        "prompt": "What is 10% of 250?",
        "answer": "25",
        "answer_type": "numeric",
        "tolerance": 0.01,
        "solution": "250 × 0.1 = 25",
    }
    fact = {"version": 1, "timestamp": "2026-12-02T01:00:00.000000+00:00", "type": "Drafted", "receipts": []}
    history = {
        "candidate_id": "c" * 36,
        "status": "queued",
        "cost_usd": 0.0,
        "run_id": "r1",
        "spec_name": "s",
        "recipe": "ground_truth",
        "index": 0,
        "coordinate": {"topic": "percentages"},
        "facts": [fact],
        "payload": payload,
    }

    def shown(raw: bool) -> str:
        console = Console(record=True, width=80, file=io.StringIO())
        _show_candidate(history, console, raw)
        return console.export_text().split("payload", 1)[1]

    rendered, source = shown(False), shown(True)
    assert "Topic: percentages" in rendered and "What is 10% of 250?" in rendered and "250 × 0.1 = 25" in rendered
    assert "**" not in rendered and "###" not in rendered and "```" not in rendered
    assert "**Topic:** percentages" in source and "### Task" in source and "```" in source
    assert all(len(line) <= 80 for line in rendered.splitlines())
