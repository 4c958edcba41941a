"""The read side on a big ledger: rebuild, verify, follower start-up and commands, at two ledger sizes side by side.

    python bench/ledger_read.py [--events 100000] [--small 10000] [--repeats 3] [--workdir DIR] [--json]
                                [--sections rebuild,verify,startup,commands]

Ledgers: a real run (the offline panel at zero latency, `assay run`), its queued points reviewed, then its facts
re-recorded copy after copy through the domain aggregates until the ledger holds ``--small`` and ``--events``
events (bench/ledger_copies.py). They are made once per bench run in a temporary directory (or in ``--workdir``,
kept and reused).

Each figure is the median of ``--repeats`` measurements, the two sizes measured in alternating order. Linearity is
the big ledger's events/s over the small one's (about 1 when the cost per event does not grow with the ledger);
start-up flatness is the big ledger's start-up time over the small one's.

Each section (``rebuild``, ``verify``, ``startup``, ``commands``) prints one short line and returns its figures;
bench/ledger.py imports and runs them. With ``--json`` this prints one JSON object with every section's figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGET_EVENTS_S = 100_000
TARGET_COMMAND_S = 1.0
_MADE: dict[tuple[str, int], Path] = {}  # (workdir, events) -> the home holding a ledger of that size


# --- ledgers ---------------------------------------------------------------------------------


def _opt(args: argparse.Namespace, name: str, default: Any) -> Any:
    value = getattr(args, name, None)
    return default if value is None else value


def workdir(args: argparse.Namespace) -> Path:
    """The directory the ledgers are made in: ``--workdir``, or one temporary directory for this process."""
    given = _opt(args, "workdir", None)
    if given is None:
        given = args.workdir = tempfile.mkdtemp(prefix="assay-ledger-read-")
    path = Path(given)
    path.mkdir(parents=True, exist_ok=True)
    return path


def home(args: argparse.Namespace, events: int) -> Path:
    """An ASSAY_HOME whose ledger holds at least ``events`` events (made on first use, then reused)."""
    from ledger_copies import replicate, source_ledger

    base = workdir(args)
    key = (str(base), events)
    if key not in _MADE:
        target = base / f"ledger-{events}"
        if not (target / "ledger.sqlite").exists():
            source = source_ledger(base / "source", pulls=int(_opt(args, "source_pulls", 150)))
            target.mkdir(parents=True, exist_ok=True)
            replicate(source, f"sqlite:///{target / 'ledger.sqlite'}", events)
        _MADE[key] = target
    return _MADE[key]


def url(where: Path) -> str:
    return f"sqlite:///{where / 'ledger.sqlite'}"


def sizes(args: argparse.Namespace) -> tuple[int, int]:
    return int(_opt(args, "small", 10_000)), int(_opt(args, "events", 100_000))


def alternating(args: argparse.Namespace, measure: Callable[[int], float]) -> dict[int, float]:
    """Median of ``--repeats`` runs of ``measure(size)`` per size, the sizes in alternating order."""
    small, big = sizes(args)
    runs: dict[int, list[float]] = {small: [], big: []}
    for i in range(int(_opt(args, "repeats", 3))):
        for size in (small, big) if i % 2 == 0 else (big, small):
            runs[size].append(measure(size))
    return {size: statistics.median(values) for size, values in runs.items()}


def _events(where: Path) -> int:
    from adapters.ledger import open_ledger

    ledger = open_ledger(url(where))  # held: a ledger closes its connections when collected
    return int(ledger.recorder.max_notification_id() or 0)


def _timed(fn: Callable[[], Any], gc_paused: bool = False) -> float:
    """Seconds ``fn()`` takes; ``gc_paused``: with the cyclic collector off, for a part measured over a whole
    ledger held in memory (its passes over 100k live events are no part of the cost being measured)."""
    was = gc.isenabled()
    if gc_paused:
        gc.disable()
    try:
        started = time.perf_counter()
        fn()
        return time.perf_counter() - started
    finally:
        if gc_paused and was:
            gc.enable()


def _report(args: argparse.Namespace, line: str) -> None:
    """A section's line: on stdout, or on stderr under ``--json`` (stdout then holds only the JSON object)."""
    print(line, file=sys.stderr if _opt(args, "json", False) else sys.stdout, flush=True)


# --- rebuild -----------------------------------------------------------------------------------


