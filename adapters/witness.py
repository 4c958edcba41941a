"""The bus witnesses the ledger: ledger-wide rolling heads (domain.chain.roll) on a JetStream stream of their own.

The relay publishes ``{"position": P, "head": H}`` after each batch it relays, where H commits to every stored
event up to ledger position P. ``assay verify`` recomputes the heads from the ledger and compares: a removed
newest event, or an aggregate rewritten together with all its links, no longer matches what the bus saw.
The stream keeps the last ``KEEP`` heads (each commits to everything before it, so the newest alone suffices to
detect a change; the older ones narrow down where it happened).
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import DiscardPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from adapters.ledger import stored
from adapters.replicas import raise_replicas, replicas_of
from domain.chain import GENESIS, roll

if TYPE_CHECKING:
    from adapters.bus import Bus
    from adapters.ledger import AssayLedger

KEEP = 100_000


def stream_of(bus: Bus) -> str:
    return f"{bus.stream}_HEADS"


def subject_of(bus: Bus) -> str:
    return f"assay.heads.{bus.stream}"


async def ensure(bus: Bus) -> None:
    """Create the heads stream if it is missing, with as many replicas as the bus's stream, and raise an existing
    one that has fewer (an operator's other settings are kept): one lost node must not silence the witness."""
    replicas = await replicas_of(bus.js, bus.stream)
    try:
        await bus.js.stream_info(stream_of(bus))
    except NotFoundError:
        await bus.js.add_stream(
            StreamConfig(
                name=stream_of(bus),
                subjects=[subject_of(bus)],
                storage=StorageType.FILE,
                max_msgs=KEEP,
                discard=DiscardPolicy.OLD,
                num_replicas=replicas,
            )
        )
        return
    await raise_replicas(bus.js, stream_of(bus), replicas)


async def publish(bus: Bus, position: int, head: str) -> None:
    """Record that the ledger up to ``position`` had ``head`` (idempotent per position)."""
    body = json.dumps({"position": position, "head": head}).encode()
    await bus.js.publish(
        subject_of(bus), body, timeout=5.0, stream=stream_of(bus), headers={"Nats-Msg-Id": f"head-{position}"}
    )


async def last(bus: Bus) -> tuple[int, str] | None:
    """The newest witnessed head, or None when nothing was witnessed yet."""
    try:
        msg = await bus.js.get_last_msg(stream_of(bus), subject_of(bus))
    except NotFoundError:
        return None
    return _decode(msg.data)


async def all_heads(bus: Bus) -> list[tuple[int, str]]:
    """Every witnessed head the stream still keeps, oldest first (empty when there is no heads stream)."""
    try:
        info = await bus.js.stream_info(stream_of(bus))
    except NotFoundError:
        return []
    out: list[tuple[int, str]] = []
    seq, end = info.state.first_seq, info.state.last_seq
    while info.state.messages and seq <= end:
        try:
            msg = await _get(bus, seq)
        except NotFoundError:  # aged out while we read
            seq += 1
            continue
        decoded = _decode(msg.data)
        if decoded is not None:
            out.append(decoded)
        seq = (msg.seq or seq) + 1
    return out


async def _get(bus: Bus, seq: int, tries: int = 5) -> Any:
    """Head ``seq``, asked again when the server does not answer in time (a cluster electing a new stream leader
    after a node was lost answers within seconds)."""
    for attempt in range(tries - 1):
        try:
            return await bus.js.get_msg(stream_of(bus), seq)
        except NatsTimeoutError:
            await asyncio.sleep(0.5 * (attempt + 1))
    return await bus.js.get_msg(stream_of(bus), seq)  # the last try: its timeout goes to the caller


def _decode(data: Any) -> tuple[int, str] | None:
    try:
        body = json.loads(data)
        return int(body["position"]), str(body["head"])
    except (ValueError, KeyError, TypeError):
        return None


def roll_on(head: str, n: Any) -> str:
    """The rolling head after the stored event ``n`` (a notification)."""
    return roll(head, n.id, n.originator_id, n.originator_version, n.topic, n.state)


def rolled(app: AssayLedger, start: tuple[int, str] = (0, GENESIS), upto: int | None = None) -> tuple[int, str]:
    """The head at ``upto`` (default: the end of the ledger), rolled on from ``start`` = (position, its head)."""
    position, head = start
    for n in stored(app, position, upto):
        head, position = roll_on(head, n), n.id
    return position, head
