"""Big ledgers for the read-side benches and tests, made quickly from a small real one.

A real run (the offline panel at zero latency) records ~11 events per pull; reaching 100k events that way takes
many minutes. ``replicate`` instead re-records a source ledger's facts through the domain aggregates, copy after
copy, as more lever pulls of one run (new candidate ids, indexes offset per copy): every chain is computed anew,
so ``verify`` passes, and the projections see a run as big as the one the panel would have made.

``source_ledger`` makes the source: a real run through the whole spine, then verdicts on its queued points
(approvals, edits, rejections with reasons), so every projection has work to do.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from adapters.ledger import AssayLedger, iter_envelopes, open_ledger  # noqa: E402
from domain import facts as f  # noqa: E402
from domain.candidate import Candidate  # noqa: E402
from domain.chain import Chained  # noqa: E402
from domain.ids import candidate_uuid, run_uuid  # noqa: E402
from domain.run import Run  # noqa: E402

SAVE_EVERY = 2000  # source events re-recorded between saves (one transaction each)


def source_ledger(home: Path, pulls: int = 150, spec: Path = ROOT / "specs" / "arithmetic.toml") -> str:
    """A real run of ``pulls`` lever pulls in ``home`` (``assay run`` at zero panel latency), then verdicts on its
    queued points; returns the store URL. Reuses the ledger when ``home`` already holds one."""
    url = f"sqlite:///{home / 'ledger.sqlite'}"
    if (home / "ledger.sqlite").exists():
        return url
    env = dict(os.environ, ASSAY_HOME=str(home), ASSAY_PANEL_LATENCY_MS="0")
    assay = Path(sys.executable).with_name("assay")
    cmd = [str(assay), "run", str(spec), "--attempts", str(pulls), "--concurrency", "16", "--quiet", "--json"]
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=900)
    review_queue(url)
    return url


def review_queue(url: str) -> int:
    """Verdicts on queued points in turn: approve, reject (with a reason), approve, edit, and every fifth left in
    the queue; returns how many were decided."""
    from adapters import logs
    from adapters.tracking import TrackingStore
    from adapters.views import catch_up
    from app.verdicts import record
    from projections.review_queue import ReviewQueue

    logs.configure("ERROR")
    ledger, tracking = open_ledger(url), TrackingStore(url)
    try:
        items = [q for i, q in enumerate(catch_up(ledger, tracking, ReviewQueue).items()) if i % 5 != 4]
        for i, q in enumerate(items):
            cid = q["candidate_id"]
            if i % 4 == 1:
                record(ledger, cid, "bench", "reject", reason=f"the wording of item {i} is ambiguous")
            elif i % 4 == 3:
                payload = _edited(ledger, cid)
                record(ledger, cid, "bench", "edit", reason="clearer prompt", payload=payload)
            else:
                record(ledger, cid, "bench", "approve")
        return len(items)
    finally:
        tracking.close()


def _edited(ledger: AssayLedger, cid: str) -> dict[str, Any]:
    from app.history import load_candidate

    payload = dict(load_candidate(ledger, cid).payload)
    payload["prompt"] = str(payload.get("prompt", "")) + " (Answer with a number.)"
    return payload


def replicate(source_url: str, target_url: str, events: int, run_id: str = "big") -> int:
    """Re-record ``source_url``'s facts into ``target_url`` copy after copy until it holds at least ``events``
    events, all as pulls of one run ``run_id`` (the source's first RunStarted and last RunCompleted stand for
    the run's); returns the number of events stored."""
    source = open_ledger(source_url)
    envs = list(iter_envelopes(source))
    target = open_ledger(target_url)
    # Each source pull gets a slot; copy k records it as pull k * len(slots) + slot.
    slots: dict[str, int] = {}
    for env in envs:
        if isinstance(env.fact, f.LeverPulled):
            slots.setdefault(env.fact.candidate_id, len(slots))
    run_uid = run_uuid(run_id)
    run: Run | None = None
    completed: f.RunCompleted | None = None
    copy = 0
    stored = target.recorder.max_notification_id() or 0
    while stored < events:
        last = stored + len(envs) >= events
        candidates: dict[str, Chained] = {}  # source originator id -> this copy's aggregate
        pending: list[Chained] = []
        base = copy * len(slots)
        for n, env in enumerate(envs, 1):
            fact = env.fact
            if isinstance(fact, f.RunStarted):
                if run is None:
                    run = Run.start(run_uid, msgspec.structs.replace(fact, run_id=run_id))
                    pending.append(run)
            elif isinstance(fact, f.RunCompleted):
                completed = fact
            elif isinstance(fact, f.LeverPulled | f.CandidateSettled):
                assert run is not None, "the source's run starts before its pulls"
                index = base + slots[fact.candidate_id]
                new: dict[str, Any] = {"candidate_id": str(candidate_uuid(run_id, index))}
                if isinstance(fact, f.LeverPulled):
                    new.update(index=index, run_id=run_id)
                run.trigger_event(run.Recorded, fact=msgspec.structs.replace(fact, **new))
            elif isinstance(fact, f.Drafted | f.DraftFailed):
                index = base + slots[env.originator_id]
                renamed = msgspec.structs.replace(fact, run_id=run_id, index=index)
                drafted = candidates[env.originator_id] = Candidate.draft(candidate_uuid(run_id, index), renamed)
                pending.append(drafted)
            elif env.originator_id in candidates:
                agg = candidates[env.originator_id]
                agg.trigger_event(agg.Recorded, fact=fact)
                pending.append(agg)
            if n % SAVE_EVERY == 0:
                _save(target, run, pending)
        if last and run is not None and completed is not None:
            run.complete(completed.reason)
        _save(target, run, pending)
        copy += 1
        stored = target.recorder.max_notification_id() or 0
    return stored


def _save(ledger: AssayLedger, run: Run | None, pending: list[Chained]) -> None:
    """One transaction: the run first (its pulls come before the candidates' facts), then each candidate once."""
    seen: dict[int, Chained] = {}
    for agg in ([run] if run is not None else []) + pending:
        seen.setdefault(id(agg), agg)
    ledger.save(*seen.values())
    pending.clear()
