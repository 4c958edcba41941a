"""A downstream subscriber of Assay's accepted points: one JSON line per point, each point once.

    python examples/accepted_points_consumer.py --nats-url nats://127.0.0.1:4222 --durable trainer --out points.jsonl

Standalone: needs only nats-py. It reads subject ``assay.points.accepted.v1`` (schema
``assay.accepted-point/1``) from the ``ASSAY_POINTS`` stream through a durable pull consumer, so a
restart continues where it stopped. It appends each point to ``--out`` and only then acks; a point
whose ``candidate_id`` is already in the file is acked and skipped. Together that is exactly once per
file, even when a message is redelivered (a crash between write and ack) or republished after the
stream's duplicate window. Runs until Ctrl-C, ``--max N`` new points, or ``--idle-exit SECONDS``
without a message.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path

import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

SUBJECT = "assay.points.accepted.v1"
STREAM = "ASSAY_POINTS"
SCHEMA = "assay.accepted-point/1"


def seen_ids(out: Path) -> set[str]:
    """Candidate ids already written (a torn last line from a crash is ignored: that point comes again)."""
    ids: set[str] = set()
    if out.exists():
        for line in out.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError, KeyError, TypeError):
                ids.add(json.loads(line)["candidate_id"])
    return ids


def append(out: Path, point: dict[str, object]) -> None:
    """One line per point, flushed to disk before the message is acked."""
    with out.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(point, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


PullSub = JetStreamContext.PullSubscription


async def subscribe(js: JetStreamContext, durable: str, stop: asyncio.Event) -> PullSub | None:
    """A pull subscription on the durable consumer, waiting for Assay to create the stream if need be."""
    while not stop.is_set():
        try:
            return await js.pull_subscribe(SUBJECT, durable=durable, stream=STREAM)
        except NotFoundError:
            print(f"waiting for stream {STREAM} (is an Assay publisher running?)", file=sys.stderr)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 2.0)
    return None


async def consume(url: str, durable: str, out: Path, max_points: int | None, idle_exit: float | None) -> int:
    """Write new points to ``out``; return how many were new."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    seen, new = seen_ids(out), 0
    nc = await nats.connect(url, connect_timeout=3, max_reconnect_attempts=-1)
    sub = await subscribe(nc.jetstream(), durable, stop)
    last = time.monotonic()
    try:
        while sub is not None and not stop.is_set():
            if max_points is not None and new >= max_points:
                break
            if idle_exit is not None and time.monotonic() - last >= idle_exit:
                break
            want = 50 if max_points is None else max_points - new  # fetch no more than we will ack
            try:
                msgs = await sub.fetch(batch=min(50, want), timeout=0.5)
            except (NatsTimeout, TimeoutError):  # nats-py raises either when nothing came
                continue
            last = time.monotonic()
            for msg in msgs:
                point = json.loads(msg.data)
                if point.get("schema") != SCHEMA:
                    print(f"skipping a message with schema {point.get('schema')!r}", file=sys.stderr)
                elif point["candidate_id"] not in seen:
                    append(out, point)
                    seen.add(point["candidate_id"])
                    new += 1
                    print(f"point {point['candidate_id']} ({point['recipe']}, {point['verdict']})", flush=True)
                await msg.ack_sync()  # only after the line is on disk
    finally:
        if sub is not None:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()  # before closing: nats-py's drain can hang after pull fetches
        await nc.close()
    return new


def main() -> None:
    parser = argparse.ArgumentParser(description="Append Assay's accepted points to a JSONL file, each once.")
    parser.add_argument("--nats-url", default=os.environ.get("ASSAY_NATS_URL", "nats://127.0.0.1:4222"))
    parser.add_argument("--durable", default="accepted-points-example", help="durable consumer name")
    parser.add_argument("--out", type=Path, default=Path("accepted_points.jsonl"), help="JSONL file to append to")
    parser.add_argument("--max", type=int, default=None, dest="max_points", help="exit after N new points")
    parser.add_argument("--idle-exit", type=float, default=None, help="exit after SECONDS without a message")
    args = parser.parse_args()
    new = asyncio.run(consume(args.nats_url, args.durable, args.out, args.max_points, args.idle_exit))
    print(f"{new} new point(s) written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
