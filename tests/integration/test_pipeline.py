"""The whole spine in one process: real nats-server, real SQLite file or PostgreSQL database, offline panel."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from uuid import uuid4

import pytest

from adapters.config import Settings
from adapters.ledger import iter_envelopes
from adapters.views import catch_up, rebuild
from app.runtime import Runtime
from domain import facts as f
from domain.ids import run_uuid
from domain.run import Run
from domain.spec import parse_spec, spec_to_dict
from projections.corpus import Corpus
from projections.run_stats import RunStats
from recipes.base import CorpusEntry
from tests.e2e.helpers import SPEC


async def _run(runtime: Runtime, policy: f.Policy, timeout: float = 90) -> Run:
    spec = parse_spec(SPEC.read_text(), str(SPEC))
    run_id = uuid4().hex[:12]
    fact = f.RunStarted(
        run_id=run_id, spec_name=spec.name, recipe=spec.recipe, spec=spec_to_dict(spec), policy=policy, seed=spec.seed
    )
    await runtime.store.save(Run.start(run_uuid(run_id), fact))
    async with asyncio.timeout(timeout):
        while (run := await runtime.store.run(run_uuid(run_id))).completed is None:
            await asyncio.sleep(0.05)
    return run


@pytest.fixture
async def runtime(store_url: str, nats_url: str, tmp_path: Path):  # noqa: ANN201
    rt = Runtime(Settings(home=tmp_path, store_url=store_url, nats_url=nats_url))
    await rt.start()
    yield rt
    await rt.stop()


async def test_attempts_policy_settles_every_pull(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[int] = []
    entries = Corpus.entries

    def counted(self: Corpus, **kwargs: object) -> list[CorpusEntry]:
        built.append(len(self.candidates))
        return entries(self, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Corpus, "entries", counted)
    run = await _run(runtime, f.Policy(mode="attempts", target=10, concurrency=3))
    assert run.attempts == 10 and len(run.settled) == 10
    assert run.completed is not None and run.completed.reason.startswith("attempts done")
    facts = list(iter_envelopes(runtime.ledger))
    drafted = Counter(e.originator_id for e in facts if isinstance(e.fact, (f.Drafted, f.DraftFailed)))
    assert len(drafted) == 10 and set(drafted.values()) == {1}
    for settled in run.settled.values():
        candidate = await runtime.store.candidate(settled.candidate_id)
        assert candidate.status in ("queued", "rejected")
        if candidate.status == "rejected":
            assert candidate.rejection.gate and candidate.rejection.reason
        else:
            assert candidate.probe is not None and candidate.probe.in_band
        assert all(r.model and r.prompt_sha256 for r in candidate.receipts)
    # The run statistics projection, built incrementally and rebuilt from zero, agree with the run.
    stats = catch_up(runtime.ledger, runtime.tracking, RunStats)
    row = stats.run(run.run_id)
    assert (row["attempts"], row["queued"], row["rejected"]) == (10, run.queued, run.rejected)
    assert rebuild(runtime.ledger, runtime.tracking, RunStats).dump() == stats.dump()
    # The novelty gate ran on every draft through the index; no gate read the whole corpus (no semantic stage), so
    # gating never built it (it walks every candidate in the ledger: services.novelty_tools.LazyCorpus).
    novelty = [e for e in facts if isinstance(e.fact, f.GatePassed | f.GateFailed) and e.fact.gate == "novelty"]
    assert novelty and all(e.fact.detail["indexed"] for e in novelty)
    assert built == []


async def test_until_accepted_stops_at_the_target(runtime: Runtime) -> None:
    run = await _run(runtime, f.Policy(mode="until_accepted", target=3, concurrency=3))
    assert run.queued == 3
    assert run.completed is not None and "accepted target reached" in run.completed.reason
    assert run.attempts == len(run.settled) >= 3


async def test_spend_cap_stops_pulling(runtime: Runtime) -> None:
    run = await _run(runtime, f.Policy(mode="attempts", target=200, concurrency=2, max_cost=0.01))
    assert run.completed is not None and run.completed.reason.startswith("spend cap reached")
    assert run.attempts < 200
    assert run.cost_usd >= 0.01
    # Only the candidates already in flight when the cap was reached were allowed to finish.
    assert run.cost_usd < 0.01 + 2 * max(s.cost_usd for s in run.settled.values())
