"""On a real 3-node cluster (deploy/nats/nats-cluster.conf, via bench/scaleout_cluster.py): the points stream and
the lease bucket take as many replicas as the cluster's ASSAY stream, and an existing R1 points stream is raised."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.js.api import StorageType, StreamConfig

from adapters.bus import Bus
from adapters.lease import BUCKET, Lease
from services.publisher import POINTS_STREAM, POINTS_SUBJECTS, Publisher

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from scaleout_cluster import Cluster  # noqa: E402


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    nodes = Cluster(tmp_path / "cluster", dict(os.environ))
    try:
        nodes.start()
        yield nodes
    finally:
        nodes.stop()


@pytest.fixture
async def bus(cluster: Cluster) -> AsyncIterator[Bus]:
    bus = Bus(cluster.urls[1])
    await bus.connect()
    yield bus
    await bus.stop()


async def replicas(bus: Bus, stream: str) -> int:
    return (await bus.js.stream_info(stream)).config.num_replicas or 1


async def test_points_stream_and_lease_bucket_follow_the_cluster(bus: Bus) -> None:
    assert await replicas(bus, "ASSAY") == 3  # made so by the cluster's init (deploy/nats/init-stream.sh)
    publisher = Publisher(ledger=None)  # type: ignore[arg-type]  # prepare() reads no ledger
    publisher.register(bus)
    await publisher.prepare()
    assert await replicas(bus, POINTS_STREAM) == 3
    lease = Lease(bus, "relay.ASSAY", ttl=1.0)
    assert await lease.step()
    assert await replicas(bus, f"KV_{BUCKET}") == 3
    await lease.release()


async def test_an_r1_points_stream_is_raised_to_the_cluster(bus: Bus) -> None:
    await bus.js.add_stream(
        StreamConfig(name=POINTS_STREAM, subjects=[POINTS_SUBJECTS], storage=StorageType.FILE, num_replicas=1)
    )
    publisher = Publisher(ledger=None)  # type: ignore[arg-type]
    publisher.register(bus)
    await publisher.prepare()
    info = await bus.js.stream_info(POINTS_STREAM)
    assert info.config.num_replicas == 3
    assert info.config.duplicate_window == 24 * 3600.0  # what the publisher relies on is there too