def rebuild(args: argparse.Namespace) -> dict[str, Any]:
    """``rebuild_all`` in one scan; split into decoding (adapters.ledger.iter_envelopes) and the projections' own
    work (every projection folded over envelopes decoded up front, then dumped)."""
    from adapters.ledger import iter_envelopes, open_ledger
    from adapters.tracking import TrackingStore
    from adapters.views import Fold, rebuild_all
    from projections.catalog import all_projections

    events = {size: _events(home(args, size)) for size in sizes(args)}
    decoded: dict[int, list[Any]] = {}

    def full(size: int) -> float:
        where = home(args, size)
        ledger, tracking = open_ledger(url(where)), TrackingStore(url(where))
        try:
            return events[size] / _timed(lambda: rebuild_all(ledger, tracking))
        finally:
            tracking.close()

    def decode(size: int) -> float:
        ledger = open_ledger(url(home(args, size)))
        return events[size] / _timed(lambda: decoded.__setitem__(size, list(iter_envelopes(ledger))), gc_paused=True)

    def fold(size: int) -> float:
        envs = decoded[size]

        def run() -> None:
            views = [cls.load(None) for cls in all_projections()]
            folding = Fold(views)
            for env in envs:
                folding.apply(env)
            for view in views:
                view.dump()

        return len(envs) / _timed(run, gc_paused=True)  # as advance() runs it

    rates = {"rebuild": alternating(args, full), "decode": alternating(args, decode), "fold": alternating(args, fold)}
    small, big = sizes(args)
    out = {
        "events": events,
        "events_per_s": {name: {str(events[s]): round(r[s]) for s in r} for name, r in rates.items()},
        "linearity": round(rates["rebuild"][big] / rates["rebuild"][small], 2),
        "target_events_per_s": TARGET_EVENTS_S,
        "ok": rates["rebuild"][big] >= TARGET_EVENTS_S,
    }
    _report(
        args,
        f"rebuild ({len(all_projections())} projections, one scan): {rates['rebuild'][small]:,.0f} / "
        f"{rates['rebuild'][big]:,.0f} events/s "
        f"at {events[small]:,} / {events[big]:,} events (linearity {out['linearity']}; target >= "
        f"{TARGET_EVENTS_S:,}: {'OK' if out['ok'] else 'BELOW'}); of which decoding {rates['decode'][big]:,.0f}/s "
        f"(iter_envelopes), projections' fold + dump {rates['fold'][big]:,.0f}/s",
    )
    return out


# --- verify ------------------------------------------------------------------------------------


def verify(args: argparse.Namespace) -> dict[str, Any]:
    """``app.audit.verify`` over the whole ledger, with its parts measured alone: reading the stored rows
    (adapters.ledger.scan_raw), reading each fact as its twin (twin_reader), and the chain links
    (domain.chain.twin_link over twins read up front)."""
    from adapters.ledger import open_ledger, scan_raw, twin_reader
    from app.audit import verify as walk
    from domain.chain import GENESIS, twin_link

    events = {size: _events(home(args, size)) for size in sizes(args)}
    rows: dict[int, list[Any]] = {}
    facts: dict[int, list[Any]] = {}

    def full(size: int) -> float:
        ledger = open_ledger(url(home(args, size)))
        report: list[Any] = []
        seconds = _timed(lambda: report.append(walk(ledger, positions_are_dense=True)))
        assert report[0].ok, report[0].problems[:3]
        return events[size] / seconds

    def read(size: int) -> float:
        ledger = open_ledger(url(home(args, size)))
        return events[size] / _timed(
            lambda: rows.__setitem__(size, [r for chunk in scan_raw(ledger) for r in chunk]), gc_paused=True
        )

    def decode(size: int) -> float:
        reader = twin_reader(open_ledger(url(home(args, size))))

        def run() -> None:
            facts[size] = [(r[2], reader(r[3], r[4])) for r in rows[size]]

        return events[size] / _timed(run, gc_paused=True)

    def links(size: int) -> float:
        def run() -> None:
            for version, twin in facts[size]:
                if twin is not None:  # a fact without a twin: verify links it the reference way
                    twin_link(GENESIS, "0d3a764c-5deb-50fd-adcd-82a2296854d7", version, twin[0])

        return events[size] / _timed(run, gc_paused=True)

    rates = {
        "verify": alternating(args, full),
        "read_rows": alternating(args, read),
        "decode": alternating(args, decode),
        "link": alternating(args, links),
    }
    small, big = sizes(args)
    per_event_us = {name: 1e6 / r[big] for name, r in rates.items()}
    # What verify adds to reading, decoding and linking (rolling head, version and position checks); noisy, as a
    # difference of four medians. Links are measured over twins read (and made canonical) once: a lower bound.
    own = per_event_us["verify"] - per_event_us["read_rows"] - per_event_us["decode"] - per_event_us["link"]
    out = {
        "events": events,
        "events_per_s": {name: {str(events[s]): round(r[s]) for s in r} for name, r in rates.items()},
        "us_per_event_big": {**{k: round(v, 2) for k, v in per_event_us.items()}, "verify_own": round(own, 2)},
        "linearity": round(rates["verify"][big] / rates["verify"][small], 2),
        "target_events_per_s": TARGET_EVENTS_S,
        "ok": rates["verify"][big] >= TARGET_EVENTS_S,
    }
    _report(
        args,
        f"verify: {rates['verify'][small]:,.0f} / {rates['verify'][big]:,.0f} events/s at {events[small]:,} / "
        f"{events[big]:,} events (linearity {out['linearity']}; target >= {TARGET_EVENTS_S:,}: "
        f"{'OK' if out['ok'] else 'BELOW'}); per event: rows {per_event_us['read_rows']:.1f} us, twin decode "
        f"{per_event_us['decode']:.1f} us, chain link {per_event_us['link']:.1f} us, verify's own {own:.1f} us",
    )
    return out


