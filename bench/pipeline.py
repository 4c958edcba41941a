"""Assay vs a bare asyncio loop: the same lever pulls, the same model calls, side by side in one process.

    python bench/pipeline.py [--pulls 80] [--concurrency 8] [--latency-ms 50] [--rounds 3] [--json]
                             [--side both|bare|assay] [--spec specs/arithmetic.toml]

The offline panel answers every call after a fixed simulated latency. Assay runs the full spine (ledger on a
SQLite file, relay, embedded nats-server, durable consumers, every service); the bare loop runs the same
recipe steps (services.loop) for the same candidate ids and seeds, with the same in-memory checklist and novelty
corpus, and no ledger or bus. Each round runs both sides back to back, the first side alternating round by
round; the figures are medians over the rounds. Assay's start-up (nats-server, ledger, consumers) is timed and
printed apart; the run is timed from its RunStarted to its RunCompleted. Printed: throughput of each side,
Assay's as a ratio of the bare loop's (target >= 0.9), CPU time per model call, events appended per second,
model calls, and peak memory. ``--side`` runs one side once (for profiling).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET = 0.9


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
    from services.novelty_tools import CorpusNovelty, LazyCorpus
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
                    corpus=LazyCorpus(corpus.entries),  # as the gating service gives it
                    novelty=CorpusNovelty(corpus, run_id),
                )

                async def save() -> None:
                    keep(cand)

                await run_gates(cand, recipe, gctx, spec.gates.max_repairs, save, log)
                # A repair after the probe can invalidate it (the probe gate reads the changed fields): probed again,
                # as the probing service does.
                while cand.status == "probing":
                    await run_probe(cand, recipe, replace(gctx, seed=seed), spec, parallel, save, log)
                    if cand.status == "drafting":
                        await run_gates(cand, recipe, gctx, spec.gates.max_repairs, save, log)
            calls += len(cand.receipts)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(pulls)))
    return time.perf_counter() - started, calls


async def completed(runtime, run_id: str) -> None:  # noqa: ANN001
    """Return once the run has completed: woken by its RunCompleted fact on the bus (a core NATS subscription,
    so waiting costs nothing while the run works), checked in the ledger, with a slow poll as a fallback."""
    from adapters.bus import subject_of
    from domain import facts as f
    from domain.ids import run_uuid

    done = asyncio.Event()

    async def on_completed(msg) -> None:  # noqa: ANN001
        done.set()

    sub = await runtime.bus.broker._connection.subscribe(subject_of(f.RunCompleted), cb=on_completed)
    try:
        while (await runtime.store.run(run_uuid(run_id))).completed is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), timeout=1.0)
            done.clear()
    finally:
        await sub.unsubscribe()


async def assay(
    spec, run_id: str, seed: int, pulls: int, concurrency: int, home: Path
) -> tuple[float, float, int, int]:  # noqa: ANN001
    """The full spine on embedded defaults; returns start-up time (nats-server, ledger, consumers), run wall time,
    events appended and model calls."""
    from adapters.config import Settings
    from app.runtime import Runtime
    from domain import facts as f
    from domain.ids import run_uuid
    from domain.run import Run
    from domain.spec import spec_to_dict

    settings = Settings(home=home, store_url=f"sqlite:///{home / 'ledger.sqlite'}", nats_url=None)
    began = time.perf_counter()
    runtime = Runtime(settings)
    await runtime.start()
    startup = time.perf_counter() - began
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
        await completed(runtime, run_id)
        elapsed = time.perf_counter() - started
        events = (runtime.ledger.recorder.max_notification_id() or 0) - before
        run = await runtime.store.run(run_uuid(run_id))
        calls = 0
        for settled in run.settled.values():
            calls += len((await runtime.store.candidate(settled.candidate_id)).receipts)
        return startup, elapsed, events, calls
    finally:
        await runtime.stop()


class Side(NamedTuple):
    """One timed run of one side."""

    seconds: float
    calls: int
    startup: float = 0.0
    events: int = 0
    rss_mib: float = 0.0
    cpu_s: float = 0.0  # this process's CPU time (user + system) for the side, start-up included


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_bare(spec, args: argparse.Namespace) -> Side:  # noqa: ANN001
    before = cpu()
    with PeakRss() as mem:
        seconds, calls = asyncio.run(bare(spec, args.run_id, spec.seed, args.pulls, args.concurrency))
    return Side(seconds, calls, rss_mib=mem.peak / 2**20, cpu_s=cpu() - before)


def run_assay(spec, args: argparse.Namespace) -> Side:  # noqa: ANN001
    before = cpu()
    with tempfile.TemporaryDirectory() as tmp, PeakRss() as mem:
        startup, seconds, events, calls = asyncio.run(
            assay(spec, args.run_id, spec.seed, args.pulls, args.concurrency, Path(tmp))
        )
    return Side(seconds, calls, startup, events, mem.peak / 2**20, cpu() - before)


def measure(spec, args: argparse.Namespace) -> dict[str, Any]:  # noqa: ANN001
    """``rounds`` rounds, each running both sides back to back, the first side alternating; medians of each."""
    bares: list[Side] = []
    assays: list[Side] = []
    for round_ in range(args.rounds):
        order = ("bare", "assay") if round_ % 2 == 0 else ("assay", "bare")
        for side in order:
            if side == "bare":
                bares.append(run_bare(spec, args))
            else:
                assays.append(run_assay(spec, args))
            last = bares[-1] if side == "bare" else assays[-1]
            if not args.json:
                print(
                    f"  round {round_ + 1} {side:5s}: {last.seconds:6.2f} s  {args.pulls / last.seconds:6.2f} pulls/s"
                    f"  {last.calls:5d} model calls" + (f"  start-up {last.startup:.2f} s" if side == "assay" else ""),
                    flush=True,
                )
    ratios = [(b.seconds / a.seconds) for a, b in zip(assays, bares, strict=True)]
    calls_ratios = [(a.calls / a.seconds) / (b.calls / b.seconds) for a, b in zip(assays, bares, strict=True)]
    return {
        "pulls": args.pulls,
        "concurrency": args.concurrency,
        "latency_ms": args.latency_ms,
        "rounds": args.rounds,
        "bare_s": statistics.median(b.seconds for b in bares),
        "assay_s": statistics.median(a.seconds for a in assays),
        "bare_pulls_per_s": statistics.median(args.pulls / b.seconds for b in bares),
        "assay_pulls_per_s": statistics.median(args.pulls / a.seconds for a in assays),
        "assay_startup_s": statistics.median(a.startup for a in assays),
        "events_per_s": statistics.median(a.events / a.seconds for a in assays),
        "bare_calls": statistics.median(b.calls for b in bares),
        "assay_calls": statistics.median(a.calls for a in assays),
        "ratio": statistics.median(ratios),
        "ratios": [round(r, 3) for r in ratios],
        "calls_per_s_ratio": statistics.median(calls_ratios),
        "bare_cpu_s": statistics.median(b.cpu_s for b in bares),
        "assay_cpu_s": statistics.median(a.cpu_s for a in assays),
        "bare_peak_rss_mib": max(b.rss_mib for b in bares),
        "assay_peak_rss_mib": max(a.rss_mib for a in assays),
        "target": TARGET,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pulls", type=int, default=80)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of both sides, first side alternating")
    parser.add_argument("--side", choices=("both", "bare", "assay"), default="both", help="one side only (profiling)")
    parser.add_argument("--spec", type=Path, default=ROOT / "specs" / "arithmetic.toml")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument(
        "--run-id",
        default="bench0pipeline",
        help="both sides draft the same candidates from it (their ids seed the panel's tasks): same work each run",
    )
    args = parser.parse_args()
    os.environ["ASSAY_PANEL_LATENCY_MS"] = str(args.latency_ms)

    from adapters import logs
    from adapters.llm import load_litellm
    from domain.spec import parse_spec

    logs.configure("ERROR")
    load_litellm()  # import cost paid before either side is timed
    spec = parse_spec(args.spec.read_text(), str(args.spec))
    if args.side != "both":
        one = (run_bare if args.side == "bare" else run_assay)(spec, args)
        print(
            f"{args.side}: {one.seconds:.2f} s, {args.pulls / one.seconds:.2f} pulls/s, {one.calls} model calls,"
            f" CPU {one.cpu_s:.2f} s ({one.cpu_s / one.calls * 1000:.2f} ms per call)"
        )
        return
    if not args.json:
        print(f"pulls {args.pulls}, concurrency {args.concurrency}, simulated model latency {args.latency_ms:.0f} ms")
    result = measure(spec, args)
    if args.json:
        print(json.dumps(result))
        return
    r = result
    print(
        f"bare loop : {r['bare_s']:7.2f} s  {r['bare_pulls_per_s']:6.2f} pulls/s  {r['bare_calls']:5.0f} model calls"
        f"  peak RSS {r['bare_peak_rss_mib']:6.1f} MiB"
    )
    print(
        f"assay     : {r['assay_s']:7.2f} s  {r['assay_pulls_per_s']:6.2f} pulls/s  {r['assay_calls']:5.0f} model calls"
        f"  peak RSS {r['assay_peak_rss_mib']:6.1f} MiB"
    )
    print(
        f"CPU time per model call: bare {r['bare_cpu_s'] / r['bare_calls'] * 1000:.2f} ms,"
        f" assay {r['assay_cpu_s'] / r['assay_calls'] * 1000:.2f} ms (start-up included)"
    )
    print(f"assay start-up (nats-server, ledger, consumers; not in the ratio): {r['assay_startup_s']:.2f} s")
    print(f"events appended: {r['events_per_s']:.0f} events/s")
    print(f"model calls per second ratio assay/bare: {r['calls_per_s_ratio']:.2f}")
    verdict = "OK" if r["ratio"] >= TARGET else "BELOW TARGET"
    print(
        f"throughput ratio assay/bare, median of {args.rounds}: {r['ratio']:.2f} {r['ratios']}"
        f" (target >= {TARGET}) {verdict}"
    )


if __name__ == "__main__":
    main()
