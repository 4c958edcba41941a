"""The ledger near the metal: append, chain link, decode and relay, each against its bare counterpart.

    python bench/ledger.py [--events 2000] [--only append,link,decode,relay] [--ledger PATH] [--json]

Events are real facts from a small offline-panel run (bench/ledger_events.py). Ratios are measured side by side
in one process run, alternating the order trial by trial, median of 3. Targets (issue 14):
  append  Assay's save >= 0.8x bare eventsourcing (plain Aggregate events carrying the same facts as dicts,
          the default transcoder, the same aggregates per transaction), on disk and on tmpfs
  link    a hash-chain link <= 10 us for a typical fact (per fact, best of 5 calls)
  decode  stored rows to Envelopes >= 150k/s (iter_envelopes' decode, rows already read; best of 5 per trial)
  relay   >= 10k events/s and >= 0.9x plain nats-py: asyncio.gather over js.publish of the same bodies and
          headers, batches of the relay's size, a fresh stream each trial (bench/ledger_relay.py)
Sections are ``name(args) -> dict`` in SECTIONS; bench/ledger_read.py's are added when that module exists
(its SECTIONS, or its functions rebuild, verify, startup). ``--json`` prints one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ledger_events import Group, rate, recorded_groups, scaled, side_by_side  # noqa: E402

Section = Callable[[argparse.Namespace], dict[str, Any]]
SECTIONS: dict[str, Section] = {}
_GROUPS: list[Group] = []


def section(fn: Section) -> Section:
    SECTIONS[fn.__name__] = fn
    return fn


def groups(args: argparse.Namespace, events: int | None = None) -> list[Group]:
    """The benchmark's events (read once per process), scaled to ``events`` (default ``--events``)."""
    if not _GROUPS:
        _GROUPS.extend(recorded_groups(args.ledger, Path(args.disk_dir)))
    return scaled(_GROUPS, events or args.events)


def say(line: str, args: argparse.Namespace) -> None:
    if not args.json:
        print(line, flush=True)


@section
def append(args: argparse.Namespace) -> dict[str, Any]:
    """Assay's save (aggregates, chain links, codec, SQLite) vs bare eventsourcing with the same batch shape."""
    import msgspec
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate
    from eventsourcing.persistence import Mapper

    from adapters.ledger import AssayLedger, store_env

    class Plain(Aggregate):
        class Started(Aggregate.Created):
            fact: dict[str, Any]

        class Recorded(Aggregate.Event):
            fact: dict[str, Any]

            def apply(self, aggregate: Any) -> None:
                pass

        def __init__(self, fact: dict[str, Any]) -> None:
            pass

    class OldCodec(AssayLedger):
        def construct_mapper(self) -> Mapper[Any]:
            return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=Mapper)

    work = groups(args)
    count = sum(len(g.facts) for g in work)
    plain = [[msgspec.to_builtins(x) for x in g.facts] for g in work]

    def assay(make: type[AssayLedger], where: str) -> float:
        app = make(env=store_env(f"sqlite:///{tempfile.mkdtemp(dir=where)}/ledger.sqlite"))

        def run() -> None:
            for g in work:
                aggregate = g.aggregate._create(g.aggregate.Started, id=uuid4(), fact=g.facts[0])
                for fact in g.facts[1:]:
                    aggregate.trigger_event(g.aggregate.Recorded, fact=fact)
                app.save(aggregate)

        return rate(count, run, args.passes)

    def bare(where: str) -> float:
        path = f"{tempfile.mkdtemp(dir=where)}/ledger.sqlite"
        app = Application[Any](env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path})

        def run() -> None:
            for facts in plain:
                aggregate = Plain._create(Plain.Started, id=uuid4(), fact=facts[0])
                for fact in facts[1:]:
                    aggregate.trigger_event(Plain.Recorded, fact=fact)
                app.save(aggregate)

        return rate(count, run, args.passes)

    out: dict[str, Any] = {"events": count, "per_transaction": round(count / len(work), 1)}
    for medium, where in (("disk", args.disk_dir), ("tmpfs", args.tmpfs_dir)):
        if where is None:
            continue
        rates = side_by_side(
            {"assay": lambda w=where: assay(AssayLedger, w), "bare": lambda w=where: bare(w)}
            | ({"old_codec": lambda w=where: assay(OldCodec, w)} if args.old_codec else {}),
            args.trials,
        )
        figures = {k: round(v) for k, v in rates.items()} | {"ratio": round(rates["assay"] / rates["bare"], 2)}
        out[medium] = figures
        old = f", the old codec {figures['old_codec']}/s" if args.old_codec else ""
        say(
            f"append {medium:5}: Assay {figures['assay']}/s vs bare eventsourcing {figures['bare']}/s = "
            f"{figures['ratio']}x (target >= 0.8){old}",
            args,
        )
    return out