# --- follower start-up ---------------------------------------------------------------------------


def startup(args: argparse.Namespace) -> dict[str, Any]:
    """Time to a current in-memory view for the services' Checklist (generation) and Corpus (gating): from a
    checkpoint stored half a checkpoint interval behind the ledger's end (a typical lag), and from zero (as before
    checkpoints). Also the Corpus's novelty index, built on the gate's first query after start-up."""
    from adapters.ledger import iter_envelopes, open_ledger
    from adapters.tracking import TrackingStore
    from adapters.views import CHECKPOINT_EVERY, View
    from projections.base import tracking_name
    from projections.checklist import Checklist
    from projections.corpus import Corpus

    classes = (Checklist, Corpus)
    lag = CHECKPOINT_EVERY // 2
    for size in sizes(args):  # a checkpoint of each view, ``lag`` events behind the end
        where = home(args, size)
        ledger, tracking = open_ledger(url(where)), TrackingStore(url(where))
        end = int(ledger.recorder.max_notification_id() or 0)
        views: dict[type, Any] = {cls: cls.load(None) for cls in classes}
        position = 0
        for env in iter_envelopes(ledger):
            if env.position > end - lag:
                break
            for projection in views.values():
                projection.apply(env)
            position = env.position
        for cls, projection in views.items():
            tracking.reset(tracking_name(cls))
            tracking.save(tracking_name(cls), position, projection.dump())
        tracking.close()

    def measure(cls: type, checkpoint: bool, query: bool = False) -> Callable[[int], float]:
        def run(size: int) -> float:
            where = home(args, size)
            ledger = open_ledger(url(where))
            tracking = TrackingStore(url(where)) if checkpoint else None
            view: View[Any] = View(ledger, cls, tracking, CHECKPOINT_EVERY if checkpoint else None)
            started = time.perf_counter()
            current = view.current()
            if query:
                current.neighbours("What is 17% of 250 apples?")
            seconds = time.perf_counter() - started
            if tracking is not None:
                tracking.close()
            return seconds

        return run

    figures: dict[str, dict[int, float]] = {}
    for cls in classes:
        figures[f"{cls.name}_from_checkpoint"] = alternating(args, measure(cls, True))
        figures[f"{cls.name}_from_zero"] = alternating(args, measure(cls, False))
    figures["corpus_first_query_from_checkpoint"] = alternating(args, measure(Corpus, True, query=True))
    small, big = sizes(args)
    out: dict[str, Any] = {
        "seconds": {name: {str(s): round(v, 4) for s, v in f.items()} for name, f in figures.items()},
        "flatness": {name: round(f[big] / f[small], 2) for name, f in figures.items()},
        "checkpoint_every": CHECKPOINT_EVERY,
        "checkpoint_lag": lag,
    }
    cp = [figures[f"{c.name}_from_checkpoint"] for c in classes]
    zero = [figures[f"{c.name}_from_zero"] for c in classes]
    _report(
        args,
        "start-up to a current view (checklist, corpus) at "
        f"{small:,} / {big:,} events: from a checkpoint {cp[0][small]:.3f}/{cp[0][big]:.3f} s, "
        f"{cp[1][small]:.3f}/{cp[1][big]:.3f} s (big/small {out['flatness']['checklist_from_checkpoint']}, "
        f"{out['flatness']['corpus_from_checkpoint']}); from zero {zero[0][small]:.3f}/{zero[0][big]:.3f} s, "
        f"{zero[1][small]:.3f}/{zero[1][big]:.3f} s; corpus + first novelty query "
        f"{figures['corpus_first_query_from_checkpoint'][small]:.2f}/"
        f"{figures['corpus_first_query_from_checkpoint'][big]:.2f} s",
    )
    return out


