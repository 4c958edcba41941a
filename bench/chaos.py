"""Chaos: SIGKILL `assay run` at a random moment, `assay resume` it, and check that nothing was lost or doubled.

    python bench/chaos.py [--trials 20] [--attempts 8] [--concurrency 4] [--seed 1] [--external] [--json]

Each trial runs specs/arithmetic.toml in a fresh ASSAY_HOME and SIGKILLs the run's process group (on the embedded
default that is the run and its nats-server) at a moment drawn from a seeded RNG: between 0.05 s after the run is
recorded (its RunStarted in the ledger) and 90% of the recorded-to-completed time a calibration run measured, so the
kills land mid-run however long start-up takes. Then `assay resume` runs until the run completes (a resume still
running after --deadline seconds is a failure). With --external the bench starts a nats-server itself and
`assay serve --only gating` and `--only probing` against it, and each trial also SIGKILLs one service process and
the nats-server at random moments in the same window and restarts them.

After each trial, from the ledger (the project's own adapters) and the stream: every pull 0..A-1 made once, one
candidate per pull, every candidate terminal and settled once, the run completed once, what was recorded before
the kill unchanged, the stream holding exactly the ledger's events (ids and count), and `assay verify` intact.
Prints a line per trial and "trials T, passed P, failed F" (--json: one object); exits 0 only when all pass.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from chaos_procs import stop_all  # noqa: E402
from chaos_topology import SERVICES, Options, calibrate  # noqa: E402
from chaos_trial import Trial, run_trial  # noqa: E402

from adapters import logs  # noqa: E402


def line(trial: Trial) -> str:
    verdict = "PASS" if trial.passed else "FAIL: " + "; ".join(trial.problems)
    resumed = f"{trial.resumes} resume(s) in {trial.resume_s:.1f} s" if trial.run_id else "nothing to resume"
    return (
        f"trial {trial.index:2d} seed {trial.seed:>10}: recorded at {trial.recorded_at:.2f} s, "
        f"killed {', '.join(trial.events)}; "
        f"{trial.phase}; {resumed}: {verdict}"
    )


def rounded(value: Any) -> Any:
    """``value`` with its floats (seconds) to two decimals, for the JSON report."""
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--attempts", type=int, default=8, help="lever pulls per run")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1, help="seeds the kill moments and the runs' seeds")
    parser.add_argument("--external", action="store_true", help="our nats-server and service processes, killed too")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="the offline panel's latency per call")
    parser.add_argument("--ack-wait", type=float, default=2.0, help="ASSAY_ACK_WAIT for every process")
    parser.add_argument("--deadline", type=float, default=180.0, help="seconds a trial's resumes may take")
    parser.add_argument("--keep", action="store_true", help="keep the trials' homes (kept anyway on a failure)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of lines")
    args = parser.parse_args(argv)
    if args.trials < 1 or args.attempts < 1 or args.concurrency < 1:
        parser.error("--trials, --attempts and --concurrency must be at least 1")
    opt = Options(args.attempts, args.concurrency, args.latency_ms, args.ack_wait, args.deadline, args.external)
    say = (lambda text: None) if args.json else (lambda text: print(text, flush=True))
    rng = random.Random(args.seed)
    logs.configure("WARNING")  # the stream check starts an embedded nats-server here: no info lines on stdout
    root = Path(tempfile.mkdtemp(prefix="assay-chaos-"))
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a terminated bench still stops its processes
    began = time.monotonic()
    trials: list[Trial] = []
    try:
        first, last, end = calibrate(root, opt, rng.randrange(2**31))
        # Kills are timed from the moment the run is recorded, up to just before it would complete: start-up
        # takes seconds and varies with the machine's load, so timing from the process start would miss the run.
        window = (0.05, max(0.3, 0.9 * (last - first)))
        mode = "external nats-server, services " + ", ".join(SERVICES) if opt.external else "embedded"
        say(f"{mode}; attempts {opt.attempts}, concurrency {opt.concurrency}, seed {args.seed}")
        say(
            f"calibration: run recorded at {first:.2f} s, completed at {last:.2f} s, process ended at {end:.2f} s; "
            f"kills {window[0]:.2f}-{window[1]:.2f} s after the run is recorded"
        )
        for index in range(args.trials):
            trials.append(run_trial(index, rng, window, root, opt))
            say(line(trials[-1]))
    except RuntimeError as exc:  # the calibration run failed: there is nothing to time the kills by
        print(f"error: {exc} (homes kept in {root})", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the finally below stops what we started
        print(f"interrupted after {len(trials)} trials (homes kept in {root})", file=sys.stderr)
        return 130
    finally:
        stop_all()
    failed = [t for t in trials if not t.passed]
    wall = time.monotonic() - began
    summary = f"trials {len(trials)}, passed {len(trials) - len(failed)}, failed {len(failed)}"
    mid = sum(t.phase.startswith("mid-run") for t in trials)
    kept = str(root) if failed or args.keep else None
    if args.json:
        out: dict[str, Any] = {"trials": len(trials), "passed": len(trials) - len(failed), "failed": len(failed)}
        out.update(mid_run=mid, seed=args.seed, external=opt.external, attempts=opt.attempts)
        out.update(concurrency=opt.concurrency, wall_s=wall, calibration_s={"recorded": first, "completed": last})
        out.update(window_s=window, kept=kept, results=[{**asdict(t), "passed": t.passed} for t in trials])
        print(json.dumps(rounded(out), indent=2))
    else:
        print(f"{summary} ({mid} killed mid-run); {wall:.0f} s")
    if kept:
        say(f"trial homes kept in {kept}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
