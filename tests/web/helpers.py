"""The review service under test: a real run's ledger (made once), copied per test, served by uvicorn."""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import re
import shutil
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import msgspec

from adapters.ledger import AssayLedger, open_ledger
from domain import facts as f
from domain.candidate import Candidate
from domain.ids import candidate_uuid, run_uuid
from domain.run import Run
from tests.e2e.helpers import SPEC, assay
from web.app import create_app
from web.server import _Server, bind, server_config, url_of

REVIEWERS = ("ana", "bob", "old")  # "old" is revoked
EVIL = '<script>window.__pwned=1</script> <img src=x onerror="window.__pwned=1">'


@dataclass
class World:
    """A ledger made by `assay run` once per session, with reviewers added by `assay reviewer add`."""

    home: Path
    tokens: dict[str, str]


# Rejections every world holds, whatever its run rejected: the checklist tests need observed items.
OBSERVED = (("oracle", "the reference answer disagrees with the oracle"), ("realism", "the prompt reads two ways"))


def make_world(base: Path) -> World:
    home = base / ".assay"
    # Until 4 are queued (the tests decide that many points), at concurrency 1 with a fixed seed: the same
    # ledger every time (see tests/e2e/test_reproducible_run.py).
    ran = assay(home, "run", str(SPEC), "--until-accepted", "4", "--concurrency", "1", "--seed", "11", "--quiet")
    assert ran.returncode == 0, ran.stderr
    ledger = open_ledger(store_url(home))
    try:
        for gate, reason in OBSERVED:
            reject(ledger, reason, gate)
    finally:
        ledger.close()
    tokens = {}
    for name in REVIEWERS:
        added = assay(home, "reviewer", "add", name)
        assert added.returncode == 0, added.stderr
        tokens[name] = added.stdout.split("\n\n")[1].strip()
    assert assay(home, "reviewer", "revoke", "old").returncode == 0
    shutil.rmtree(home / "nats", ignore_errors=True)
    return World(home, tokens)


def copy_home(world: World, to: Path) -> Path:
    """A private copy of the world's ledger (every test may record verdicts of its own)."""
    shutil.copytree(world.home, to)
    return to


def store_url(home: Path) -> str:
    return f"sqlite:///{home / 'ledger.sqlite'}"


class Served:
    """The review app on a free port in a thread; ``stop()`` shuts it down."""

    def __init__(self, home: Path, tokens: dict[str, str]) -> None:
        self.home, self.tokens, self.store_url = home, tokens, store_url(home)
        sock = bind("127.0.0.1", 0)
        self.url = url_of(sock)
        self.app = create_app(self.store_url)
        self.server = _Server(server_config(self.app))
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve(sockets=[sock])), daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "the review app did not start"
            time.sleep(0.02)
        self.ledger: AssayLedger = open_ledger(self.store_url)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.ledger.close()

    def forgive(self) -> None:
        """Forget the failed sign-ins counted so far (tests that try many wrong tokens on purpose)."""
        self.app.state.throttle.clear()

    def call(
        self,
        method: str,
        path: str,
        reviewer: str | None = "ana",
        body: Any = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """An API call as ``reviewer`` (None: no token); returns (status, decoded JSON body)."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers or {})
        if reviewer is not None:
            request.add_header("Authorization", f"Bearer {self.tokens.get(reviewer, reviewer)}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def queue(self, query: str = "") -> list[dict[str, Any]]:
        status, body = self.call("GET", f"/api/queue{query}")
        assert status == 200, body
        return body["items"]

    def position(self) -> int:
        """The ledger's last notification id: unchanged means nothing was recorded."""
        return self.ledger.recorder.max_notification_id() or 0

    def verdicts(self, point_id: str) -> list[f.VerdictGiven]:
        return self.ledger.repository.get(UUID(point_id)).verdicts

    def checklist_facts(self, after: int = 0) -> list[Any]:
        """The checklist facts (added, edited, retired) recorded after position ``after``."""
        from adapters.ledger import iter_envelopes

        return [e.fact for e in iter_envelopes(self.ledger, after=after) if isinstance(e.fact, f.CHECKLIST_FACTS)]


class Browser:
    """A cookie-keeping HTTP client that follows redirects, like a person's browser without JavaScript."""

    def __init__(self, served: Served) -> None:
        self.base = served.url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def open(
        self, path: str, form: dict[str, str] | list[tuple[str, str]] | None = None, origin: str | None = None
    ) -> tuple[int, str, str, dict[str, str]]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data)
        if form is not None:
            request.add_header("Origin", origin or self.base)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.url, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.url, exc.read().decode(), dict(exc.headers)

    def login(self, token: str) -> str:
        status, url, html, _ = self.open("/login", {"token": token, "next": "/"})
        assert status == 200 and url == self.base + "/", html
        return html


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)  # type: ignore[union-attr]