@section
def link(args: argparse.Namespace) -> dict[str, Any]:
    """A hash-chain link per fact (best of 5 calls each), over the run's facts; the median of 3 passes. Also the
    mean over one pass through the facts in recorded order (best of 3, median of 3), closer to a save's cost."""
    from domain import facts as f
    from domain.chain import GENESIS
    from domain.chain import link as chain_link

    facts = [x for g in groups(args) for x in g.facts]

    def one(fact: Any) -> float:
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            chain_link(GENESIS, "0f0e0d0c-0b0a-4908-8706-050403020100", 7, fact)
            best = min(best, time.perf_counter() - start)
        return best * 1e6

    def mix() -> float:  # one pass over the run's facts in recorded order: caches cold, as in a save
        start = time.perf_counter()
        for fact in facts:
            chain_link(GENESIS, "0f0e0d0c-0b0a-4908-8706-050403020100", 7, fact)
        return (time.perf_counter() - start) / len(facts) * 1e6

    in_order = statistics.median(min(mix() for _ in range(3)) for _ in range(3))
    passes = [[one(x) for x in facts] for _ in range(3)]
    per_fact = [statistics.median(p[i] for p in passes) for i in range(len(facts))]
    by_tag: dict[str, list[float]] = {}
    for fact, us in zip(facts, per_fact, strict=True):
        by_tag.setdefault(f.tag_of(fact), []).append(us)
    tag_means = {tag: round(statistics.mean(v), 2) for tag, v in sorted(by_tag.items())}
    out = {
        "facts": len(facts),
        "mean_us": round(statistics.mean(per_fact), 2),
        "median_us": round(statistics.median(per_fact), 2),
        "p90_us": round(sorted(per_fact)[int(len(per_fact) * 0.9)], 2),
        "in_order_mean_us": round(in_order, 2),
        "by_tag_mean_us": tag_means,
    }
    tags = ", ".join(f"{tag} {us}" for tag, us in tag_means.items())
    say(
        f"link: mean {out['mean_us']} us, median {out['median_us']} us, p90 {out['p90_us']} us per fact (best of 5 "
        f"calls; target <= 10); {out['in_order_mean_us']} us per fact over the run's facts in order",
        args,
    )
    say(f"      by fact: {tags}", args)
    return out


