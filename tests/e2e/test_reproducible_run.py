"""`assay run SPEC --concurrency 1 --seed S` twice, in two fresh homes, records the same run: the same drafts,
the same model calls (prompt and response hashes), the same gate outcomes and repairs, the same probes and the
same review queue. Only ids, timestamps and latencies differ."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import msgspec

from adapters.ledger import iter_envelopes, open_ledger
from domain import facts as f
from tests.e2e.helpers import ASSAY, SPEC, assay, env_for

VARIES = {"latency_ms", "run_id", "candidate_id", "queued_at", "position"}  # ids, clocks, ledger positions


def _plain(value: Any, ids: dict[str, str]) -> Any:
    """``value`` without what varies between two runs; candidate ids (say, a novelty gate's nearest draft)
    become the pull index they belong to."""
    if isinstance(value, dict):
        return {k: _plain(v, ids) for k, v in value.items() if k not in VARIES}
    if isinstance(value, list):
        return [_plain(v, ids) for v in value]
    if isinstance(value, str) and value in ids:
        return ids[value]
    return value


def _record(home: Path) -> tuple[list[tuple[str, str, Any]], list[Any], int]:
    """Every fact of the run by the pull it belongs to (in ledger order), the queue, and the recorded seed."""
    envelopes = _envelopes(home)
    ids = {e.originator_id: f"#{e.fact.index}" for e in envelopes if isinstance(e.fact, (f.Drafted, f.DraftFailed))}
    (seed,) = [e.fact.seed for e in envelopes if isinstance(e.fact, f.RunStarted)]
    facts = [
        (ids.get(e.originator_id, "run"), f.tag_of(type(e.fact)), _plain(msgspec.to_builtins(e.fact), ids))
        for e in envelopes
    ]
    queue = assay(home, "queue", "--json")
    assert queue.returncode == 0, queue.stderr
    return facts, _plain(json.loads(queue.stdout), ids), seed


def test_same_seed_at_concurrency_one_records_the_same_run(tmp_path: Path) -> None:
    homes = [tmp_path / name / ".assay" for name in ("first", "second")]
    for home in homes:
        home.parent.mkdir()
    args = ["run", str(SPEC), "--attempts", "8", "--concurrency", "1", "--seed", "5", "--quiet"]
    runs = [  # side by side: the two runs share nothing but the seed
        subprocess.Popen(
            [str(ASSAY), *args],
            env=env_for(home),
            cwd=home.parent,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for home in homes
    ]
    for proc in runs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err + out
        assert "seed 5" in out
    (first, queue1, seed1), (second, queue2, seed2) = (_record(home) for home in homes)
    assert seed1 == seed2 == 5
    kinds = {tag for _, tag, _ in first}
    assert {"Drafted", "GatePassed", "Probed", "CandidateSettled", "RunCompleted"} <= kinds
    assert kinds & {"Rejected", "GateFailed"} and queue1, "a run with both rejects and queued points"
    assert len(first) == len(second)
    for mine, theirs in zip(first, second, strict=True):
        assert mine == theirs
    assert queue1 == queue2


def test_without_a_seed_each_run_draws_its_own_and_prints_it(tmp_path: Path) -> None:
    home = tmp_path / ".assay"
    seeds = []
    for _ in range(2):
        ran = assay(home, "run", str(SPEC), "--attempts", "1", "--concurrency", "1", "--quiet")
        # 3: the one draft was junk, which the offline panel's author writes for some seeds (an honest reject)
        assert ran.returncode in (0, 3) and "seed " in ran.stdout, ran.stderr
        seeds.append(int(ran.stdout.split("seed ")[1].split()[0]))
    recorded = [e.fact.seed for e in _envelopes(home) if isinstance(e.fact, f.RunStarted)]
    assert recorded == seeds and seeds[0] != seeds[1]


def _envelopes(home: Path) -> list[f.Envelope]:
    ledger = open_ledger(f"sqlite:///{home / 'ledger.sqlite'}")
    try:
        return list(iter_envelopes(ledger))
    finally:
        ledger.close()
