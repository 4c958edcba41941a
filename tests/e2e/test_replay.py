"""`assay replay`: re-gate a real run's recorded drafts after a gate change, with no generation call."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import UUID

import pytest

import recipes
from adapters.ledger import AssayLedger, open_ledger
from domain import facts as f
from domain.ids import run_uuid
from domain.passk import band
from domain.run import Run
from domain.spec import parse_spec
from recipes.versions import gate_versions
from tests.e2e.helpers import SPEC, assay

RERUN = ["difficulty", "gameability", "final"]


@contextmanager
def ledger(home: Path) -> Iterator[AssayLedger]:
    app = open_ledger(f"sqlite:///{home / 'ledger.sqlite'}")
    try:
        yield app
    finally:
        app.close()


def facts(app: AssayLedger, candidate_id: str) -> list[f.Fact]:
    return [e.fact for e in app.repository.event_store.get(UUID(candidate_id))]  # type: ignore[attr-defined]


def by_index(app: AssayLedger, run_id: str) -> dict[int, list[f.Fact]]:
    run = app.repository.get(run_uuid(run_id))
    return {i: facts(app, p.candidate_id) for i, p in run.pulls.items()}


def last_probe(history: list[f.Fact]) -> f.Probed | None:
    return next((x for x in reversed(history) if isinstance(x, f.Probed)), None)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A source run fixed by its seed (at concurrency 1): seed 1 queues 4 of its 8 drafts and rejects 4, all of
    them probed, with no repair at or after the difficulty gate (so a replay from there re-runs no earlier gate
    and repeats the source whatever its own concurrency)."""
    home = tmp_path_factory.mktemp("replay") / ".assay"
    ran = assay(home, "run", str(SPEC), "--attempts", "8", "--concurrency", "1", "--seed", "1", "--quiet")
    assert ran.returncode == 0, ran.stderr
    return home, json.loads(assay(home, "status", "--json").stdout)["runs"][0]["run_id"]


