"""adapters.codec: ledgers written with eventsourcing's plain JSONTranscoder read back identically through the
msgspec codec, and what the codec writes reads back identically through the plain transcoder."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

import msgspec
import pytest
from eventsourcing.persistence import Mapper

from adapters import ledger, witness
from adapters.ledger import AssayLedger, iter_envelopes, open_ledger, store_env, stored, to_envelope, wire
from app.audit import verify
from domain import facts as f
from domain.candidate import Candidate
from domain.chain import GENESIS, fact_event
from domain.run import Run

NS = UUID("00000000-0000-0000-0000-00000000c0de")
RECEIPT = f.Receipt(
    role="author",
    model="local/author",
    prompt_sha256="a" * 64,
    response_sha256="b" * 64,
    prompt_tokens=120,
    cost_usd=4.1e-05,  # written 4.1e-05 by Python's json, 4.1e-5 by msgspec: the same float
    latency_ms=12.5,
    seed=None,
    tries=[f.Try(status=429, error="RateLimitError", retry_after_s=1.0), f.Try(status=200)],
)


class PlainLedger(AssayLedger):
    """The ledger as it was before adapters.codec: eventsourcing's Mapper over the JSONTranscoder."""

    def construct_mapper(self) -> Mapper[UUID]:
        return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=Mapper)


def _record(app: AssayLedger) -> None:
    """A run and two candidates with the awkward values: escapes, unicode, exponents, NaN and infinity in
    free-form detail (Python's json writes them as NaN/Infinity), whole floats, big integers, None."""
    run = Run.start(
        uuid5(NS, "run"),
        f.RunStarted(
            run_id="r1",
            spec_name="s",
            recipe="ground_truth",
            spec={"weights": [3.0, 2.0], "big": 2**70, "tiny": 1e-7, "huge": 1e16, "none": None},
            policy=f.Policy(target=2),
        ),
    )
    one, two = uuid5(NS, "c1"), uuid5(NS, "c2")
    run.pull(0, str(one), {"topic": 'é \u2028 "q" \\ \n\t\x00'})
    run.pull(1, str(two), {"topic": "😀"})
    c1 = Candidate.draft(
        one,
        f.Drafted(run_id="r1", index=0, recipe="ground_truth", coordinate={}, payload={"a": 1.0}, receipts=[RECEIPT]),
    )
    c1.pass_gate("oracle", {"score": float("nan"), "hi": float("inf"), "lo": -float("inf")}, [RECEIPT], "v1")
    c1.pass_gate("final", {"pass_at_k": {"1": 0.2, "5": 1.0}}, [])
    c2 = Candidate.draft(two, f.DraftFailed(run_id="r1", index=1, recipe="ground_truth", coordinate={}, reason="x"))
    c2.reject("author", "no usable item", cause="unusable_output")
    app.save(run, c1, c2)


def _same(a: object, b: object) -> bool:
    """Equal events, NaN included (msgspec Structs compare NaN fields as unequal)."""
    return json.dumps(msgspec.to_builtins(vars(a)), sort_keys=True) == json.dumps(
        msgspec.to_builtins(vars(b)), sort_keys=True
    )


@pytest.mark.parametrize("writer", [PlainLedger, AssayLedger], ids=["written-plain", "written-codec"])
def test_either_codec_reads_what_the_other_wrote(tmp_path: Path, writer: type[AssayLedger]) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    _record(writer(env=store_env(url)))
    plain, fast = PlainLedger(env=store_env(url)), open_ledger(url)
    rows = list(stored(fast))
    assert len(rows) == 8
    for n in rows:
        a, b = plain.mapper.to_domain_event(n), fast.mapper.to_domain_event(n)
        assert type(a) is type(b) and list(vars(a)) == list(vars(b)) and _same(a, b)
        slow_env = _plain_envelope(plain, n)
        assert msgspec.json.encode(to_envelope(fast, n)) == msgspec.json.encode(slow_env)
        fact_type, event_id, body = wire(fast, n)
        assert (fact_type, event_id) == (type(slow_env.fact), slow_env.event_id)
        assert msgspec.json.encode(msgspec.json.decode(body, type=f.Envelope)) == msgspec.json.encode(slow_env)
    detail = fact_event(fast.mapper.to_domain_event(rows[4])).fact
    assert isinstance(detail, f.GatePassed) and detail.detail["hi"] == float("inf")  # NaN and inf survive
    # the chains hold and the aggregates load the same either way
    assert verify(fast).problems == [] and verify(plain).problems == []
    assert plain.repository.get(uuid5(NS, "run")).attempts == fast.repository.get(uuid5(NS, "run")).attempts == 2
    assert [e.event_id for e in iter_envelopes(fast)] == [f"{n.originator_id}:{n.originator_version}" for n in rows]
    assert _encoded(iter_envelopes(fast, after=2, batch=3)) == _encoded(_plain_envelope(plain, n) for n in rows[2:])
    # the relay's quick read (tuples straight from SQLite) rolls the same ledger-wide head as the notifications
    quick = ledger.rows(fast, 0, 100)
    assert [(r.id, r.originator_id, r.topic, r.state) for r in quick] == [
        (n.id, str(n.originator_id), n.topic, n.state) for n in rows
    ]
    assert _rolled(quick) == _rolled(rows) == witness.rolled(fast)[1]


def test_the_codec_writes_the_transcoders_layout(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    _record(open_ledger(url))
    plain = PlainLedger(env=store_env(url))
    for n in stored(plain):
        again = plain.mapper.to_stored_event(plain.mapper.to_domain_event(n))
        assert json.loads(n.state) == json.loads(again.state)  # same keys, order of values, floats
        assert list(json.loads(n.state)) == list(json.loads(again.state))


def _encoded(envelopes: Iterable[f.Envelope]) -> list[bytes]:
    return [msgspec.json.encode(e) for e in envelopes]


def _rolled(stored_events: Sequence[Any]) -> str:
    head = GENESIS
    for n in stored_events:
        head = witness.roll_on(head, n)
    return head


def _plain_envelope(app: AssayLedger, n: object) -> f.Envelope:
    event = fact_event(app.mapper.to_domain_event(n))  # type: ignore[arg-type]
    return f.Envelope(
        event_id=f"{event.originator_id}:{event.originator_version}",
        originator_id=str(event.originator_id),
        version=event.originator_version,
        position=n.id,  # type: ignore[attr-defined]
        timestamp=event.timestamp.isoformat(),
        fact=event.fact,
    )
