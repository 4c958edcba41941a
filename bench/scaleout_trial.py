"""One bench/scaleout.py pass: a fresh 3-node cluster and PostgreSQL database, the service processes, one run
recorded and timed until it completes, optionally kills mid-run, then the checks (chaos_checks)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import chaos_checks as checks
from chaos_procs import Service
from chaos_topology import ASSAY, SPEC
from scaleout_cluster import Cluster

CONTROL = "relay,orchestrator,publisher"  # one process: pulls levers and settles, cheap
WORKER = "relay,generation,gating,probing"  # each worker process: every model-calling service (and a standby relay)
CHAOS_WORKER = "relay,orchestrator,generation,probing"  # chaos pass: orchestrators and relays in several processes
GATING = "gating"  # chaos pass: the gating replicas, one of which is killed


@dataclass
class Setup:
    attempts: int
    concurrency: int  # the run's candidates in flight (policy)
    workers_per_process: int  # ASSAY_WORKERS: each consumer's handlers at once, per process
    latency_ms: float
    ack_wait: float
    deadline: float
    postgres: str  # an admin URL; each pass creates and drops a database of its own


@dataclass
class Pass:
    name: str
    processes: int  # worker processes (the chaos pass: worker processes + gating replicas)
    seconds: float = 0.0
    pulls_per_s: float = 0.0
    events: int = 0
    killed: list[str] = field(default_factory=list)
    lease_holder: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def _with_db(url: str, dbname: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{dbname}"))


@contextlib.contextmanager
def database(admin_url: str) -> Any:
    """A fresh database on the server of ``admin_url``, dropped afterwards; yields its URL."""
    import psycopg

    name = f"assay_scaleout_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, connect_timeout=3, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_db(admin_url, name)
    finally:
        with psycopg.connect(admin_url, connect_timeout=3, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_problem(admin_url: str) -> str | None:
    """Why PostgreSQL cannot be used (None: it can)."""
    try:
        import psycopg

        with psycopg.connect(admin_url, connect_timeout=3, autocommit=True):
            return None
    except Exception as exc:
        return f"PostgreSQL not reachable at {urlparse(admin_url).hostname}: {type(exc).__name__}: {exc}".strip()


def service_env(home: Path, setup: Setup, store: str, nats: str, log_level: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_") and not k.endswith("_API_KEY")}
    env.update(
        ASSAY_HOME=str(home),
        ASSAY_STORE_URL=store,
        ASSAY_NATS_URL=nats,
        ASSAY_WORKERS=str(setup.workers_per_process),
        ASSAY_ACK_WAIT=str(setup.ack_wait),
        ASSAY_PANEL_LATENCY_MS=str(setup.latency_ms),
        ASSAY_LOG_LEVEL=log_level,
    )
    return env


def prepare_store(store: str) -> None:
    """The ledger and tracking tables, once, before any service starts (deploy's assay-init does this with
    `assay status`: processes creating tables at the same moment can collide)."""
    from adapters.ledger import open_ledger
    from adapters.tracking import open_tracking

    open_ledger(store).close()
    open_tracking(store).close()


async def record_run(store: str, setup: Setup, seed: int) -> str:
    """Record the run as `assay run` does (app.runs.start), from this process, so no service runs here."""
    from adapters.ledger import open_ledger
    from adapters.store import Store
    from app import runs
    from domain import facts as f
    from domain.spec import parse_spec

    ledger = open_ledger(store)
    try:
        spec = parse_spec(SPEC.read_text())
        policy = f.Policy(target=setup.attempts, concurrency=setup.concurrency)
        return (await runs.start(Store(ledger), spec, policy, seed)).run_id
    finally:
        ledger.close()


class Watch:
    """The run as the ledger has it now (a fresh read each time)."""

    def __init__(self, store: str, run_id: str) -> None:
        from adapters.ledger import open_ledger
        from adapters.store import Store

        self.ledger = open_ledger(store)
        self.store, self.run_id = Store(self.ledger), run_id

    def run(self) -> Any:
        from domain.ids import run_uuid

        return asyncio.run(self.store.run(run_uuid(self.run_id)))

    def close(self) -> None:
        self.ledger.close()


class Topology:
    """The processes of one pass, spread over the cluster's nodes (process i connects to node i mod 3)."""

    def __init__(self, where: Path, cluster: Cluster, store: str, setup: Setup, log_level: str) -> None:
        self.where, self.cluster, self.store, self.setup, self.log_level = where, cluster, store, setup, log_level
        self.services: list[Service] = []

    def add(self, only: str) -> Service:
        index = len(self.services)
        home = self.where / f"home-{index}"
        env = service_env(home, self.setup, self.store, self.cluster.urls[index % 3], self.log_level)
        service = Service(only, ASSAY, env, self.where)
        self.services.append(service)
        return service

    def start(self) -> None:
        for service in self.services:
            service.start()
        for service in self.services:
            if not service.ready(120):
                tail = service.proc.stderr_tail() if service.proc else ""
                raise RuntimeError(f"assay serve --only {service.name} did not start: {tail}")

    def stop(self) -> None:
        for service in self.services:
            if service.proc is not None:
                service.proc.stop()

    def pid_names(self) -> dict[int, str]:
        return {s.proc.pid: f"{s.name}#{i}" for i, s in enumerate(self.services) if s.proc is not None}

    def log_lines(self, text: str) -> int:
        return sum(s.proc.err_path.read_text(errors="replace").count(text) for s in self.services if s.proc)


