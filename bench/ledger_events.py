"""Realistic ledger events for the ledger benchmarks, and the side-by-side trial helper they share.

The events are the facts of one small run of the offline panel (``assay demo`` at ASSAY_PANEL_LATENCY_MS=0 into a
temporary home), grouped per aggregate as the run recorded them, and repeated under fresh aggregate ids until
there are ``--events`` of them. ``--ledger PATH`` reuses the facts of an existing SQLite ledger instead.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Group:
    """One aggregate's facts in order: its class (Run, Candidate, ...) and what it recorded."""

    aggregate: Any  # a Chained subclass
    facts: list[Any]


def demo_ledger(home: Path) -> Path:
    """Run a small offline-panel demo into ``home`` and return its ledger file."""
    env = {**os.environ, "ASSAY_HOME": str(home), "ASSAY_PANEL_LATENCY_MS": "0"}
    assay = Path(sys.executable).with_name("assay")
    cmd = [str(assay), "demo", "--attempts", "24", "--seed", "7", "--no-preflight"]
    subprocess.run(cmd, env=env, cwd=home, check=True, capture_output=True)
    return home / "ledger.sqlite"


def recorded_groups(ledger: Path | None, scratch: Path) -> list[Group]:
    """The facts of a run, per aggregate, from ``ledger`` (default: a fresh demo run in a folder under
    ``scratch``)."""
    from eventsourcing.utils import resolve_topic

    from adapters.ledger import open_ledger, stored
    from domain.chain import fact_event

    if ledger is None:
        ledger = demo_ledger(Path(tempfile.mkdtemp(dir=scratch, prefix="demo-")))
    app = open_ledger(f"sqlite:///{ledger}")
    groups: dict[Any, Group] = {}
    for n in stored(app):
        if n.originator_id not in groups:
            groups[n.originator_id] = Group(resolve_topic(n.topic.rsplit(".", 1)[0]), [])
        groups[n.originator_id].facts.append(fact_event(app.mapper.to_domain_event(n)).fact)
    app.close()
    return list(groups.values())


def scaled(groups: list[Group], events: int) -> list[Group]:
    """Whole groups, cycled, until they hold at least ``events`` facts."""
    out: list[Group] = []
    count = 0
    while count < events:
        for group in groups:
            out.append(group)
            count += len(group.facts)
            if count >= events:
                break
    return out


def side_by_side(contenders: Mapping[str, Callable[[], float]], trials: int = 3) -> dict[str, float]:
    """Each contender's rate (it returns events per second), alternating the order trial by trial; the median."""
    names = list(contenders)
    rates: dict[str, list[float]] = {name: [] for name in names}
    for trial in range(trials):
        for name in names if trial % 2 == 0 else reversed(names):
            rates[name].append(contenders[name]())
    return {name: statistics.median(values) for name, values in rates.items()}


def rate(count: int, run: Callable[[], object], passes: int = 1) -> float:
    """Events per second of ``run()`` over ``count`` events; the best of ``passes`` runs (for the short in-memory
    figures, which other processes on a shared machine otherwise swamp)."""
    best = float("inf")
    for _ in range(passes):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return count / best


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
