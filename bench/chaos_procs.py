"""The processes bench/chaos.py starts. Each runs in a session of its own, so a kill reaches its whole process group
(an `assay run` on the embedded default has its nats-server in its group) and nothing else on the machine."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

STARTED: list[Proc] = []  # every process this bench started, so that an interrupted bench still stops them all


class Proc:
    """One child process (and its group), its stdout and stderr in files under ``logs``."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], cwd: Path, logs: Path) -> None:
        self.name, self.argv, self.env, self.cwd = name, argv, env, cwd
        logs.mkdir(parents=True, exist_ok=True)
        stem = logs / f"{name}-{len([p for p in STARTED if p.name == name])}"
        self.out_path, self.err_path = stem.with_suffix(".out"), stem.with_suffix(".err")
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self._group_gone = False

    def start(self) -> Proc:
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(
                self.argv, env=self.env, cwd=self.cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
        self.started = time.monotonic()
        self._group_gone = False
        STARTED.append(self)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None, f"{self.name} was never started"
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None if it still runs after ``timeout`` seconds."""
        try:
            return None if self.proc is None else self.proc.wait(max(timeout, 0.0))
        except subprocess.TimeoutExpired:
            return None

    def _signal_group(self, sig: signal.Signals) -> None:
        # The group id is the leader's pid (start_new_session). Signal it only until we saw the group end, so
        # a recycled pid is never signalled.
        if self.proc is None or self._group_gone:
            return
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            self._group_gone = True

    def kill(self) -> bool:
        """SIGKILL the whole group; True when the leader was still running."""
        was_alive = self.alive()
        self._signal_group(signal.SIGKILL)
        self.wait(10)
        self._signal_group(signal.SIGKILL)  # children that outlived an exited leader
        self._group_gone = True
        return was_alive

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM the group (a clean shutdown), SIGKILL it if it is still there after ``timeout`` seconds."""
        if self.alive():
            self._signal_group(signal.SIGTERM)
            if self.wait(timeout) is None:
                self._signal_group(signal.SIGKILL)
                self.wait(10)
        self._signal_group(signal.SIGKILL)
        self._group_gone = True

    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    def stderr_tail(self, chars: int = 400) -> str:
        return " ".join(self.err_path.read_text(errors="replace").split())[-chars:]


def stop_all() -> None:
    """Stop every process the bench started that still runs (newest first)."""
    for proc in reversed(STARTED):
        proc.stop(timeout=10)


class NatsServer:
    """A nats-server with JetStream, store under ``root``. It keeps its first port across restarts, since the
    Assay processes reconnect to the URL they were given."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root, self.env = root, env
        self.port: int | None = None
        self.proc: Proc | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc is not None and self.proc.alive()

    def start(self) -> str:
        from adapters.nats_embedded import nats_server_binary

        ports = self.root / "ports"
        ports.mkdir(parents=True, exist_ok=True)
        argv = [str(nats_server_binary()), "-js", "-sd", str(self.root / "jetstream"), "-a", "127.0.0.1"]
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # a restart may find its port held for a moment
            argv_now = [*argv, "-p", str(self.port or -1), "--ports_file_dir", str(ports)]
            self.proc = Proc("nats-server", argv_now, self.env, self.root, self.root / "logs").start()
            ports_file = ports / f"nats-server_{self.proc.pid}.ports"
            while self.proc.alive() and time.monotonic() < deadline:
                with contextlib.suppress(OSError, ValueError):
                    urls = json.loads(ports_file.read_text()).get("nats") or []
                    if urls:
                        self.port = int(str(urls[0]).rsplit(":", 1)[1])
                        return self.url
                time.sleep(0.01)
            self.proc.kill()
            time.sleep(0.2)
        raise RuntimeError(f"nats-server did not start; see {self.root / 'logs'}")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()


class Service:
    """`assay serve --only NAME` against the external server."""

    def __init__(self, name: str, assay: Path, env: dict[str, str], cwd: Path) -> None:
        self.name, self.assay, self.env, self.cwd = name, assay, env, cwd
        self.proc: Proc | None = None

    def start(self) -> None:
        argv = [str(self.assay), "serve", "--only", self.name]
        self.proc = Proc(self.name, argv, self.env, self.cwd, self.cwd / "logs").start()

    def ready(self, timeout: float = 60.0) -> bool:
        """Wait until it says it is serving (False: it exited or took longer than ``timeout``)."""
        deadline = time.monotonic() + timeout
        while self.proc is not None and self.proc.alive() and time.monotonic() < deadline:
            if "serving" in self.proc.stdout():
                return True
            time.sleep(0.05)
        return False
