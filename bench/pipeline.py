"""Assay vs a bare asyncio loop: the same lever pulls, the same model calls, side by side in one process.

    python bench/pipeline.py [--pulls 80] [--concurrency 8] [--latency-ms 50] [--spec specs/arithmetic.toml]

The offline panel answers every call after a fixed simulated latency. Assay runs the full spine (ledger on a
SQLite file, relay, embedded nats-server, durable consumers, every service); the bare loop runs the same
recipe steps (services.loop) with the same seeds and no ledger or bus. Printed: throughput of each, Assay's as
a ratio of the bare loop's (target >= 0.8), events appended per second, model calls, and peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from uuid import uuid4

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class PeakRss:
    """Samples this process's resident set size in a thread; reports the peak above a baseline."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()

    @staticmethod
    def rss() -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def __enter__(self) -> PeakRss:
        self.base = self.rss()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(0.01)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def report(self) -> str:
        return f"peak RSS {self.peak / 2**20:6.1f} MiB (+{(self.peak - self.base) / 2**20:5.1f} MiB in this phase)"


async def bare(spec, run_id: str, seed: int, pulls: int, concurrency: int) -> tuple[float, int]:  # noqa: ANN001
    """The same work with no ledger and no bus: draft, gates, probe, gates, all in memory.

    Facts go straight into in-memory projections (checklist, novelty corpus) instead of a ledger, so the
    author sees the same kind of checklist and the novelty gate the same kind of corpus as in Assay.
    """
    import structlog

    import recipes
    from adapters.llm import LLM, ModelError
    from domain import facts as f
    from domain.candidate import Candidate
    from domain.chain import fact_event
    from domain.coordinates import coordinates
    from domain.ids import candidate_uuid
    from projections.checklist import Checklist
    from projections.corpus import Corpus
    from recipes.base import DraftError
    from services.loop import run_gates, run_probe
    from services.roles import context, draft_seed, gate_seed

    llm, recipe = LLM(), recipes.get(spec.recipe, **spec.recipe_options)
    coords = coordinates(spec.axis_table(), seed, pulls)
    window, parallel = asyncio.Semaphore(concurrency), asyncio.Semaphore(16)
    checklist, corpus = Checklist.load(None), Corpus.load(None)
    position = calls = 0
    log = structlog.get_logger("bench.bare")

    def keep(candidate: Candidate) -> None:
        nonlocal position
        for event in map(fact_event, candidate.collect_events()):
            position += 1
            env = f.Envelope(
                event_id=f"{event.originator_id}:{event.originator_version}",
                originator_id=str(event.originator_id),
                version=event.originator_version,
                position=position,
                timestamp=event.timestamp.isoformat(),
                fact=event.fact,
            )
            checklist.apply(env)
            corpus.apply(env)

    async def one(index: int) -> None:
        nonlocal calls
        cid = candidate_uuid(run_id, index)
        async with window:
            ctx = context(
                llm,
                spec,
                run_id=run_id,
                candidate_id=str(cid),
                index=index,
                coordinate=coords[index],
                seed=draft_seed(seed, index),
                checklist=checklist.items(spec.recipe),
            )
            common = dict(
                run_id=run_id,
                index=index,
                recipe=spec.recipe,
                coordinate=coords[index],
                checklist_version=checklist.version(spec.recipe),
            )
            try:
                draft = await recipe.draft(ctx)
                cand = Candidate.draft(cid, f.Drafted(payload=draft.payload, receipts=draft.receipts, **common))
            except (DraftError, ModelError) as exc:
                receipts = exc.receipts if isinstance(exc, DraftError) else [exc.receipt]
                cand = Candidate.draft(cid, f.DraftFailed(reason=str(exc), receipts=receipts, **common))
                cand.reject("author", str(exc))
            keep(cand)
            if cand.status == "drafting":
                gctx = context(
                    llm,
                    spec,
                    run_id=run_id,
                    candidate_id=str(cid),
                    index=index,
                    coordinate=coords[index],
                    seed=gate_seed(seed, index),
                    corpus=corpus.entries(),
                )

                async def save() -> None:
                    keep(cand)

                await run_gates(cand, recipe, gctx, spec.gates.max_repairs, save, log)
                if cand.status == "probing":
                    await run_probe(cand, recipe, replace(gctx, seed=seed), spec, parallel, save, log)
                    if cand.status == "drafting":
                        await run_gates(cand, recipe, gctx, spec.gates.max_repairs, save, log)
            calls += len(cand.receipts)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(pulls)))
    return time.perf_counter() - started, calls


