"""The bus: recorded facts on NATS JetStream, consumed by durable pull consumers (FastStream).

Only the relay publishes (from the ledger, in global order, deduplicated by ``Nats-Msg-Id``).
Handlers are redelivered on failure, so every handler must be idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
from collections.abc import Sequence
from typing import Any, Protocol

import msgspec
import structlog
from fast_depends.msgspec import MsgSpecSerializer
from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from adapters.delivery import MAX_DELIVER, Handler, dispatch, quiet_after_stop
from domain.facts import Envelope, Fact, aggregate_kind, tag_of

log = structlog.get_logger(__name__)

SUBJECT_PREFIX = "assay.ev"
CONNECT_TIMEOUT = 3.0
DUPLICATE_WINDOW = 600.0  # seconds; the relay's republish after a crash must land inside it
# How long the server waits before redelivering an unacked message (work a killed process had in hand).
# Slow handlers are kept alive by heartbeats, so this only bounds how fast crashed work is picked up.
ACK_WAIT = float(os.environ.get("ASSAY_ACK_WAIT", "30"))
PUBLISH_TIMEOUT = 5.0  # seconds for a batch's acks, counted once all of it is on the wire
HAND_BACK_DELAY = 3.0  # seconds before work handed back by a stopping process is redelivered (Bus.stop)

_encoder = msgspec.json.Encoder()


class Consumers(Protocol):
    """Where a service registers its handlers: a ``Bus``, or a test's stand-in for one."""

    def consume(
        self, durable: str, fact_type: type[Fact], handler: Handler, *, max_workers: int | None = None
    ) -> None: ...


class BusUnavailable(Exception):
    """NATS cannot be reached (or the stream cannot be set up)."""


def subject_of(fact_type: type[Fact]) -> str:
    """``assay.ev.run.<Tag>`` for run facts, ``assay.ev.candidate.<Tag>`` for the rest."""
    kind = aggregate_kind(fact_type)
    return f"{SUBJECT_PREFIX}.{kind}.{tag_of(fact_type)}"


def subject_for(envelope: Envelope) -> str:
    return subject_of(type(envelope.fact))


async def _the_message(msg: Any) -> Any:
    """FastStream decoder that hands the handler the message itself: it decodes the body as an Envelope and acks
    or naks the message by hand. With FastDepends off (``apply_types=False``) this is what the handler gets."""
    return msg


