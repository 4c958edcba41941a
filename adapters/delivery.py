"""Delivering one message to its handler: decode, run it with a heartbeat, then ack, nak or term; and the quiet
the bus needs while it stops. Handlers are redelivered on failure, so every handler must be idempotent."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from anyio import ClosedResourceError
from nats.errors import MsgAlreadyAckdError

from domain.facts import Envelope

NAK_DELAY = 0.5
MAX_DELIVER = 20

Handler = Callable[[Envelope], Awaitable[None]]
_decoder = msgspec.json.Decoder(Envelope)


def quiet_after_stop(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The loop's exception handler once the bus is stopping: a fetch that lands after its subscriber closed its
    queue fails with ClosedResourceError (a race inside FastStream's shutdown). That message is not lost (never
    acked, it is redelivered), so it is not worth a traceback; anything else is reported as usual."""
    exc = context.get("exception")
    if isinstance(exc, BaseExceptionGroup):
        _, rest = exc.split((ClosedResourceError, asyncio.CancelledError))
        if rest is None:
            return
    elif isinstance(exc, ClosedResourceError):
        return
    loop.default_exception_handler(context)


async def dispatch(msg: Any, handler: Handler, bound: Any, in_hand: dict[int, Any], ack_wait: float) -> None:
    """Decode, run the handler with a progress heartbeat, then ack / nak / term. While the handler runs, the raw
    message is in ``in_hand``, where an interrupted Bus.stop finds it to hand it back."""
    raw = msg.raw_message
    delivered = raw.metadata.num_delivered
    try:
        envelope = _decoder.decode(msg.body)
    except msgspec.DecodeError as exc:
        bound.error("bus.undecodable", error=str(exc), delivered=delivered)
        await _settle(raw.term(), bound)
        return
    bound = bound.bind(event_id=envelope.event_id, delivered=delivered)
    beat = asyncio.create_task(_heartbeat(raw, ack_wait))
    in_hand[id(raw)] = raw  # by id: nats-py's Msg is an unhashable dataclass
    try:
        await handler(envelope)
    except Exception as exc:
        if delivered >= MAX_DELIVER:
            bound.error("bus.handler.gave_up", error=f"{type(exc).__name__}: {exc}", exc_info=True)
            await _settle(raw.term(), bound)
        else:
            bound.warning("bus.handler.failed", error=f"{type(exc).__name__}: {exc}")
            await _settle(raw.nak(delay=NAK_DELAY), bound)
        return
    finally:
        beat.cancel()
        in_hand.pop(id(raw), None)
    await _settle(raw.ack(), bound)


async def _settle(reply: Awaitable[None], bound: Any) -> None:
    """Send ack/nak/term; if the connection is gone the server redelivers after ack_wait anyway."""
    try:
        await reply
    except MsgAlreadyAckdError:  # handed back by an interrupted Bus.stop while the handler finished
        bound.info("bus.settle.handed_back")
    except Exception as exc:
        bound.warning("bus.settle.failed", error=f"{type(exc).__name__}: {exc}")


async def _heartbeat(raw: Any, ack_wait: float) -> None:
    """Tell the server a slow handler is still working, so it is not redelivered mid-flight."""
    while True:
        await asyncio.sleep(ack_wait / 3)
        with contextlib.suppress(Exception):
            await raw.in_progress()