async def lease_holder(url: str, names: dict[int, str]) -> str:
    """Which process holds the relay lease now (by its pid)."""
    import nats

    from adapters.lease import BUCKET

    client = await nats.connect(url, connect_timeout=3)
    try:
        kv = await client.jetstream().key_value(BUCKET)
        holder = ((await kv.get("relay.ASSAY")).value or b"").decode()
    except Exception as exc:
        return f"unknown ({type(exc).__name__})"
    finally:
        await client.close()
    pid = int(holder.split(":")[1]) if holder.count(":") == 2 else -1
    return names.get(pid, holder)


async def stream_count(url: str) -> int:
    import nats

    client = await nats.connect(url, connect_timeout=3)
    try:
        return int((await client.jetstream().stream_info("ASSAY")).state.messages)
    finally:
        await client.close()


def run_pass(name: str, root: Path, setup: Setup, processes: int, chaos: bool, seed: int) -> Pass:
    """One pass: ``processes`` worker processes beside the control process (chaos: half workers, half gating
    replicas), the run timed from its record to its completion; with ``chaos`` one gating replica and one NATS node
    are SIGKILLed once a third of the attempts settled."""
    result = Pass(name, processes)
    where = root / name
    cluster = Cluster(where / "cluster", dict(os.environ))
    try:
        cluster.start()
        with database(setup.postgres) as store:
            _run(result, where, cluster, store, setup, processes, chaos, seed)
    except Exception as exc:  # the bench's own trouble (a process that would not start): this pass fails
        result.problems.append(f"pass aborted: {type(exc).__name__}: {exc}")
    finally:
        cluster.stop()
    return result


def _run(result: Pass, where: Path, cluster: Cluster, store: str, setup: Setup, n: int, chaos: bool, seed: int) -> None:
    prepare_store(store)
    topology = Topology(where, cluster, store, setup, "INFO" if chaos else "WARNING")
    topology.add(CONTROL)
    gating: list[Service] = []
    for i in range(n):
        if not chaos:
            topology.add(WORKER)
        elif i % 2 == 0:
            topology.add(CHAOS_WORKER)
        else:
            gating.append(topology.add(GATING))
    try:
        topology.start()
        run_id = asyncio.run(record_run(store, setup, seed))
        began = time.monotonic()
        watch = Watch(store, run_id)
        try:
            run = watch.run()
            while run.completed is None:
                if time.monotonic() - began > setup.deadline:
                    result.problems.append(f"the run did not complete within {setup.deadline:.0f} s")
                    break
                if chaos and not result.killed and len(run.settled) >= setup.attempts // 3:
                    result.killed = kill_mid_run(cluster, gating, began)
                time.sleep(0.1)
                run = watch.run()
            result.seconds = time.monotonic() - began
        finally:
            watch.close()
        result.pulls_per_s = setup.attempts / result.seconds if result.seconds else 0.0
        if chaos and not result.killed:
            result.problems.append("the run completed before the kills: raise --attempts")
        settle(result, cluster, store)
        result.lease_holder = asyncio.run(lease_holder(cluster.live_url(), topology.pid_names()))
    finally:
        topology.stop()
    check(result, cluster, store, setup, topology if chaos else None)


def kill_mid_run(cluster: Cluster, gating: list[Service], began: float) -> list[str]:
    killed = []
    if gating and gating[0].proc is not None:
        gating[0].proc.kill()
        killed.append(f"gating replica at {time.monotonic() - began:.1f} s")
    cluster.kill(2)
    killed.append(f"{cluster.nodes[2].name} at {time.monotonic() - began:.1f} s")
    return killed


def settle(result: Pass, cluster: Cluster, store: str, timeout: float = 30.0) -> None:
    """Wait until the relay has published the whole ledger (the run completes before its last events are out)."""
    facts = len(checks.ledger_facts(store))
    deadline = time.monotonic() + timeout
    while asyncio.run(stream_count(cluster.live_url())) < facts and time.monotonic() < deadline:
        time.sleep(0.2)


def check(result: Pass, cluster: Cluster, store: str, setup: Setup, chaos: Topology | None) -> None:
    facts = checks.ledger_facts(store)
    result.events = len(facts)
    result.problems += checks.check_run(facts, setup.attempts)
    result.problems += checks.check_stream(facts, asyncio.run(checks.stream_ids(cluster.live_url())))
    env = service_env(cluster.root / "verify", setup, store, cluster.live_url(), "WARNING")
    result.problems += checks.check_verify(ASSAY, env, cluster.root)
    if chaos is not None:  # several orchestrators: each pull is logged once, by the one whose save won
        lines = chaos.log_lines("lever pulled")
        if lines != setup.attempts:
            result.problems.append(f"'lever pulled' logged {lines} times for {setup.attempts} pulls")