class Bus:
    """One NATS connection: a FastStream broker for consumers plus its JetStream context for publishing."""

    def __init__(self, url: str, stream: str = "ASSAY", workers: int = 16) -> None:
        self.url = url
        self.stream = stream
        self.workers = workers  # a consumer's handlers at once, unless it asks for its own number
        self._last_error: Exception | None = None
        self._broker = NatsBroker(
            url,
            logger=None,  # our logs are structlog's
            serializer=MsgSpecSerializer(),
            # No dependency injection: resolving the handler's message parameter ran a worker-thread hop per
            # message (FastDepends calls its synchronous context lookup in a thread pool).
            apply_types=False,
            connect_timeout=2,
            reconnect_time_wait=1,
            max_reconnect_attempts=-1,  # once up, ride out NATS restarts; connect() itself is bounded
            drain_timeout=5,
            graceful_timeout=10.0,
            error_cb=self._on_error,
        )
        self._jstream = JStream(stream, declare=False)  # we declare it ourselves in connect()
        self._js: JetStreamContext | None = None
        self._in_hand: dict[int, Any] = {}  # id -> the raw messages handlers are working on (Bus.stop hands them back)

    async def _on_error(self, err: Exception) -> None:
        self._last_error = err

    @property
    def broker(self) -> NatsBroker:
        """The FastStream broker: for declaring publishers and generating the AsyncAPI document."""
        return self._broker

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise BusUnavailable("the bus is not connected; call connect() first")
        return self._js

    async def connect(self) -> None:
        """Connect (failing with BusUnavailable within ~3 s) and make sure the stream exists (BusUnavailable if not)."""
        try:
            client = await asyncio.wait_for(self._broker.connect(), CONNECT_TIMEOUT)
        except (TimeoutError, OSError, NatsError) as exc:
            why = self._last_error or exc
            raise BusUnavailable(f"cannot reach NATS at {self.url}: {type(why).__name__}: {why}") from None
        self._js = client.jetstream()
        try:
            await self._ensure_stream()
        except (TimeoutError, OSError, NatsError) as exc:  # a server without JetStream, or one that went away
            raise BusUnavailable(
                f"cannot set up the stream {self.stream} on NATS at {self.url} (is JetStream enabled?): "
                f"{type(exc).__name__}: {exc}"
            ) from None
        log.info("bus.connected", url=self.url, stream=self.stream)

    async def _ensure_stream(self) -> None:
        subject = f"{SUBJECT_PREFIX}.>"
        try:
            info = await self.js.stream_info(self.stream)
        except NotFoundError:
            await self.js.add_stream(
                StreamConfig(
                    name=self.stream,
                    subjects=[subject],
                    storage=StorageType.FILE,
                    duplicate_window=DUPLICATE_WINDOW,
                )
            )
            log.info("bus.stream.created", stream=self.stream)
            return
        config = info.config
        if subject not in (config.subjects or []) or (config.duplicate_window or 0) < DUPLICATE_WINDOW:
            # keep whatever an operator set (replicas, limits); only add what we rely on
            config.subjects = sorted({*(config.subjects or []), subject})
            config.duplicate_window = max(config.duplicate_window or 0, DUPLICATE_WINDOW)
            await self.js.update_stream(config)
            log.info("bus.stream.updated", stream=self.stream)

    def consume(self, durable: str, fact_type: type[Fact], handler: Handler, *, max_workers: int | None = None) -> None:
        """Register ``handler`` for ``fact_type`` on the durable pull consumer ``<durable>_<Tag>``, running up to
        ``max_workers`` (default: the bus's ``workers``) handlers at once.

        Returns -> ack. Raises -> nak (redelivered after NAK_DELAY); terminated after MAX_DELIVER
        deliveries. Undecodable -> terminated. Call before start(). The consumer name includes the tag
        so one service can consume several fact types under one ``durable``.
        """
        if self._broker.running:
            raise RuntimeError("Bus.consume() must be called before Bus.start()")
        max_workers = max_workers or self.workers
        subject = subject_of(fact_type)
        name = f"{durable}_{tag_of(fact_type)}"
        bound = log.bind(consumer=name, subject=subject)
        config = ConsumerConfig(ack_wait=ACK_WAIT, max_deliver=MAX_DELIVER)
        pull = PullSub(batch_size=max_workers, timeout=5.0)
        options: dict[str, Any] = {"max_workers": max_workers} if max_workers > 1 else {}

        async def on_message(msg: NatsMessage) -> None:
            await dispatch(msg, handler, bound, self._in_hand, ACK_WAIT)

        self._broker.subscriber(
            subject,
            stream=self._jstream,
            durable=name,
            config=config,
            pull_sub=pull,
            ack_policy=AckPolicy.MANUAL,
            decoder=_the_message,
            title=name,
            description=f"{tag_of(fact_type)} facts, each in an Envelope, read by the durable pull consumer {name}",
            **options,
        )(on_message)

    async def start(self) -> None:
        """Connect if need be, then create the consumers; BusUnavailable if NATS goes away meanwhile."""
        if self._js is None:
            await self.connect()
        try:
            await self._broker.start()
        except (TimeoutError, OSError, NatsError) as exc:  # the server went away between connect and subscribe
            raise BusUnavailable(f"cannot subscribe on NATS at {self.url}: {type(exc).__name__}: {exc}") from None

    async def stop(self, grace: float | None = None) -> None:
        """Stop consumers, then drain; bounded, since nats-py's drain() can hang after pull fetches.

        With ``grace`` (an interrupt) the whole stop takes about grace + 1 s: handlers get ``grace`` seconds to
        finish, then every message still in hand is nak'd (and the nak flushed, while the connection is surely
        open) before the handlers are cancelled, so whichever process consumes next takes that work up at once
        instead of after ack_wait. Handlers are idempotent: work redone is safe."""
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(quiet_after_stop)
        if grace is not None:
            # FastStream waits this long for running handlers once it has stopped fetching, then cancels them.
            self._broker.config.broker_config.graceful_timeout = grace
        stopping = asyncio.create_task(self._broker.stop())
        try:
            if grace is not None:
                await asyncio.wait({stopping}, timeout=max(grace - 0.2, 0.0))
                if not stopping.done():
                    await self._hand_back()
            await asyncio.wait_for(stopping, 15 if grace is None else 1.2)
        except Exception as exc:
            log.warning("bus.stop.forced", error=f"{type(exc).__name__}: {exc}")
            conn = self._broker._connection
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
            self._broker._connection = None
        self._js = None

    async def reclaim(self) -> int:
        """Make the work a dead process had in hand deliverable now instead of after ack_wait (30 s): each consumer
        with deliveries not acked is reset to its ack floor (JetStream's consumer reset, server 2.14+), so those
        messages, and the few acked beyond the floor, are delivered again at once; handlers are idempotent. Only
        for a server no other live process consumes from (the embedded one, which one process owns at a time):
        on a shared cluster those deliveries may be a live replica's work. Returns the messages reclaimed; a
        server without the reset leaves them to ack_wait."""
        conn = self._broker._connection
        if conn is None:
            return 0
        try:
            infos = await self.js.consumers_info(self.stream)
        except (NatsError, TimeoutError):
            return 0
        reclaimed = 0
        for info in infos:
            if not info.num_ack_pending or info.name is None:
                continue
            try:
                reply = await conn.request(f"$JS.API.CONSUMER.RESET.{self.stream}.{info.name}", b"", timeout=2)
                refused = msgspec.json.decode(reply.data).get("error")
            except (NatsError, TimeoutError, msgspec.DecodeError):
                refused = "no reply"
            if refused:
                log.info("bus.reclaim.unsupported", consumer=info.name, error=str(refused))
                continue
            reclaimed += info.num_ack_pending
        if reclaimed:
            log.info("bus.reclaimed", messages=reclaimed)
        return reclaimed

    async def _hand_back(self) -> None:
        """Nak every message a handler still holds, and flush: the server may redeliver them at once."""
        held = list(self._in_hand.values())
        for raw in held:
            with contextlib.suppress(Exception):  # already settled, or the connection is gone: ack_wait covers it
                # Delayed past this process's exit: at once, the server would hand it to our own pull request
                # still open, and it would wait out ack_wait after all.
                await raw.nak(delay=HAND_BACK_DELAY)
        conn = self._broker._connection
        if held and conn is not None:
            with contextlib.suppress(Exception):
                await conn.flush(timeout=1)
        log.info("bus.handed_back", messages=len(held))

    async def publish(self, envelope: Envelope) -> bool:
        """Publish one envelope (``Nats-Msg-Id`` = event id); True when the stream already had it."""
        ack = await self.js.publish(
            subject_for(envelope),
            _encoder.encode(envelope),
            timeout=5.0,
            stream=self.stream,
            headers={"Nats-Msg-Id": envelope.event_id},
        )
        return bool(ack.duplicate)

    async def publish_many(self, envelopes: list[Envelope]) -> None:
        """Publish all, pipelined; every ack is awaited and any failure raises (after all settle)."""
        await self.publish_encoded([(type(e.fact), e.event_id, _encoder.encode(e)) for e in envelopes])

    async def publish_encoded(self, messages: Sequence[Outgoing]) -> None:
        """Publish encoded envelopes, pipelined, each with ``Nats-Msg-Id`` = its event id; return once every ack
        came back, raise BusUnavailable if any publish failed or was not acked within PUBLISH_TIMEOUT.

        Uses nats-py's ``publish_async``: one reply subscription and a future per message, instead of a task, a
        request inbox and a timer per message (what ``asyncio.gather`` over ``js.publish`` costs)."""
        js = self.js
        acks: list[asyncio.Future[Any]] = []
        try:
            for fact_type, event_id, body in messages:
                acks.append(
                    await js.publish_async(
                        _subject(fact_type), body, stream=self.stream, headers={"Nats-Msg-Id": event_id}
                    )
                )
        except BaseException:
            for ack in acks:  # frees their slots in nats-py's pending window
                ack.cancel()
            raise
        if not acks:
            return
        _, late = await asyncio.wait(acks, timeout=PUBLISH_TIMEOUT)
        for ack in late:
            ack.cancel()
        failed = [
            (event_id, ack)
            for (_, event_id, _), ack in zip(messages, acks, strict=True)
            if ack.cancelled() or ack.exception() is not None
        ]
        if failed:
            event_id, ack = failed[0]
            why: BaseException = TimeoutError("no ack") if ack.cancelled() else ack.exception()  # type: ignore[assignment]
            raise BusUnavailable(
                f"{len(failed)} of {len(messages)} publishes failed, first {event_id}: {type(why).__name__}: {why}"
            ) from why


Outgoing = tuple[type[Fact], str, bytes]  # an encoded envelope: its fact type, event id and JSON body


@functools.cache
def _subject(fact_type: type[Fact]) -> str:
    return subject_of(fact_type)