def replay(home: Path, *args: str) -> dict:
    out = assay(home, "replay", *args, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_an_unchanged_replay_repeats_the_source_and_generates_nothing(source: tuple[Path, str]) -> None:
    home, src = source
    r = replay(home, src[:6], "--from-gate", "difficulty")
    assert r["replay_of"] == src and r["newly_admitted"] == [] and r["newly_rejected"] == []
    assert r["unchanged"]["count"] == r["carried"] == 8 - len(r["not_carried"])
    assert r["unchanged"]["reason_changed"] == 0
    versions = {v["gate"]: v for v in r["gate_versions"]}
    assert [g for g, v in versions.items() if v["rerun"]] == RERUN
    runs = {row["run_id"]: row for row in json.loads(assay(home, "status", "--json").stdout)["runs"]}
    assert (runs[r["run_id"]]["replay_of"], runs[r["run_id"]]["from_gate"]) == (src, "difficulty")
    today = gate_versions(recipes.get("ground_truth"), parse_spec(SPEC.read_text()))
    assert versions["difficulty"]["version"] == versions["difficulty"]["source"] == today["difficulty"]
    with ledger(home) as app:
        run = app.repository.get(run_uuid(r["run_id"]))
        assert (run.replay_of, run.from_gate, run.attempts) == (src, "difficulty", r["carried"])
        assert {type(p) for p in run.pulls.values()} == {f.CandidateCarried}  # no lever pulled
        old, new = by_index(app, src), by_index(app, r["run_id"])
        receipts = [x for h in new.values() for fact in h for x in getattr(fact, "receipts", [])]
        assert receipts and not [x for x in receipts if x.role == "author"]  # no generation call at all
        for index, history in new.items():
            drafted = history[0]
            assert isinstance(drafted, f.Drafted) and drafted.origin is not None and not drafted.receipts
            assert drafted.origin.candidate_id == str(app.repository.get(run_uuid(src)).pulls[index].candidate_id)
            carried = [x for x in history if getattr(x, "carried_from", "")]
            assert all(not getattr(x, "receipts", []) for x in carried)
            for x in history:  # run again (from the gate on, or after a repair): today's version
                if isinstance(x, (f.GatePassed, f.GateFailed)) and not getattr(x, "carried_from", ""):
                    assert x.gate_version == today[x.gate]
            probe = last_probe(history)
            if probe is not None and not probe.carried_from:  # the panel, seeded as the source was, answers alike
                assert probe.outcomes == last_probe(old[index]).outcomes  # type: ignore[union-attr]
    queue = json.loads(assay(home, "queue", "--json").stdout)
    assert {q["run_id"] for q in queue} == {src}  # points the gates admitted before do not queue twice
    assert assay(home, "verify").returncode == 0  # the replay's facts are chained like any others


def test_a_tighter_band_newly_rejects_the_points_that_fall_out_of_it(source: tuple[Path, str], tmp_path: Path) -> None:
    home, src = source
    with ledger(home) as app:  # every probe of every admitted point (a repair after the probe probes again)
        run = app.repository.get(run_uuid(src))
        probes = {
            i: [x for x in facts(app, p.candidate_id) if isinstance(x, f.Probed)]
            for i, p in run.pulls.items()
            if run.settled[p.candidate_id].outcome == "queued"
        }
    spreads = [
        max(o.c / o.n for o in p.outcomes) - min(o.c / o.n for o in p.outcomes) for ps in probes.values() for p in ps
    ]
    spread = min(1.0, round(min(spreads) + 0.1, 2))  # tight enough to push at least one point out
    # The panel answers the replay as it answered the source, so a point falls out if any of its probes does.
    expected = {i for i, ps in probes.items() if any(not band(p.outcomes, 0.9, spread).in_band for p in ps)}
    assert expected  # fixed by the seed: the narrowest spread is under 0.9, so a band 0.1 tighter drops its point
    changed = tmp_path / "changed.toml"
    changed.write_text(SPEC.read_text().replace("min_spread = 0.3", f"min_spread = {spread}"))

    r = replay(home, src, "--from-gate", "difficulty", "--spec", str(changed))
    assert r["newly_admitted"] == []
    assert {x["index"] for x in r["newly_rejected"]} == expected
    assert all(x["gate"] == "difficulty" and x["reason"].startswith("out of band: ") for x in r["newly_rejected"])
    assert r["unchanged"]["count"] == r["carried"] - len(expected)
    versions = {v["gate"]: v for v in r["gate_versions"]}
    assert versions["difficulty"]["version"] != versions["difficulty"]["source"]  # the changed gate says so
    assert all(versions[g]["version"] in ("", versions[g]["source"]) for g in ("gameability", "final"))

    text = assay(home, "replay", r["run_id"], "--diff")  # the same comparison as text, starting nothing
    assert text.returncode == 0, text.stderr
    assert f"newly rejected: {len(expected)}" in text.stdout and "newly admitted: 0" in text.stdout
    shown = assay(home, "show", r["newly_rejected"][0]["replay_id"])
    assert shown.returncode == 0 and "replay of candidate" in shown.stdout


def test_bad_input_is_one_line_and_writes_nothing(source: tuple[Path, str], tmp_path: Path) -> None:
    home, src = source
    with ledger(home) as app:
        before = app.recorder.max_notification_id()
    cases = [
        ((src, "--from-gate", "nope"), "unknown gate 'nope' for recipe ground_truth; its gates, in order: construct"),
        (("ffffffffffff",), "no run with id 'ffffffffffff'"),
        (("ff",), "too short"),
        ((src, "--spec", str(SPEC.parent / "writing-rubrics.toml")), "a replay re-gates with the same recipe"),
        ((src, "--diff"), "is not a replay"),
    ]
    for args, message in cases:
        out = assay(home, "replay", *args)
        assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr, (args, out.stderr)
    with ledger(home) as app:
        assert app.recorder.max_notification_id() == before

    other = tmp_path / ".assay"  # two runs still running, whose ids share a prefix
    with ledger(other) as app:
        for run_id in ("abcd00000001", "abcd00000002"):
            started = f.RunStarted(run_id=run_id, spec_name="s", recipe="ground_truth", spec={}, policy=f.Policy())
            app.save(Run.start(run_uuid(run_id), started))
    ambiguous = assay(other, "replay", "abcd")
    assert ambiguous.returncode == 2 and "is ambiguous" in ambiguous.stderr
    running = assay(other, "replay", "abcd00000001")
    assert running.returncode == 2 and "is still running" in running.stderr