def _receipt(role: str) -> f.Receipt:
    return f.Receipt(
        role=role,
        model=f"local/{role}",
        prompt_sha256="a" * 64,
        response_sha256="b" * 64,
        prompt_tokens=40,
        completion_tokens=20,
        cost_usd=0.0001,
        latency_ms=3.0,
    )


def _drafted(prefix: str, payload: dict[str, Any]) -> tuple[Run, Candidate]:
    """A one-pull ground-truth run of its own (id ``prefix`` + hex) and its candidate drafted with ``payload``."""
    run_id = prefix + uuid4().hex[:9]
    run = Run.start(
        run_uuid(run_id),
        f.RunStarted(run_id=run_id, spec_name="arithmetic", recipe="ground_truth", spec={}, policy=f.Policy(target=1)),
    )
    cid, coordinate = candidate_uuid(run_id, 0), {"topic": "arithmetic", "difficulty": "easy"}
    run.pull(0, str(cid), coordinate)
    drafted = f.Drafted(
        run_id=run_id,
        index=0,
        recipe="ground_truth",
        coordinate=coordinate,
        payload=payload,
        receipts=[_receipt("author")],
    )
    return run, Candidate.draft(cid, drafted)


def craft_point(served: Served, payload: dict[str, Any], text: str = EVIL) -> str:
    """A queued ground-truth point whose realism repair put ``text`` into its prompt and solution."""
    ledger = served.ledger
    run, cand = _drafted("xss", payload)
    for gate in ("construct", "novelty", "oracle", "counter"):
        cand.pass_gate(gate, {}, [])
    # The realism judge's call took two tries: a rate-limited one, then the answer (from an endpoint named ``text``).
    retried = msgspec.structs.replace(
        _receipt("judge"),
        status=200,
        tries=[
            f.Try(status=429, error="RateLimitError", latency_ms=12.0, retry_after_s=2.0, waited_ms=2104.0),
            f.Try(status=200, latency_ms=30.0, deployment=f"openai/judge @ http://judge.example/{text}"),
        ],
    )
    cand.fail_gate("realism", "prompt judged ambiguous", "rewrite the prompt", {}, [retried])
    evil = {**payload, "prompt": f"{text} {payload['prompt']}", "solution": f"{payload.get('solution', '')} {text}"}
    cand.repair(
        f.Repaired(
            gate="realism",
            instruction="rewrite",
            payload=evil,
            diff=["prompt", "solution"],
            invalidated=["realism"],
            attempt=1,
            receipts=[_receipt("repairer")],
        )
    )
    cand.pass_gate("realism", {}, [_receipt("judge")])
    cand.request_probe("difficulty")
    outcomes = [
        f.ModelOutcome(model="local/solver-strong", n=5, c=4, pass_at_k={"1": 0.8, "5": 1.0}),
        f.ModelOutcome(model="local/solver-weak", n=5, c=0, pass_at_k={"1": 0.0, "5": 0.0}),
    ]
    cand.record_probe(
        f.Probed(
            gate="difficulty",
            outcomes=outcomes,
            solve_rate=0.4,
            band="discriminating",
            passed_models=["local/solver-strong"],
            in_band=True,
            receipts=[_receipt("solver")],
        )
    )
    for gate in ("difficulty", "gameability", "final"):
        cand.pass_gate(gate, {}, [])
    cand.enqueue()
    ledger.save(run, cand)
    return str(cand.id)


def craft_rejection(served: Served, reason: str, gate: str = "oracle") -> None:
    """A ground-truth draft rejected at ``gate`` for ``reason``: one more observed checklist item."""
    reject(served.ledger, reason, gate)


def reject(ledger: AssayLedger, reason: str, gate: str) -> None:
    """Record, straight through the domain, a ground-truth draft rejected at ``gate`` for ``reason``."""
    run, cand = _drafted("rej", {"prompt": "What is 2 + 2?", "answer": "4", "answer_type": "exact"})
    cand.reject(gate, reason)
    ledger.save(run, cand)
