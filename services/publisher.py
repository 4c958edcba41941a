"""The publisher: every point a person accepts, onto ``assay.points.accepted.v1`` for downstream subscribers.

It consumes ``VerdictGiven`` from the bus (durable ``publisher_VerdictGiven``), rebuilds the accepted point
from the ledger with the dataset projection's own logic, and publishes an ``AcceptedPointV1`` to the
``ASSAY_POINTS`` stream with ``Nats-Msg-Id`` = the candidate id. A redelivered verdict, a second replica or
a restart therefore republishes into the stream's duplicate window and is dropped there; subscribers that
must be exactly-once beyond the window key on ``candidate_id`` (see ``examples/``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any
from uuid import UUID

import structlog
from faststream.nats import JStream
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from adapters.bus import Bus
from adapters.ledger import AssayLedger, event_id
from adapters.replicas import raise_replicas, replicas_of
from domain import facts as f
from domain.chain import FactEvent, fact_event
from domain.ids import run_uuid
from domain.published import SUBJECT_V1, AcceptedPointV1, Difficulty, ReceiptsSummary
from projections.dataset import Dataset

log = structlog.get_logger(__name__)

POINTS_STREAM = "ASSAY_POINTS"
POINTS_SUBJECTS = "assay.points.>"
# Points are few (one per human verdict), so the server can remember their ids for a day: a publisher
# restarted or replayed within it never doubles a point on the stream.
POINTS_DUPLICATE_WINDOW = 24 * 3600.0
PUBLISH_TIMEOUT = 5.0


def point_from_row(row: dict[str, Any]) -> AcceptedPointV1:
    """The published form of one ``Dataset`` row (an approved point)."""
    d, r = row["difficulty"], row["receipts"]
    difficulty = (
        None
        if d is None
        else Difficulty(
            band=d["band"],
            solve_rate=d["solve_rate"],
            passed_models=list(d["passed_models"]),
            pass_at_k={o["model"]: dict(o["pass_at_k"]) for o in d["outcomes"]},
        )
    )
    return AcceptedPointV1(
        candidate_id=row["candidate_id"],
        run_id=row["run_id"],
        spec=row["spec_name"],
        recipe=row["recipe"],
        coordinate=dict(row["coordinate"]),
        payload=row["payload"],
        difficulty=difficulty,
        verdict=row["verdict"],
        reviewer=row["reviewer"],
        accepted_at=row["approved_at"],
        receipts=ReceiptsSummary(
            calls=r["calls"], tokens=r["tokens"], cost_usd=r["cost_usd"], models=list(r.get("models", []))
        ),
    )


def accepted_point(history: Iterable[f.Envelope]) -> AcceptedPointV1 | None:
    """Fold one candidate's history (its run's ``RunStarted`` first) through the dataset projection."""
    view = Dataset()
    last: f.Envelope | None = None
    for env in history:
        view.apply(env)
        last = env
    row = view.approved.get(last.originator_id) if last is not None else None
    return None if row is None else point_from_row(row)


def history_of(ledger: AssayLedger, verdict: f.Envelope) -> list[f.Envelope]:
    """The run's ``RunStarted``, then the candidate's facts up to and including ``verdict`` (blocking)."""
    cid = UUID(verdict.originator_id)
    events = [fact_event(e) for e in ledger.events.get(cid, lte=verdict.version)]
    out = [_envelope(e) for e in events[:-1]]
    first = events[0].fact if events else None
    if isinstance(first, f.Drafted):
        started = next(iter(ledger.events.get(run_uuid(first.run_id), limit=1)), None)
        if started is not None:
            out.insert(0, _envelope(fact_event(started)))
    return [*out, verdict]


def _envelope(event: FactEvent) -> f.Envelope:
    return f.Envelope(
        event_id=event_id(event.originator_id, event.originator_version),
        originator_id=str(event.originator_id),
        version=event.originator_version,
        position=0,
        timestamp=event.timestamp.isoformat(),
        fact=event.fact,
    )


async def ensure_points_stream(js: JetStreamContext, replicas: int = 1) -> None:
    """Create the ``ASSAY_POINTS`` stream (file storage, ``replicas`` replicas) if missing; otherwise raise it to
    ``replicas`` if it has fewer and keep an operator's other settings."""
    try:
        info = await js.stream_info(POINTS_STREAM)
    except NotFoundError:
        await js.add_stream(
            StreamConfig(
                name=POINTS_STREAM,
                subjects=[POINTS_SUBJECTS],
                storage=StorageType.FILE,
                duplicate_window=POINTS_DUPLICATE_WINDOW,
                num_replicas=replicas,
            )
        )
        log.info("publisher.stream.created", stream=POINTS_STREAM, replicas=replicas)
        return
    if await raise_replicas(js, POINTS_STREAM, replicas):  # e.g. made R1 before the cluster's stream was raised
        info = await js.stream_info(POINTS_STREAM)
    config = info.config
    if POINTS_SUBJECTS not in (config.subjects or []) or (config.duplicate_window or 0) < POINTS_DUPLICATE_WINDOW:
        config.subjects = sorted({*(config.subjects or []), POINTS_SUBJECTS})
        config.duplicate_window = max(config.duplicate_window or 0, POINTS_DUPLICATE_WINDOW)
        await js.update_stream(config)
        log.info("publisher.stream.updated", stream=POINTS_STREAM)


class Publisher:
    """Approve/edit verdicts in, ``AcceptedPointV1`` out; stateless, so replicas share the durable consumer."""

    def __init__(self, ledger: AssayLedger) -> None:
        self.ledger = ledger
        self.bus: Bus | None = None
        self.out: Any = None

    def register(self, bus: Bus) -> None:
        self.bus = bus
        self.out = bus.broker.publisher(
            SUBJECT_V1,
            stream=JStream(POINTS_STREAM, declare=False),
            timeout=PUBLISH_TIMEOUT,
            title="accepted-points-v1",
            description="Every point a person accepted (approve or edit), once: an AcceptedPointV1 "
            "(schema assay.accepted-point/1) with header Nats-Msg-Id = candidate_id, on the "
            f"{POINTS_STREAM} stream. Consume with a durable consumer and skip candidate ids already seen.",
        )
        bus.consume("publisher", f.VerdictGiven, self.on_verdict)

    async def prepare(self) -> None:
        """Make sure the points stream exists, with as many replicas as the bus's stream (call once connected,
        before the bus starts)."""
        assert self.bus is not None
        await ensure_points_stream(self.bus.js, await replicas_of(self.bus.js, self.bus.stream))

    async def on_verdict(self, env: f.Envelope) -> None:
        verdict = env.fact
        assert isinstance(verdict, f.VerdictGiven)  # the only fact this handler is registered for
        if verdict.verdict == "reject":
            return
        point = accepted_point(await asyncio.to_thread(history_of, self.ledger, env))
        bound = log.bind(candidate_id=env.originator_id, event_id=env.event_id)
        if point is None:  # a verdict on a candidate the dataset does not hold: nothing to publish
            bound.warning("publisher.no_point")
            return
        ack = await self.out.publish(point, headers={"Nats-Msg-Id": point.candidate_id}, timeout=PUBLISH_TIMEOUT)
        bound.info("publisher.duplicate" if ack.duplicate else "publisher.published", seq=ack.seq)
