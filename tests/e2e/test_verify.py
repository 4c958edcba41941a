"""`assay verify` against a real SQLite ledger that a test tampers with directly, row by row."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.e2e.helpers import SPEC, assay


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger fixed by its seed (at concurrency 1): every draft of seed 1 passes gates, and 4 of 8 are queued."""
    home = tmp_path_factory.mktemp("verify") / ".assay"
    ran = assay(home, "run", str(SPEC), "--attempts", "8", "--concurrency", "1", "--seed", "1", "--quiet")
    assert ran.returncode == 0, ran.stderr
    return home


def copy_of(recorded: Path, tmp_path: Path) -> Path:
    home = tmp_path / ".assay"
    shutil.copytree(recorded, home, ignore=shutil.ignore_patterns("nats"))
    return home


def rows(home: Path, tag: str) -> list[tuple[int, str, int, bytes]]:
    with sqlite3.connect(home / "ledger.sqlite") as db:
        return [
            r
            for r in db.execute(
                "SELECT rowid, originator_id, originator_version, state FROM stored_events ORDER BY rowid"
            )
            if f'"assay.{tag}"'.encode() in bytes(r[3])
        ]


def change(home: Path, sql: str, *args: object) -> None:
    with sqlite3.connect(home / "ledger.sqlite") as db:
        db.execute(sql, args)


def verify(home: Path) -> tuple[int, dict]:
    done = assay(home, "verify", "--json")
    return done.returncode, json.loads(done.stdout)


def test_an_untouched_ledger_is_intact(recorded: Path, tmp_path: Path) -> None:
    home = copy_of(recorded, tmp_path)
    code, report = verify(home)
    assert code == 0 and report["ok"] and report["unchained"] == 0
    assert report["events"] > 40 and report["aggregates"] == 9  # one run, eight candidates
    text = assay(home, "verify")
    assert text.returncode == 0 and "ledger intact" in text.stdout


def test_an_altered_fact_is_named(recorded: Path, tmp_path: Path) -> None:
    home = copy_of(recorded, tmp_path)
    rowid, cid, version, state = rows(home, "GatePassed")[0]
    forged = bytes(state).replace(b'"gate":"', b'"gate":"x', 1)
    change(home, "UPDATE stored_events SET state = ? WHERE rowid = ?", forged, rowid)
    code, report = verify(home)
    assert code == 1 and not report["ok"]
    (problem,) = report["problems"]
    assert problem["kind"] == "altered" and problem["version"] == version and problem["position"] == rowid
    assert cid.replace("-", "") in problem["aggregate"].replace("-", "")
    shown = assay(home, "verify")
    assert (
        shown.returncode == 1
        and f"v{version} (position {rowid}, GatePassed) does not match its hash chain" in " ".join(shown.stdout.split())
    )


def test_a_removed_event_is_named(recorded: Path, tmp_path: Path) -> None:
    home = copy_of(recorded, tmp_path)
    rowid, cid, version, _ = next(r for r in rows(home, "GatePassed") if r[2] > 1)
    change(home, "DELETE FROM stored_events WHERE rowid = ?", rowid)
    code, report = verify(home)
    assert code == 1
    kinds = {(p["kind"], p["version"], p["position"]) for p in report["problems"]}
    assert ("removed", version + 1, rowid + 1) in kinds or ("removed", None, rowid) in kinds
    assert any(f"event version {version} is missing" in p["message"] for p in report["problems"])


def test_a_removed_last_event_is_named_by_the_run(recorded: Path, tmp_path: Path) -> None:
    home = copy_of(recorded, tmp_path)
    settled = rows(home, "Queued") + rows(home, "Rejected")
    last = max(settled, key=lambda r: r[0])  # a terminal event; later rows exist only in the run
    change(home, "DELETE FROM stored_events WHERE rowid = ?", last[0])
    code, report = verify(home)
    assert code == 1
    assert any(p["kind"] == "removed" and "event is missing (run" in p["message"] for p in report["problems"])


def test_undecodable_bytes_are_named(recorded: Path, tmp_path: Path) -> None:
    home = copy_of(recorded, tmp_path)
    rowid, cid, version, _ = rows(home, "Drafted")[0]
    change(home, "UPDATE stored_events SET state = ? WHERE rowid = ?", b"{not json", rowid)
    code, report = verify(home)
    assert code == 1
    assert any(p["kind"] == "undecodable" and p["position"] == rowid for p in report["problems"])
