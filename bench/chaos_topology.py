"""The set-up of a bench/chaos.py trial: its options, the processes beside `assay run` (with --external our
nats-server and `assay serve` processes), watching the ledger file for the run's start and end, and the calibration
run that times a whole run."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import chaos_checks as checks
from chaos_procs import NatsServer, Proc, Service

ROOT = Path(__file__).resolve().parents[1]
ASSAY = Path(sys.executable).with_name("assay")
SPEC = ROOT / "specs" / "arithmetic.toml"
SERVICES = ("gating", "probing")  # the processes --external runs beside the run (which runs every service too)


@dataclass
class Options:
    attempts: int
    concurrency: int
    latency_ms: float
    ack_wait: float
    deadline: float
    external: bool


def child_env(home: Path, opt: Options, nats_url: str | None = None) -> dict[str, str]:
    """The machine's environment without its ASSAY_* settings or provider keys, plus what a trial sets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_") and not k.endswith("_API_KEY")}
    env.update(
        ASSAY_HOME=str(home),
        ASSAY_LOG_LEVEL="WARNING",
        # How soon the server redelivers what a killed process held (the default, 30 s, only slows a trial).
        ASSAY_ACK_WAIT=str(opt.ack_wait),
        ASSAY_PANEL_LATENCY_MS=str(opt.latency_ms),
    )
    if nats_url:
        env["ASSAY_NATS_URL"] = nats_url
    return env


class Topology:
    """What runs beside `assay run` in a trial: nothing on the embedded default; with --external our nats-server
    and one `assay serve --only S` process per service in SERVICES."""

    def __init__(self, where: Path, opt: Options) -> None:
        self.where, self.opt, self.home = where, opt, where / ".assay"
        self.nats: NatsServer | None = None
        self.services: dict[str, Service] = {}
        self.env = child_env(self.home, opt)

    def start(self) -> None:
        if not self.opt.external:
            return
        self.nats = NatsServer(self.where / "nats", self.env)
        self.env = child_env(self.home, self.opt, self.nats.start())
        for name in SERVICES:
            self.services[name] = Service(name, ASSAY, self.env, self.where)
            self.services[name].start()
        for service in self.services.values():
            if not service.ready():
                raise RuntimeError(f"assay serve --only {service.name} did not start: {self._tail(service)}")

    @staticmethod
    def _tail(service: Service) -> str:
        return service.proc.stderr_tail() if service.proc else ""

    def supervise(self, restart: bool) -> tuple[list[str], list[str]]:
        """Look at the service processes as a supervisor would: one that exited 2 (NATS unreachable while it started,
        a clean refusal) is noted and, if ``restart``, started again; any other exit is a problem. Returns (notes,
        problems)."""
        notes, problems = [], []
        for service in self.services.values():
            if service.proc is None or service.proc.alive():
                continue
            code = service.proc.wait(0)
            if code != 2:
                problems.append(f"assay serve --only {service.name} exited by itself ({code}): {self._tail(service)}")
                continue
            notes.append(
                f"{service.name} exited 2 ({service.proc.stderr_tail(160)})" + (", restarted" if restart else "")
            )
            if restart:
                service.start()
        return notes, problems

    def finish(self) -> tuple[list[str], list[str], list[str]]:
        """Stop everything beside the run; return the stream's event ids, and notes and problems seen on the way."""
        notes, problems = self.supervise(restart=False)
        for service in self.services.values():
            if service.proc is not None:
                service.proc.stop()
        if self.nats is None:
            return checks.embedded_stream_ids(self.home), notes, problems
        import asyncio

        try:
            return asyncio.run(checks.stream_ids(self.nats.url)), notes, problems
        finally:
            self.nats.stop()


def run_proc(where: Path, env: dict[str, str], opt: Options, seed: int) -> Proc:
    argv = [str(ASSAY), "run", str(SPEC), "--attempts", str(opt.attempts), "--concurrency", str(opt.concurrency)]
    return Proc("run", [*argv, "--seed", str(seed), "--quiet"], env, where, where / "logs")


def _ledger_has(ledger: Path, query: str) -> bool:
    """One cheap read-only query on the ledger file (False while the file or its table is being created)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=5)) as db:
            return db.execute(query).fetchone() is not None
    except sqlite3.OperationalError:
        return False


STARTED_Q = "SELECT 1 FROM stored_events WHERE topic = 'domain.run:Run.Started' LIMIT 1"
COMPLETED_Q = "SELECT 1 FROM stored_events WHERE topic = 'domain.run:Run.Recorded' AND instr(state, '\"RunCompleted\"')"


def await_recorded(run: Proc, ledger: Path, timeout: float) -> float | None:
    """Seconds from the run's start until its RunStarted is in the ledger; None if the process ended first."""
    while run.alive() and time.monotonic() - run.started < timeout:
        if _ledger_has(ledger, STARTED_Q):
            return time.monotonic() - run.started
        time.sleep(0.02)
    return None


def calibrate(root: Path, opt: Options, seed: int) -> tuple[float, float, float]:
    """One uncut run in the trials' set-up: seconds from its start until its run is recorded, until it completes
    (RunCompleted in the ledger), and until the process ends."""
    where = root / "calibration"
    topology = Topology(where, opt)
    topology.start()
    run = run_proc(where, topology.env, opt, seed).start()
    ledger = topology.home / "ledger.sqlite"
    first = await_recorded(run, ledger, opt.deadline)
    last = None
    while run.alive() and last is None and time.monotonic() - run.started < opt.deadline:
        if _ledger_has(ledger, COMPLETED_Q):
            last = time.monotonic() - run.started
        time.sleep(0.02)
    code = run.wait(opt.deadline)
    end = time.monotonic() - run.started
    run.kill()
    topology.finish()
    if code not in (0, 3) or first is None:
        raise RuntimeError(f"the calibration run failed (exit {code}): {run.stderr_tail()}")
    return first, last or end, end
