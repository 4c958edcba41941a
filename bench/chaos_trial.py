"""One bench/chaos.py trial: plan the kills, carry them out, resume the run until it completes, then check."""

from __future__ import annotations

import contextlib
import heapq
import json
import random
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chaos_checks as checks
from chaos_procs import Proc
from chaos_topology import ASSAY, SERVICES, Options, Topology, await_recorded, child_env, run_proc


@dataclass
class Trial:
    index: int
    seed: int
    kill_at: float  # seconds after the run was recorded
    recorded_at: float = 0.0  # seconds after the run's process started
    events: list[str] = field(default_factory=list)  # what was killed and restarted, and when
    phase: str = ""
    run_id: str | None = None
    resumes: int = 0
    resume_s: float = 0.0
    problems: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass(order=True)
class Event:
    at: float  # seconds after the run was recorded
    what: str  # kill-run, kill-service, kill-nats, restart-service, restart-nats
    target: str = ""
    down: float = 0.0  # kill-nats: seconds until the restart


def plan(rng: random.Random, window: tuple[float, float], opt: Options) -> list[Event]:
    """The kills of one trial, drawn from ``rng`` in ``window``: the run; with --external a service and NATS too."""
    events = [Event(rng.uniform(*window), "kill-run")]
    if opt.external:
        events.append(Event(rng.uniform(*window), "kill-service", rng.choice(SERVICES)))
        events.append(Event(rng.uniform(*window), "kill-nats", down=rng.uniform(0.2, 1.5)))
    return events


def carry_out(events: list[Event], run: Proc, topology: Topology, recorded: float) -> list[str]:
    """Kill and restart at the planned moments after ``recorded`` (seconds after the run's start, when its run was
    recorded); return what happened, in order, with times since the run's start."""
    done: list[str] = []
    anchor = run.started + recorded
    heapq.heapify(events)
    while events:
        event = heapq.heappop(events)
        time.sleep(max(0.0, anchor + event.at - time.monotonic()))
        now = time.monotonic() - run.started
        if event.what == "kill-run":
            done.append(f"run at {now:.2f} s" + ("" if run.kill() else f" (it had exited {run.wait(0)})"))
        elif event.what == "kill-service":
            service = topology.services[event.target]
            assert service.proc is not None
            service.proc.kill()
            done.append(f"{service.name} at {now:.2f} s")
            heapq.heappush(events, Event(event.at + 0.2, "restart-service", event.target))
        elif event.what == "kill-nats" and topology.nats is not None:
            topology.nats.kill()
            done.append(f"nats-server at {now:.2f} s")
            heapq.heappush(events, Event(event.at + event.down, "restart-nats"))
        elif event.what == "restart-nats" and topology.nats is not None:
            topology.nats.start()
            done.append(f"nats-server restarted at {now:.2f} s")
        elif event.what == "restart-service":
            if topology.nats is not None and not topology.nats.alive():  # it would fail to connect: later
                heapq.heappush(events, Event(event.at + 0.2, "restart-service", event.target))
                continue
            topology.services[event.target].start()
            done.append(f"{event.target} restarted at {now:.2f} s")
    return done


def resume(trial: Trial, where: Path, env: dict[str, str], opt: Options) -> None:
    """`assay resume RUN` until the run completes, within ``opt.deadline`` seconds."""
    assert trial.run_id is not None
    began = time.monotonic()
    while True:
        left = opt.deadline - (time.monotonic() - began)
        if left <= 0 or trial.resumes >= 5:
            trial.problems.append(f"the run did not complete after {trial.resumes} resumes")
            break
        trial.resumes += 1
        argv = [str(ASSAY), "resume", trial.run_id, "--quiet", "--json"]
        proc = Proc("resume", argv, env, where, where / "logs").start()
        code = proc.wait(left)
        if code is None:
            proc.kill()
            trial.problems.append(f"assay resume hung: still running after {opt.deadline:.0f} s")
            break
        with contextlib.suppress(ValueError):
            if json.loads(proc.stdout()).get("status") == "completed":
                break
        if code not in (0, 3, 130):  # 130: interrupted, so resume again; anything else is a failure
            trial.problems.append(f"assay resume exited {code}: {proc.stderr_tail()}")
            break
    trial.resume_s = time.monotonic() - began


def run_trial(index: int, rng: random.Random, window: tuple[float, float], root: Path, opt: Options) -> Trial:
    began = time.monotonic()
    seed = rng.randrange(2**31)
    events = plan(rng, window, opt)
    trial = Trial(index=index, seed=seed, kill_at=events[0].at)
    where = root / f"trial-{index:02d}"
    topology = Topology(where, opt)
    store = f"sqlite:///{topology.home / 'ledger.sqlite'}"
    before: list[Any] = []
    in_stream: list[str] = []
    aborted = False
    try:
        topology.start()
        run = run_proc(where, topology.env, opt, seed).start()
        recorded = await_recorded(run, topology.home / "ledger.sqlite", opt.deadline)
        if recorded is None:
            raise RuntimeError(f"assay run exited {run.wait(0)} before recording its run: {run.stderr_tail()}")
        trial.recorded_at = recorded
        trial.events = carry_out(events, run, topology, recorded)
        notes, stray = topology.supervise(restart=True)
        trial.events += notes
        trial.problems += stray
        code = run.wait(0)
        if code not in (None, -signal.SIGKILL, 0, 3):
            trial.problems.append(f"assay run exited {code} before it was killed: {run.stderr_tail()}")
        before = checks.ledger_facts(store)
        trial.phase, trial.run_id = checks.phase_of(before, opt.attempts), checks.run_id_of(before)
        if trial.run_id is not None:
            resume(trial, where, topology.env, opt)
    except Exception as exc:  # the bench's own trouble (a process that would not start): this trial fails
        trial.problems.append(f"trial aborted: {type(exc).__name__}: {exc}")
        aborted = True
    finally:
        try:
            in_stream, notes, stray = topology.finish()
            trial.events += notes
            trial.problems += stray
        except Exception as exc:
            trial.problems.append(f"cannot read the stream: {type(exc).__name__}: {exc}")
    if not aborted:
        after = checks.ledger_facts(store)
        trial.problems += checks.check_prefix(before, after) + checks.check_stream(after, in_stream)
        if trial.run_id is not None:
            trial.problems += checks.check_run(after, opt.attempts)
        trial.problems += checks.check_verify(ASSAY, child_env(topology.home, opt), where)
    trial.wall_s = time.monotonic() - began
    return trial
