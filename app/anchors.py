"""Heads kept outside the ledger: anchor files a user keeps elsewhere, and the heads the bus witnessed.

An anchor file is JSON: ``{"format": "assay-anchor/1", "position": P, "head": H, "created": ISO time,
"aggregates": {aggregate id: [version, chain]}}``.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from nats.errors import Error as NatsError

from adapters import witness
from adapters.bus import Bus, BusUnavailable
from adapters.config import Settings
from adapters.ledger import AssayLedger
from app.audit import Anchor, anchor
from app.files import read_text
from domain.errors import InvalidInput

FORMAT = "assay-anchor/1"


def write(ledger: AssayLedger, output: Path) -> Anchor:
    """Write the ledger's heads now to ``output`` (a new file: an existing one is never overwritten)."""
    heads = anchor(ledger)
    body = {
        "format": FORMAT,
        "position": heads.position,
        "head": heads.head,
        "created": heads.created,
        "aggregates": {k: list(v) for k, v in heads.aggregates.items()},
    }
    try:
        with output.open("x", encoding="utf-8") as fh:
            json.dump(body, fh, indent=1, sort_keys=True)
            fh.write("\n")
    except FileExistsError:
        raise InvalidInput(f"{output}: already exists; anchors are never overwritten (choose a new name)") from None
    except OSError as exc:
        raise InvalidInput(f"{output}: cannot write the anchor: {exc.strerror or exc}") from None
    return heads


def read(path: Path) -> Anchor:
    """An anchor file, checked; InvalidInput names the file and what is wrong with it."""
    text = read_text(path, "anchor file")  # missing, a folder, binary, not UTF-8: one line naming the file
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path}: not JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise InvalidInput(f'{path}: not an Assay anchor (expected "format": "{FORMAT}")')
    try:
        return Anchor(
            position=_int(body["position"]),
            head=_hex(body["head"]),
            aggregates={str(k): (_int(v[0]), str(v[1])) for k, v in dict(body["aggregates"]).items()},
            created=str(body.get("created", "")),
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise InvalidInput(f"{path}: a damaged anchor ({type(exc).__name__}: {exc})") from None


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{value!r} is not a position or version")
    return value


def _hex(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise ValueError(f"{value!r} is not a sha256 head")
    return value


def witnessed(settings: Settings) -> list[tuple[int, str]] | None:
    """Every head the bus witnessed (None when there is no bus to ask: no NATS configured and no embedded store
    in this home)."""
    embedded = None
    url = settings.nats_url
    if url is None:
        store = settings.home / "nats"
        if not store.is_dir():
            return None
        from adapters.nats_embedded import EmbeddedNats

        server = EmbeddedNats(store)
        url = server.running_url()  # a run in this home has its server up: ask that one
        if url is None:
            embedded, url = server, server.start()
    try:
        return asyncio.run(_heads(url, settings.stream))
    except BusUnavailable:
        return None
    finally:
        if embedded is not None:
            embedded.stop()


async def _heads(url: str, stream: str) -> list[tuple[int, str]]:
    bus = Bus(url, stream)
    await bus.connect()
    try:
        return await witness.all_heads(bus)
    except (NatsError, TimeoutError) as exc:  # the bus stopped answering: as if there were none to ask
        raise BusUnavailable(f"NATS at {url} did not answer for the witnessed heads: {type(exc).__name__}") from None
    finally:
        await bus.stop()
