"""A 3-node NATS JetStream cluster on 127.0.0.1, started from deploy/nats/nats-cluster.conf itself.

The config file is used as deploy/ uses it: each node gets NATS_SERVER_NAME and NATS_ROUTE_1..3 from its
environment. Only what must differ between three nodes on one machine is given on the command line (nats-server
lets flags override the file): the client, cluster and monitoring ports and the loopback address. The store
directory cannot be overridden that way (nats-server refuses `-sd` beside the file's `store_dir`), so each node
reads a copy of the file whose only change is that line. Then the ASSAY stream is created with 3 replicas, as
deploy/nats/init-stream.sh does with the nats CLI (not installed here): same subjects, storage, retention,
discard policy and duplicate window.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import time
from pathlib import Path

from chaos_procs import Proc

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "deploy" / "nats" / "nats-cluster.conf"
STREAM = "ASSAY"


def _ephemeral_range() -> tuple[int, int]:
    """The ports the kernel hands out by itself (to bind(port 0) and to outgoing connections)."""
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default
    return low, high


def _bindable(port: int) -> bool:
    with contextlib.closing(socket.socket()) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as nats-server (Go) binds its listeners
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A free port outside the kernel's ephemeral range.

    A node's ports are chosen before it binds them and kept across a SIGKILL and restart. A port the kernel could
    hand out would race with every process on the machine that lets the kernel pick (other tests' servers on port
    0, outgoing connections); outside that range only a process naming the port itself can take it."""
    low, high = _ephemeral_range()
    choices = range(10_000, low) if low - 10_000 >= 1_000 else range(high + 1, 65_536)
    rng = random.SystemRandom()
    for _ in range(100):
        if _bindable(port := rng.choice(choices)):
            return port
    with contextlib.closing(socket.socket()) as sock:  # that range is full: let the kernel pick, as before
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Node:
    """One nats-server of the cluster; it keeps its ports across restarts."""

    def __init__(self, index: int, root: Path, env: dict[str, str]) -> None:
        self.index, self.root, self.env = index, root, env
        self.name = f"nats-{index + 1}"
        self.port, self.cluster_port, self.http_port = free_port(), free_port(), free_port()
        self.proc: Proc | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc is not None and self.proc.alive()

    def start(self, routes: list[str]) -> None:
        from adapters.nats_embedded import nats_server_binary

        env = {**self.env, "NATS_SERVER_NAME": self.name}
        env.update({f"NATS_ROUTE_{i + 1}": route for i, route in enumerate(routes)})
        argv = [str(nats_server_binary()), "-c", str(self.config()), "-a", "127.0.0.1", "-p", str(self.port)]
        argv += ["-m", str(self.http_port)]
        argv += ["--cluster", f"nats://127.0.0.1:{self.cluster_port}"]
        self.proc = Proc(self.name, argv, env, self.root, self.root / "logs").start()

    def config(self) -> Path:
        """deploy's config with this node's store directory in place of the volume path: nothing else changed."""
        text = CONFIG.read_text()
        line = 'store_dir: "/data"'
        if line not in text:
            raise RuntimeError(f"{CONFIG} no longer has the line {line!r} this bench replaces")
        path = self.root / f"{self.name}.conf"
        path.write_text(text.replace(line, f'store_dir: "{self.root / self.name}"'))
        return path

    def listening(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
            return True
        return False

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()


class Cluster:
    """``start()`` the three nodes and the R3 stream; ``kill(i)`` SIGKILLs node i; ``stop()`` stops them all."""

    def __init__(self, root: Path, env: dict[str, str], size: int = 3) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.nodes = [Node(i, root, env) for i in range(size)]

    @property
    def routes(self) -> list[str]:
        return [f"nats://127.0.0.1:{n.cluster_port}" for n in self.nodes]

    @property
    def urls(self) -> list[str]:
        return [n.url for n in self.nodes]

    def live_url(self) -> str:
        return next(n.url for n in self.nodes if n.alive())

    def start(self, timeout: float = 60.0) -> None:
        for node in self.nodes:
            node.start(self.routes)
        deadline = time.monotonic() + timeout
        while not all(n.listening() for n in self.nodes):
            dead = [n.name for n in self.nodes if not n.alive()]
            if dead or time.monotonic() > deadline:
                raise RuntimeError(f"nats cluster did not start ({', '.join(dead) or 'timeout'}); see {self.root}/logs")
            time.sleep(0.05)
        asyncio.run(init_stream(self.urls[0], deadline))

    def kill(self, index: int) -> None:
        self.nodes[index].kill()

    def restart(self, index: int) -> None:
        self.nodes[index].start(self.routes)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


async def init_stream(url: str, deadline: float, stream: str = STREAM, replicas: int = 3) -> None:
    """deploy/nats/init-stream.sh in Python: wait for JetStream's meta leader, then create ``stream`` with
    ``replicas`` replicas, or raise an existing one to that many."""
    import nats
    from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
    from nats.js.errors import NotFoundError

    client = await nats.connect(url, connect_timeout=3)
    try:
        js = client.jetstream()
        while True:  # like the script's `until nats stream ls`: JetStream answers once the cluster has a leader
            try:
                await js.account_info()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.25)
        try:
            config = (await js.stream_info(stream)).config
            if (config.num_replicas or 1) < replicas:
                config.num_replicas = replicas
                await js.update_stream(config)
        except NotFoundError:
            await js.add_stream(
                StreamConfig(
                    name=stream,
                    subjects=["assay.ev.>"],
                    storage=StorageType.FILE,
                    num_replicas=replicas,
                    retention=RetentionPolicy.LIMITS,
                    discard=DiscardPolicy.OLD,
                    duplicate_window=600.0,
                )
            )
        while (await js.stream_info(stream)).cluster is None:  # pragma: no cover - the leader is being elected
            await asyncio.sleep(0.1)
    finally:
        await client.close()
