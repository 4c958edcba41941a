"""Every handler is idempotent: deliver every event twice, concurrently, and nothing is done twice.

Handlers are driven directly over a real SQLite ledger and the offline panel; delivery itself (acks,
redelivery on the server) is tested against a real nats-server in tests/integration.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from uuid import uuid4

from adapters.ledger import envelopes, iter_envelopes, open_ledger
from adapters.llm import LLM
from adapters.store import Store
from adapters.views import View
from domain import facts as f
from domain.ids import run_uuid
from domain.run import Run
from domain.spec import parse_spec, spec_to_dict
from projections.checklist import Checklist
from projections.corpus import Corpus
from services.gating import Gating
from services.generation import Generation
from services.orchestrator import Orchestrator
from services.probing import Probing
from tests.e2e.helpers import SPEC

Handler = Callable[[f.Envelope], Awaitable[None]]


class TwiceBus:
    """Delivers each event to each consumer twice at once, as a redelivery racing the original would."""

    def __init__(self) -> None:
        self.handlers: dict[type, list[Handler]] = defaultdict(list)
        self.deliveries = 0

    def consume(self, durable: str, fact_type: type, handler: Handler, *, max_workers: int | None = None) -> None:
        self.handlers[fact_type].append(handler)

    async def deliver(self, env: f.Envelope) -> None:
        for handler in self.handlers.get(type(env.fact), []):
            self.deliveries += 2
            results = await asyncio.gather(handler(env), handler(env), return_exceptions=True)
            for result in results:
                # A conflicting save is how optimistic concurrency refuses the loser; redelivery retries it.
                if isinstance(result, Exception) and "IntegrityError" not in type(result).__name__:
                    raise result


async def test_duplicate_deliveries_change_nothing(tmp_path: Path) -> None:
    ledger = open_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    store, llm, bus = Store(ledger), LLM(), TwiceBus()
    Orchestrator(store).register(bus)
    Generation(store, llm, View(ledger, Checklist)).register(bus)
    Gating(store, llm, View(ledger, Corpus)).register(bus)
    Probing(store, llm).register(bus)

    spec = parse_spec(SPEC.read_text(), str(SPEC))
    run_id = uuid4().hex[:12]
    policy = f.Policy(mode="attempts", target=8, concurrency=3)
    await store.save(
        Run.start(
            run_uuid(run_id),
            f.RunStarted(
                run_id=run_id, spec_name=spec.name, recipe=spec.recipe, spec=spec_to_dict(spec), policy=policy
            ),
        )
    )

    position = 0
    for _ in range(400):
        batch = envelopes(ledger, position)
        if not batch:
            break
        for env in batch:
            await bus.deliver(env)
            # Deliver it again later too, after other events moved the aggregates on.
            await bus.deliver(env)
        position = batch[-1].position

    run = await store.run(run_uuid(run_id))
    assert run.completed is not None, "the run finished although every event arrived four times"
    assert bus.deliveries > 100
    facts = list(iter_envelopes(ledger))
    pulls = [e.fact.index for e in facts if isinstance(e.fact, f.LeverPulled)]
    assert sorted(pulls) == list(range(8))
    drafted = Counter(e.originator_id for e in facts if isinstance(e.fact, (f.Drafted, f.DraftFailed)))
    assert len(drafted) == 8 and set(drafted.values()) == {1}
    settled = Counter(e.fact.candidate_id for e in facts if isinstance(e.fact, f.CandidateSettled))
    assert len(settled) == 8 and set(settled.values()) == {1}
    per_candidate: dict[str, list[f.Fact]] = defaultdict(list)
    for e in facts:
        per_candidate[e.originator_id].append(e.fact)
    for cid in drafted:
        tags = [f.tag_of(x) for x in per_candidate[cid]]
        # Each probe request is answered once: no Probed without a request, never two for one request.
        probe_marks = [t for t in tags if t in ("ProbeRequested", "Probed")]
        assert probe_marks in (
            ["ProbeRequested", "Probed"] * (len(probe_marks) // 2),
            ["ProbeRequested", "Probed"] * (len(probe_marks) // 2) + ["ProbeRequested"],
        ), tags
        assert tags.count("ProbeRequested") <= tags.count("Repaired") + 1, tags
        assert tags.count("Queued") + tags.count("Rejected") == 1, tags
        passed = [x.gate for x in per_candidate[cid] if isinstance(x, f.GatePassed)]
        repairs = tags.count("Repaired")
        # Without repairs a gate passes at most once; each repair can re-run each gate once more.
        assert max(Counter(passed).values(), default=0) <= repairs + 1, tags