@section
def decode(args: argparse.Namespace) -> dict[str, Any]:
    """Stored rows to Envelopes: adapters.ledger.to_envelope vs the mapper path it replaced; and read + decode
    (each trial the best of 5 passes)."""
    from eventsourcing.persistence import Mapper

    from adapters.ledger import iter_envelopes, open_ledger, rows, stored, to_envelope
    from domain import facts as f
    from domain.chain import fact_event

    path = f"{tempfile.mkdtemp(dir=args.disk_dir)}/ledger.sqlite"
    app = open_ledger(f"sqlite:///{path}")
    for g in groups(args):
        aggregate = g.aggregate._create(g.aggregate.Started, id=uuid4(), fact=g.facts[0])
        for fact in g.facts[1:]:
            aggregate.trigger_event(g.aggregate.Recorded, fact=fact)
        app.save(aggregate)
    notifications = list(stored(app))
    quick = rows(app, 0, len(notifications))  # what iter_envelopes decodes

    old = Mapper[Any](transcoder=app.mapper.transcoder)  # eventsourcing's own, as before adapters.codec

    def mapped(n: Any) -> f.Envelope:
        event = fact_event(old.to_domain_event(n))
        return f.Envelope(
            f"{event.originator_id}:{event.originator_version}",
            str(event.originator_id),
            event.originator_version,
            n.id,
            event.timestamp.isoformat(),
            event.fact,
        )

    rates = side_by_side(
        {
            "envelopes": lambda: rate(len(quick), lambda: [to_envelope(app, n) for n in quick], 5),
            "mapper": lambda: rate(len(quick), lambda: [mapped(n) for n in notifications], 5),
            "read_and_decode": lambda: rate(len(quick), lambda: list(iter_envelopes(app)), 5),
            "read_only": lambda: rate(len(quick), lambda: rows(app, 0, len(quick)), 5),
            "read_notifications": lambda: rate(len(quick), lambda: list(stored(app)), 5),
        },
        args.trials,
    )
    out = {"events": len(quick)} | {k: round(v) for k, v in rates.items()}
    say(
        f"decode: {out['envelopes']}/s straight to Envelope (target >= 150k) vs {out['mapper']}/s through the mapper; "
        f"iter_envelopes with the read {out['read_and_decode']}/s (the read alone {out['read_only']}/s, "
        f"eventsourcing's select_notifications {out['read_notifications']}/s)",
        args,
    )
    return out


def _relay(args: argparse.Namespace) -> dict[str, Any]:
    from ledger_relay import relay

    return relay(args, groups(args, args.relay_events), say)


SECTIONS["relay"] = _relay


def _read_sections() -> None:
    """bench/ledger_read.py's sections (rebuild, verify, startup), when another change has added that module."""
    try:
        import ledger_read  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return
    found = getattr(ledger_read, "SECTIONS", None) or {
        name: getattr(ledger_read, name) for name in ("rebuild", "verify", "startup") if hasattr(ledger_read, name)
    }
    SECTIONS.update(found)


def main() -> None:
    import logging

    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))  # no per-batch lines
    _read_sections()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument(
        "--relay-events", type=int, default=10_000, help="relay: events per trial (a trial of ~1 s outlasts noise)"
    )
    parser.add_argument("--trials", type=int, default=3, help="side-by-side trials per figure (the median is kept)")
    parser.add_argument("--only", default="", help=f"comma-separated sections (default all: {', '.join(SECTIONS)})")
    parser.add_argument("--ledger", type=Path, default=None, help="take the facts from this SQLite ledger")
    parser.add_argument("--disk-dir", default=tempfile.gettempdir(), help="where on-disk ledgers go")
    parser.add_argument(
        "--passes", type=int, default=1, help="append: each trial the best of this many passes (a busy machine)"
    )
    parser.add_argument("--old-codec", action="store_true", help="append: also time the codec this one replaced")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of lines")
    args = parser.parse_args()
    chosen = [s for s in args.only.split(",") if s] or list(SECTIONS)
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)} (known: {', '.join(SECTIONS)})")
    with contextlib.ExitStack() as scratch:  # every ledger, stream store and demo home goes, even on failure
        args.disk_dir = scratch.enter_context(tempfile.TemporaryDirectory(dir=args.disk_dir, prefix="assay-bench-"))
        shm = Path("/dev/shm")
        args.tmpfs_dir = scratch.enter_context(tempfile.TemporaryDirectory(dir=shm)) if shm.is_dir() else None
        results = {name: SECTIONS[name](args) for name in chosen}
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
