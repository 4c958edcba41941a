"""A lease on NATS: at most one holder at a time across every process sharing the bus (the relay's, so exactly
one relay publishes while the others wait as hot standbys).

The lease is one key in a JetStream key-value bucket, written only with a revision check (create, or update with
the revision last seen), so two contenders never both win. The holder rewrites it every ``ttl / 4`` seconds. A
standby polls the key at the same pace and takes it over (again with the revision check) once it has seen the
same revision for ``ttl`` seconds by its own clock: the holder stopped renewing (killed, hung or cut off). No
wall clocks are compared between machines. The holder counts itself the holder only until ``ttl * SAFE`` seconds
after it *sent* its last successful write, which is before any standby can have seen that write, so the holder's
tenure ends before a standby's can start. A holder that stops cleanly deletes the key, and a standby takes it at
its next poll.

The bucket follows the replicas of the bus's own stream (R3 on the deploy/ cluster), so losing one node loses
neither the stream nor the lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid
from typing import TYPE_CHECKING

import structlog
from nats.errors import Error as NatsError
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError, KeyDeletedError, KeyNotFoundError, KeyWrongLastSequenceError

from adapters.replicas import raise_replicas, replicas_of

if TYPE_CHECKING:
    from nats.js.kv import KeyValue

    from adapters.bus import Bus

log = structlog.get_logger(__name__)

BUCKET = "ASSAY_LEASES"
TTL = 3.0  # seconds a holder may go silent before a standby takes over
SAFE = 0.8  # the share of ttl a holder trusts its last write for (the rest covers clock-rate and delivery slack)


def holder_id() -> str:
    """This process, recognisably: host, pid and a random suffix (a restarted process is a new holder)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    """``await lease.keep(stop)`` acquires, renews and (at stop) releases; ``lease.held`` says whether to act now."""

    def __init__(self, bus: Bus, name: str, holder: str | None = None, ttl: float = TTL) -> None:
        self.bus = bus
        self.key = name  # e.g. "relay.ASSAY": one lease per bus stream
        self.holder = holder or holder_id()
        self.ttl = ttl
        self.interval = ttl / 4
        self.changed = asyncio.Event()  # set whenever held flips, so a waiting standby starts at once
        self._kv: KeyValue | None = None
        self._revision = 0  # of our own last write, while we hold it
        self._valid_until = 0.0  # monotonic: we hold the lease until then, unless a renewal extends it
        self._seen: tuple[int, float] = (0, 0.0)  # (someone else's revision, monotonic time we first saw it)
        self.log = log.bind(lease=name, holder=self.holder)

    @property
    def held(self) -> bool:
        return time.monotonic() < self._valid_until

    async def keep(self, stop: asyncio.Event) -> None:
        """Try to hold the lease every ``interval`` until ``stop`` is set, then release it if held. Failures
        (NATS down, a leader election) are retried; while they last the tenure simply runs out."""
        try:
            while not stop.is_set():
                was = self.held
                try:
                    await self.step()
                except (NatsError, TimeoutError, OSError) as exc:
                    self.log.warning("lease.retry", error=f"{type(exc).__name__}: {exc}")
                if self.held != was:
                    self.log.info("lease.acquired" if self.held else "lease.lost")
                    self.changed.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._pause())
        finally:
            await self.release()

    def _pause(self) -> float:
        """Until the next step: ``interval``, but never past the moment a held tenure would run out."""
        if not self.held:
            return self.interval
        return max(0.01, min(self.interval, self._valid_until - time.monotonic() - 0.05))

    async def step(self) -> bool:
        """One attempt: renew if we hold it, else take it if free or stale. Returns whether we hold it now."""
        kv = await self._bucket()
        sent = time.monotonic()
        if self._revision:
            try:
                self._revision = await kv.update(self.key, self.holder.encode(), last=self._revision)
            except KeyWrongLastSequenceError:  # someone took it over: our tenure ends now
                self._revision, self._valid_until = 0, 0.0
                return False
            self._valid_until = sent + self.ttl * SAFE
            return True
        try:
            entry = await kv.get(self.key)
        except (KeyNotFoundError, KeyDeletedError):
            return await self._take(kv, sent, last=None)
        revision = entry.revision or 0
        if (entry.value or b"").decode() == self.holder:  # ours, e.g. a renewal whose reply we lost
            return await self._take(kv, sent, last=revision)
        if self._seen[0] != revision:
            self._seen = (revision, time.monotonic())
            return False
        if time.monotonic() - self._seen[1] < self.ttl:
            return False
        self.log.info("lease.takeover", previous=(entry.value or b"").decode())
        return await self._take(kv, sent, last=revision)

    async def _take(self, kv: KeyValue, sent: float, last: int | None) -> bool:
        try:
            if last is None:
                revision = await kv.create(self.key, self.holder.encode())
            else:
                revision = await kv.update(self.key, self.holder.encode(), last=last)
        except KeyWrongLastSequenceError:  # another contender won
            return False
        self._revision, self._valid_until = revision, sent + self.ttl * SAFE
        return True

    async def release(self) -> None:
        """Give the lease up (delete the key at our revision) so a standby takes it at its next poll."""
        revision, self._revision, self._valid_until = self._revision, 0, 0.0
        if not revision or self._kv is None:
            return
        try:
            await asyncio.wait_for(self._kv.delete(self.key, last=revision), 2.0)
            self.log.info("lease.released")
        except (NatsError, TimeoutError, OSError) as exc:  # a standby takes over after ttl instead
            self.log.info("lease.release_failed", error=f"{type(exc).__name__}: {exc}")

    async def _bucket(self) -> KeyValue:
        if self._kv is None:
            js = self.bus.js
            replicas = await replicas_of(js, self.bus.stream)
            try:
                kv = await js.key_value(BUCKET)
                await raise_replicas(js, f"KV_{BUCKET}", replicas)  # made before the stream was raised to R3
            except BucketNotFoundError:
                config = KeyValueConfig(bucket=BUCKET, history=1, storage=StorageType.FILE, replicas=replicas)
                kv = await js.create_key_value(config=config)  # a contender's identical create is no error
            self._kv = kv
        return self._kv