async def assay(spec, run_id: str, seed: int, pulls: int, concurrency: int, home: Path) -> tuple[float, int, int]:  # noqa: ANN001
    """The full spine on embedded defaults; returns wall time, events appended and model calls."""
    from adapters.config import Settings
    from app.runtime import Runtime
    from domain import facts as f
    from domain.ids import run_uuid
    from domain.run import Run
    from domain.spec import spec_to_dict

    settings = Settings(home=home, store_url=f"sqlite:///{home / 'ledger.sqlite'}", nats_url=None)
    runtime = Runtime(settings)
    await runtime.start()
    try:
        before = runtime.ledger.recorder.max_notification_id() or 0
        policy = f.Policy(mode="attempts", target=pulls, concurrency=concurrency)
        started = time.perf_counter()
        await runtime.store.save(
            Run.start(
                run_uuid(run_id),
                f.RunStarted(
                    run_id=run_id,
                    spec_name=spec.name,
                    recipe=spec.recipe,
                    spec=spec_to_dict(spec),
                    policy=policy,
                    seed=seed,
                ),
            )
        )
        while (await runtime.store.run(run_uuid(run_id))).completed is None:
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - started
        events = (runtime.ledger.recorder.max_notification_id() or 0) - before
        run = await runtime.store.run(run_uuid(run_id))
        calls = 0
        for settled in run.settled.values():
            calls += len((await runtime.store.candidate(settled.candidate_id)).receipts)
        return elapsed, events, calls
    finally:
        await runtime.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pulls", type=int, default=80)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--spec", type=Path, default=ROOT / "specs" / "arithmetic.toml")
    args = parser.parse_args()
    os.environ["ASSAY_PANEL_LATENCY_MS"] = str(args.latency_ms)

    from adapters import logs
    from adapters.llm import load_litellm
    from domain.spec import parse_spec

    logs.configure("ERROR")
    load_litellm()  # import cost paid before either side is timed
    spec = parse_spec(args.spec.read_text(), str(args.spec))
    run_id = uuid4().hex[:12]
    with tempfile.TemporaryDirectory() as tmp:
        with PeakRss() as bare_mem:
            bare_s, bare_calls = asyncio.run(bare(spec, run_id, spec.seed, args.pulls, args.concurrency))
        with PeakRss() as assay_mem:
            assay_s, events, assay_calls = asyncio.run(
                assay(spec, run_id, spec.seed, args.pulls, args.concurrency, Path(tmp))
            )
    bare_tp, assay_tp = args.pulls / bare_s, args.pulls / assay_s
    ratio = assay_tp / bare_tp
    print(f"pulls {args.pulls}, concurrency {args.concurrency}, simulated model latency {args.latency_ms:.0f} ms")
    print(f"bare loop : {bare_s:7.2f} s  {bare_tp:6.2f} pulls/s  {bare_calls:5d} model calls  {bare_mem.report()}")
    print(f"assay     : {assay_s:7.2f} s  {assay_tp:6.2f} pulls/s  {assay_calls:5d} model calls  {assay_mem.report()}")
    print(f"events appended: {events} ({events / assay_s:.0f} events/s)")
    calls_ratio = (assay_calls / assay_s) / (bare_calls / bare_s)
    print(
        f"model calls per second ratio assay/bare: {calls_ratio:.2f} (the two sides' novelty checks see drafts "
        "in a timing-dependent order, so their call counts can differ slightly)"
    )
    print(f"throughput ratio assay/bare: {ratio:.2f} (target >= 0.80) {'OK' if ratio >= 0.8 else 'BELOW TARGET'}")


if __name__ == "__main__":
    main()
