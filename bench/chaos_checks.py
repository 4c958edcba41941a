"""What bench/chaos.py checks after a trial: the run's invariants in the ledger, the stream against the ledger,
and `assay verify`. Each check returns the problems it found, one precise sentence each (empty: it holds)."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections import Counter
from pathlib import Path

import msgspec

from adapters.ledger import iter_envelopes, open_ledger
from domain import facts as f

STREAM = "ASSAY"  # the default of ASSAY_STREAM; the bench strips ASSAY_* settings from its children's environment
RUN_STARTED_TOPIC = "domain.run:Run.Started"


def ledger_facts(store_url: str) -> list[f.Envelope]:
    """Every recorded fact, in global order."""
    ledger = open_ledger(store_url)
    try:
        return list(iter_envelopes(ledger))
    finally:
        ledger.close()


def run_id_of(envelopes: list[f.Envelope]) -> str | None:
    return next((e.fact.run_id for e in envelopes if isinstance(e.fact, f.RunStarted)), None)


def phase_of(envelopes: list[f.Envelope], attempts: int) -> str:
    """Where the run stood when everything was killed, read from the ledger at that moment."""
    if run_id_of(envelopes) is None:
        return "before the run was recorded"
    if any(isinstance(e.fact, f.RunCompleted) for e in envelopes):
        return "after the run completed"
    pulls = sum(isinstance(e.fact, f.LeverPulled) for e in envelopes)
    settled = sum(isinstance(e.fact, f.CandidateSettled) for e in envelopes)
    return f"mid-run ({pulls}/{attempts} pulled, {settled} settled)"


def _listed(items: list[str] | set[str], most: int = 5) -> str:
    shown = sorted(items)
    more = f" and {len(shown) - most} more" if len(shown) > most else ""
    return ", ".join(shown[:most]) + more


def check_prefix(before: list[f.Envelope], after: list[f.Envelope]) -> list[str]:
    """What was recorded before the kill is still recorded, unchanged and in the same order."""
    if after[: len(before)] == before:
        return []
    changed = [b.event_id for b, a in zip(before, after, strict=False) if a != b]
    return [f"facts recorded before the kill were altered or reordered afterwards: {_listed(changed)}"]


def check_run(envelopes: list[f.Envelope], attempts: int) -> list[str]:
    """Every pull 0..attempts-1 once, one candidate per pull, every candidate terminal and settled once, one end."""
    problems: list[str] = []
    pulls = [e.fact for e in envelopes if isinstance(e.fact, f.LeverPulled)]
    made = Counter(p.index for p in pulls)
    missing = sorted(set(range(attempts)) - set(made))
    if missing:
        problems.append(f"pulls never made: {missing}")
    if doubled := {i: n for i, n in made.items() if n > 1}:
        problems.append(f"pulls made more than once (index: times): {doubled}")
    if extra := sorted(set(made) - set(range(attempts))):
        problems.append(f"pulls beyond the policy's {attempts}: {extra}")
    pulled_ids = {p.candidate_id for p in pulls}
    created = Counter(e.originator_id for e in envelopes if isinstance(e.fact, (f.Drafted, f.DraftFailed)))
    if lacking := pulled_ids - set(created):
        problems.append(f"pulls with no candidate drafted: {_listed(lacking)}")
    if orphans := set(created) - pulled_ids:
        problems.append(f"candidates no pull made: {_listed(orphans)}")
    if twice := {c for c, n in created.items() if n > 1}:
        problems.append(f"candidates drafted more than once: {_listed(twice)}")
    ends = Counter(e.originator_id for e in envelopes if isinstance(e.fact, (f.Queued, f.Rejected)))
    if open_ := set(created) - set(ends):
        problems.append(f"candidates never terminal (neither queued nor rejected): {_listed(open_)}")
    if twice := {c for c, n in ends.items() if n > 1}:
        problems.append(f"candidates with more than one terminal fact: {_listed(twice)}")
    settled = Counter(e.fact.candidate_id for e in envelopes if isinstance(e.fact, f.CandidateSettled))
    if unsettled := set(created) - set(settled):
        problems.append(f"candidates the run never settled: {_listed(unsettled)}")
    if twice := {c for c, n in settled.items() if n > 1}:
        problems.append(f"candidates settled more than once: {_listed(twice)}")
    completed = sum(isinstance(e.fact, f.RunCompleted) for e in envelopes)
    if completed != 1:
        problems.append(f"RunCompleted recorded {completed} times (want 1)")
    return problems


async def stream_ids(url: str, stream: str = STREAM) -> list[str]:
    """The event id of every message in ``stream``, in stream order: its Nats-Msg-Id, which must match the
    envelope's own event id (a mismatch is returned as ``header!=body``)."""
    import nats
    from nats.js.errors import NotFoundError

    decoder = msgspec.json.Decoder(f.Envelope)
    client = await nats.connect(url, connect_timeout=3, max_reconnect_attempts=0, allow_reconnect=False)
    try:
        js = client.jetstream()
        state = (await js.stream_info(stream)).state
        ids: list[str] = []
        for seq in range(state.first_seq, state.last_seq + 1) if state.messages else ():
            try:
                msg = await js.get_msg(stream, seq)
            except NotFoundError:  # a deleted sequence: nothing there
                continue
            header = (msg.headers or {}).get("Nats-Msg-Id", "")
            body = decoder.decode(msg.data or b"").event_id
            ids.append(header if header == body else f"{header}!={body}")
        return ids
    finally:
        await client.close()


def embedded_stream_ids(home: Path) -> list[str]:
    """The stream's event ids from the home's own (embedded) nats-server store: started here, stopped after."""
    from adapters.nats_embedded import EmbeddedNats

    async def read() -> list[str]:
        server = EmbeddedNats(home / "nats")
        url = await asyncio.to_thread(server.start)
        try:
            return await stream_ids(url)
        finally:
            await asyncio.to_thread(server.stop)

    return asyncio.run(read())


def check_stream(envelopes: list[f.Envelope], in_stream: list[str]) -> list[str]:
    """The stream holds exactly the ledger's events: the same ids, each once."""
    problems: list[str] = []
    ledger_ids = [e.event_id for e in envelopes]
    counted = Counter(in_stream)
    if mismatched := [i for i in in_stream if "!=" in i]:
        problems.append(f"messages whose Nats-Msg-Id differs from their event id: {_listed(mismatched)}")
    if lost := set(ledger_ids) - set(counted):
        problems.append(f"{len(lost)} ledger events missing from the stream: {_listed(lost)}")
    if foreign := set(counted) - set(ledger_ids):
        problems.append(f"{len(foreign)} stream messages not in the ledger: {_listed(foreign)}")
    if doubled := {i for i, n in counted.items() if n > 1}:
        problems.append(f"{len(doubled)} events in the stream more than once: {_listed(doubled)}")
    if not problems and len(in_stream) != len(ledger_ids):
        problems.append(f"stream holds {len(in_stream)} messages, the ledger {len(ledger_ids)} events")
    return problems


def check_verify(assay: Path, env: dict[str, str], cwd: Path) -> list[str]:
    """`assay verify --json` exits 0 and reports the ledger intact."""
    done = subprocess.run(
        [str(assay), "verify", "--json"], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )
    try:
        report = json.loads(done.stdout)
    except ValueError:
        return [f"assay verify exited {done.returncode} without a JSON report: {done.stderr.strip()[-300:]}"]
    if done.returncode == 0 and report.get("ok"):
        return []
    found = "; ".join(str(p.get("message", p)) for p in report.get("problems", [])[:5])
    return [f"assay verify exited {done.returncode}: {found or 'not intact'}"]
