"""Scale-out on a real cluster: pulls/s with 1, 2 and 4 worker processes, then a chaos pass.

    python bench/scaleout.py [--attempts 200] [--latency-ms 200] [--workers 1,2,4] [--rounds 1] [--json]

Each pass starts a fresh 3-node nats-server cluster on 127.0.0.1 from deploy/nats/nats-cluster.conf (cluster
routes, the ASSAY stream with 3 replicas as deploy/nats/init-stream.sh makes it), a fresh PostgreSQL database
(created and dropped; --postgres, default ASSAY_TEST_POSTGRES_URL or the local server), and `assay serve`
processes spread over the nodes:

- one control process, `--only relay,orchestrator,publisher`;
- N worker processes, `--only relay,generation,gating,probing`: every model-calling service, each consumer running
  --handlers handlers at once (ASSAY_WORKERS). Every process runs a relay; the relay lease lets one publish.

The run (specs/arithmetic.toml, --attempts pulls, --concurrency in flight) is recorded from this process, as
`assay run` would, and timed from its record to RunCompleted in the ledger. The offline panel answers each model
call after --latency-ms, so with the run's concurrency above what one worker handles, model latency dominates and
throughput grows with the workers. The passes run one after another in this process (--rounds alternates them
again), and the ratios are taken against the 1-worker pass of the same round.

The chaos pass (--chaos-processes, default 4: two workers `--only relay,orchestrator,generation,probing` and two
gating replicas) SIGKILLs one gating replica and one NATS node once a third of the attempts settled. After every
pass: every pull made once, every candidate terminal and settled once, the run completed once (zero loss, zero
duplicates), the stream holding exactly the ledger's events, `assay verify` intact, and in the chaos pass, with
three orchestrators, one "lever pulled" line per pull. Exits 0 only when every pass passes and the targets are met
(--no-targets: the checks only). --json prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from chaos_procs import stop_all  # noqa: E402
from scaleout_trial import Pass, Setup, postgres_problem, run_pass  # noqa: E402

from adapters import logs  # noqa: E402

TARGETS = {2: 1.7, 4: 3.0}  # pulls/s at N workers over pulls/s at 1


def line(p: Pass) -> str:
    verdict = "ok" if p.passed else "FAIL: " + "; ".join(p.problems)
    killed = f", killed {', '.join(p.killed)}" if p.killed else ""
    return (
        f"{p.name:>10}: {p.seconds:6.1f} s  {p.pulls_per_s:6.2f} pulls/s  {p.events} events, "
        f"relay lease held by {p.lease_holder}{killed}: {verdict}"
    )


def ratios(passes: list[Pass]) -> dict[int, list[float]]:
    """Per worker count, pulls/s over the 1-worker pass of the same round."""
    out: dict[int, list[float]] = {}
    base = None
    for p in passes:
        if p.name.startswith("chaos"):
            continue
        if p.processes == 1:
            base = p.pulls_per_s
        if base:
            out.setdefault(p.processes, []).append(p.pulls_per_s / base)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--workers", default="1,2,4", help="worker process counts, comma-separated (1 first)")
    parser.add_argument("--handlers", type=int, default=1, help="ASSAY_WORKERS: each consumer's handlers per process")
    parser.add_argument("--concurrency", type=int, default=64, help="the run's candidates in flight")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the worker passes, alternating")
    parser.add_argument("--chaos-processes", type=int, default=4, help="0: no chaos pass")
    parser.add_argument("--chaos-only", action="store_true", help="only the chaos pass (no throughput passes)")
    parser.add_argument("--chaos-attempts", type=int, default=None, help="default: --attempts")
    parser.add_argument("--ack-wait", type=float, default=5.0, help="ASSAY_ACK_WAIT: a killed replica's work back")
    parser.add_argument("--deadline", type=float, default=600.0, help="seconds a run may take")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default=None, help="admin URL (default ASSAY_TEST_POSTGRES_URL or local)")
    parser.add_argument("--no-targets", action="store_true", help="exit status from the checks only")
    parser.add_argument("--keep", action="store_true", help="keep the passes' directories")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of lines")
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.workers.split(",") if c.strip()]
    if args.chaos_only:
        counts, args.chaos_processes = [], args.chaos_processes or 4
    elif not counts or counts[0] != 1 or min(counts) < 1 or args.attempts < 1 or args.rounds < 1:
        parser.error("--workers must start with 1 and list positive counts; --attempts and --rounds at least 1")
    postgres = (
        args.postgres or os.environ.get("ASSAY_TEST_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    if why := postgres_problem(postgres):
        print(f"error: {why}", file=sys.stderr)
        return 2
    setup = Setup(
        args.attempts, args.concurrency, args.handlers, args.latency_ms, args.ack_wait, args.deadline, postgres
    )
    say = (lambda text: None) if args.json else (lambda text: print(text, flush=True))
    logs.configure("WARNING")
    rng = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="assay-scaleout-"))
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a terminated bench still stops its processes
    began = time.monotonic()
    passes: list[Pass] = []
    say(
        f"attempts {args.attempts}, latency {args.latency_ms:.0f} ms, run concurrency {args.concurrency}, "
        f"{args.handlers} handlers per consumer per process; 3-node cluster, PostgreSQL; "
        f"{os.cpu_count()} cores, {platform.platform(terse=True)}"
    )
    try:
        for r in range(args.rounds):
            for n in counts:
                seed = rng.randrange(2**31)
                passes.append(run_pass(f"{n} worker{'s' if n > 1 else ''}", root / f"r{r}-{n}", setup, n, False, seed))
                say(line(passes[-1]))
        if args.chaos_processes:
            chaos = Setup(**{**asdict(setup), "attempts": args.chaos_attempts or args.attempts})
            passes.append(run_pass("chaos", root / "chaos", chaos, args.chaos_processes, True, rng.randrange(2**31)))
            say(line(passes[-1]))
    except KeyboardInterrupt:
        print(f"interrupted (directories kept in {root})", file=sys.stderr)
        return 130
    finally:
        stop_all()
    measured = ratios(passes)
    mean = {n: sum(v) / len(v) for n, v in measured.items()}
    met = {n: mean.get(n, 0.0) >= target for n, target in TARGETS.items() if n in mean}
    failed = [p for p in passes if not p.passed]
    for n in sorted(mean):
        if n > 1:
            target = f" (target >= {TARGETS[n]:.1f}) {'OK' if met[n] else 'MISSED'}" if n in TARGETS else ""
            say(
                f"ratio {n} workers / 1: {mean[n]:.2f}"
                + (f" over {len(measured[n])} rounds" if args.rounds > 1 else "")
                + target
            )
    say(f"passes {len(passes)}, failed {len(failed)}; {time.monotonic() - began:.0f} s")
    kept = str(root) if failed or args.keep else None
    if args.json:
        out: dict[str, Any] = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"cores": os.cpu_count(), "platform": platform.platform(terse=True)},
            "attempts": args.attempts,
            "latency_ms": args.latency_ms,
            "concurrency": args.concurrency,
            "handlers": args.handlers,
            "passes": [{**asdict(p), "passed": p.passed} for p in passes],
            "ratios": {str(n): round(v, 3) for n, v in mean.items()},
            "targets": {str(n): t for n, t in TARGETS.items()},
            "targets_met": {str(n): ok for n, ok in met.items()},
            "failed": len(failed),
            "kept": kept,
        }
        print(json.dumps(out, indent=2, default=lambda v: round(v, 3) if isinstance(v, float) else str(v)))
    if kept:
        say(f"directories kept in {kept}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    if failed:
        return 1
    return 0 if args.no_targets or all(met.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