# --- commands ----------------------------------------------------------------------------------


def commands(args: argparse.Namespace) -> dict[str, Any]:
    """``assay status``, ``queue`` and ``show`` as subprocesses (wall time, Python start-up included), with the
    stored views current (warm) and with none stored (cold: the first command after a run); ``assay --help`` is
    the start-up floor. Also ``assay verify`` and ``assay rebuild`` end to end."""
    small, big = sizes(args)
    assay = str(Path(sys.executable).with_name("assay"))
    ids: dict[int, tuple[str, str]] = {}
    for size in (small, big):
        where = home(args, size)
        env = _env(where)
        subprocess.run([assay, "rebuild"], env=env, check=True, capture_output=True)
        queued = json.loads(subprocess.run([assay, "queue", "--json"], env=env, check=True, capture_output=True).stdout)
        ids[size] = (queued[len(queued) // 2]["candidate_id"] if queued else "", "big")

    def command(argv: list[str], cold: bool = False) -> Callable[[int], float]:
        def run(size: int) -> float:
            where = home(args, size)
            if cold:
                for name in ("tracking.sqlite", "tracking.sqlite-wal", "tracking.sqlite-shm"):
                    (where / name).unlink(missing_ok=True)
            cmd = [assay] + [a.replace("{cid}", ids[size][0]).replace("{run}", ids[size][1]) for a in argv]
            started = time.perf_counter()
            done = subprocess.run(cmd, env=_env(where), capture_output=True)
            seconds = time.perf_counter() - started
            assert done.returncode == 0, (cmd, done.stderr[-500:])
            return seconds

        return run

    plan = {
        "help": (["--help"], False),
        "status": (["status"], False),
        "status_json": (["status", "--json"], False),
        "queue": (["queue"], False),
        "queue_json": (["queue", "--json"], False),
        "show_candidate": (["show", "{cid}"], False),
        "show_candidate_json": (["show", "--json", "{cid}"], False),
        "show_run_json": (["show", "--json", "{run}"], False),
        "status_cold": (["status", "--json"], True),
        "queue_cold": (["queue", "--json"], True),
        "show_candidate_cold": (["show", "--json", "{cid}"], True),
        "verify": (["verify"], False),
        "rebuild": (["rebuild"], False),
    }
    figures = {name: alternating(args, command(argv, cold)) for name, (argv, cold) in plan.items()}
    events = {size: _events(home(args, size)) for size in (small, big)}
    warm = ("status", "queue", "show_candidate")
    out: dict[str, Any] = {
        "seconds": {name: {str(s): round(v, 3) for s, v in f.items()} for name, f in figures.items()},
        "events": events,
        "verify_events_per_s": {str(s): round(events[s] / figures["verify"][s]) for s in (small, big)},
        "rebuild_events_per_s": {str(s): round(events[s] / figures["rebuild"][s]) for s in (small, big)},
        "target_s": TARGET_COMMAND_S,
        "ok": all(figures[name][big] < TARGET_COMMAND_S for name in warm),
    }
    line = ", ".join(f"{name} {figures[name][big]:.2f} s" for name in plan if name not in ("verify", "rebuild"))
    _report(
        args,
        f"commands at {events[big]:,} events (wall, median): {line}; end to end verify "
        f"{out['verify_events_per_s'][str(big)]:,}/s, rebuild {out['rebuild_events_per_s'][str(big)]:,}/s "
        f"(status, queue, show under {TARGET_COMMAND_S:.0f} s warm: {'OK' if out['ok'] else 'NO'})",
    )
    return out


def _env(where: Path) -> dict[str, str]:
    return dict(os.environ, ASSAY_HOME=str(where), ASSAY_LOG_LEVEL="ERROR")


SECTIONS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "rebuild": rebuild,
    "verify": verify,
    "startup": startup,
    "commands": commands,
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", type=int, default=100_000, help="events in the big ledger")
    p.add_argument("--small", type=int, default=10_000, help="events in the small ledger")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--source-pulls", type=int, default=150, help="lever pulls of the real run the copies are of")
    p.add_argument("--workdir", type=Path, default=None, help="make (or reuse) the ledgers here, and keep them")
    p.add_argument("--sections", default=",".join(SECTIONS))
    p.add_argument("--json", action="store_true", help="print one JSON object with every section's figures")
    return p


def main() -> None:
    args = parser().parse_args()
    from adapters import logs

    logs.configure("ERROR")
    keep = args.workdir is not None
    try:
        out = {name: SECTIONS[name](args) for name in args.sections.split(",") if name}
    finally:
        if not keep and args.workdir is not None:
            shutil.rmtree(args.workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
