"""What every projection shares: the Projection protocol, the JSON-backed base class, canonical JSON, receipt sums.

A projection is a pure fold over ledger envelopes. Keeping it current (reading the ledger, storing the view
and its position) is ``adapters.views``'s job; nothing here does I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, ClassVar, Protocol, Self

from domain.facts import Envelope, Receipt


class Projection(Protocol):
    """A read model built only from ledger facts, serialized as canonical JSON.

    ``schema`` is part of the tracking key: changing a view's shape means bumping it, so an old
    stored view is never misread (the new one is built from zero)."""

    name: ClassVar[str]
    schema: ClassVar[int]

    def apply(self, env: Envelope) -> None: ...

    def dump(self) -> str: ...

    @classmethod
    def load(cls, state: str | None) -> Self: ...

    def summary(self) -> dict[str, Any]: ...


class JsonView:
    """The opening every projection shares: its ``fields`` (each a dict) loaded from and dumped as one JSON object.

    A subclass names its fields (and annotates them) and writes ``apply`` and ``summary``."""

    name: ClassVar[str]
    schema: ClassVar[int]
    fields: ClassVar[tuple[str, ...]]

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        state = state or {}
        for key in self.fields:
            setattr(self, key, state.get(key, {}))

    @classmethod
    def load(cls, state: str | None) -> Self:
        return cls(json.loads(state) if state else None)

    def dump(self) -> str:
        return dumps({key: getattr(self, key) for key in self.fields})


def dumps(state: Any) -> str:
    """Canonical JSON: sorted keys, no whitespace, so equal views are equal strings."""
    return json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def tracking_name(cls: type[Projection]) -> str:
    """The key a view and its position are stored under: a new schema starts from zero."""
    return f"projection:{cls.name}:v{cls.schema}"


def receipt_sums(receipts: Iterable[Receipt], into: dict[str, Any] | None = None) -> dict[str, Any]:
    """Add receipts to running totals: calls, prompt/completion tokens, cost (rounded: float sums drift)."""
    out = into if into is not None else {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0}
    for r in receipts:
        out["calls"] += 1
        out["prompt_tokens"] += r.prompt_tokens
        out["completion_tokens"] += r.completion_tokens
        out["cost_usd"] = round(out["cost_usd"] + r.cost_usd, 10)
    return out
