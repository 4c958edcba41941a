"""How many replicas Assay's own JetStream streams keep: as many as the bus's stream (``ASSAY``), which an operator
sets for the cluster (deploy/nats/init-stream.sh makes it R3). The points stream and the lease bucket follow it,
so one lost node loses none of them."""

from __future__ import annotations

import structlog
from nats.js import JetStreamContext

log = structlog.get_logger(__name__)


async def replicas_of(js: JetStreamContext, stream: str) -> int:
    """The replicas ``stream`` is configured with (1 when the server does not say)."""
    return (await js.stream_info(stream)).config.num_replicas or 1


async def raise_replicas(js: JetStreamContext, stream: str, replicas: int) -> bool:
    """Raise ``stream`` to ``replicas`` if it has fewer (never lower an operator's choice); True if it changed."""
    config = (await js.stream_info(stream)).config
    if (config.num_replicas or 1) >= replicas:
        return False
    before, config.num_replicas = config.num_replicas or 1, replicas
    await js.update_stream(config)
    log.info("stream.replicas.raised", stream=stream, before=before, replicas=replicas)
    return True
