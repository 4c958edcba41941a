"""`assay serve review`, `assay demo --open` and `assay reviewer` through the real command."""

from __future__ import annotations

import json
import queue
import re
import signal
import socket
import subprocess
import threading
import urllib.request
from pathlib import Path

from tests.e2e.helpers import ASSAY, assay, env_for
from tests.web.fixtures import World
from tests.web.helpers import copy_home


class Running:
    """An `assay` process whose output lines are read as they come."""

    def __init__(self, home: Path, *args: str) -> None:
        env = env_for(home)
        for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):  # never open a browser from a test
            env.pop(name, None)
        self.proc = subprocess.Popen(
            [str(ASSAY), *args], env=env, cwd=home.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.proc.stdout], daemon=True).start()

    def wait_for(self, pattern: str, timeout: float = 120) -> re.Match[str]:
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r} in: {self.seen}") from None
            self.seen.append(line)
            if found := re.search(pattern, line):
                return found

    def interrupt(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=30)


def whoami(url: str, token: str) -> dict:
    request = urllib.request.Request(f"{url}/api/whoami", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_serve_review_until_interrupted(world: World, tmp_path: Path) -> None:
    home = copy_home(world, tmp_path / ".assay")
    running = Running(home, "serve", "review", "--port", "0")
    url = running.wait_for(r"review page at (http://127\.0\.0\.1:\d+)").group(1)
    assert whoami(url, world.tokens["ana"]) == {"reviewer": "ana"}
    assert running.interrupt() == 130  # Ctrl-C: interrupted, as every command that runs until stopped


def test_serve_refuses_unknown_services_and_a_busy_port(world: World, tmp_path: Path) -> None:
    home = copy_home(world, tmp_path / ".assay")
    unknown = assay(home, "serve", "review", "reviews")
    assert unknown.returncode == 2 and "unknown service(s) reviews; known: relay," in unknown.stderr
    both = assay(home, "serve", "review", "--only", "relay")
    assert both.returncode == 2 and "either as arguments or with --only" in both.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        taken = assay(home, "serve", "review", "--port", str(busy.getsockname()[1]))
    assert taken.returncode == 2 and "cannot serve the review page on 127.0.0.1:" in taken.stderr


def test_demo_open_serves_the_page_with_a_demo_token(tmp_path: Path) -> None:
    running = Running(tmp_path / ".assay", "demo", "--attempts", "6", "--open", "--port", "0")
    url = running.wait_for(r"Review page: (http://127\.0\.0\.1:\d+)").group(1)
    token = running.wait_for(r"reviewer demo, token: (\S+)").group(1)
    running.wait_for(rf"one-click sign-in: {re.escape(url)}/login#token={re.escape(token)}")
    running.wait_for("serving the review page; Ctrl-C to stop")
    assert whoami(url, token) == {"reviewer": "demo"}
    assert running.interrupt() == 130  # Ctrl-C: interrupted, as every command that runs until stopped


def test_reviewer_commands(world: World, tmp_path: Path) -> None:
    home = copy_home(world, tmp_path / ".assay")
    again = assay(home, "reviewer", "add", "ana")
    assert again.returncode == 2 and again.stderr.strip() == (
        "error: reviewer 'ana' already exists; revoke it first to issue a new token"
    )
    assert "not allowed" in assay(home, "reviewer", "add", "<b>").stderr
    assert "does not exist" in assay(home, "reviewer", "revoke", "zed").stderr
    listed = json.loads(assay(home, "reviewer", "list", "--json").stdout)
    assert [(r["name"], r["active"]) for r in listed] == [("ana", True), ("bob", True), ("old", False)]
    assert all("token" not in json.dumps(r) for r in listed)
