"""What every projection shares: the Projection protocol, the JSON-backed base class, canonical JSON, receipt sums.

A projection is a pure fold over ledger envelopes. Keeping it current (reading the ledger, storing the view
and its position) is ``adapters.views``'s job; nothing here does I/O.
"""

from __future__ import annotations

import bisect
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar, Protocol, Self

import msgspec

from domain.facts import Envelope, Receipt

Handler = Callable[[Envelope], None]


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


def handler(view: Projection, fact_type: type) -> Handler | None:
    """What ``view`` does with a fact of ``fact_type``: its handler, None when it ignores that type, or its
    ``apply`` when it has no dispatch table (so any Projection can be fed by one scan with others)."""
    find = getattr(view, "handler", None)
    return find(fact_type) if find is not None else view.apply


class JsonView:
    """The opening every projection shares: its ``fields`` (each a dict) loaded from and dumped as one JSON object.

    A subclass names its fields (and annotates them), maps the fact types it uses to methods in ``on`` (a fact
    of a subclass goes to its base's method; the first match in ``on``'s order wins) and writes ``summary``.
    Facts of other types cost one dict lookup: one scan feeds every projection (adapters.views)."""

    name: ClassVar[str]
    schema: ClassVar[int]
    fields: ClassVar[tuple[str, ...]]
    on: ClassVar[dict[type, str | None]] = {}  # fact type -> name of the method applying it (None: ignored)
    _table: ClassVar[dict[type, Callable[[Any, Envelope], None] | None]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._table = {}  # filled per concrete fact type on first sight (subclass lookups done once)

    @classmethod
    def _method(cls, fact_type: type) -> Callable[[Any, Envelope], None] | None:
        try:
            return cls._table[fact_type]
        except KeyError:
            name = next((m for t, m in cls.on.items() if issubclass(fact_type, t)), None)  # first match wins
            found = cls._table[fact_type] = getattr(cls, name) if name is not None else None
            return found

    def handler(self, fact_type: type) -> Handler | None:
        """This view's bound method for facts of ``fact_type``, or None when it ignores them."""
        method = self._method(fact_type)
        return None if method is None else method.__get__(self)

    def apply(self, env: Envelope) -> None:
        method = self._method(type(env.fact))
        if method is not None:
            method(self, env)

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        state = state or {}
        for key in self.fields:
            setattr(self, key, state.get(key, {}))

    @classmethod
    def load(cls, state: str | None) -> Self:
        return cls(msgspec.json.decode(state) if state else None)

    def dump(self) -> str:
        return dumps({key: getattr(self, key) for key in self.fields})


def dumps(state: Any) -> str:
    """Canonical JSON: sorted keys, no whitespace, so equal views are equal strings (msgspec: a view of 100k
    events is megabytes, and the json module takes several times as long)."""
    return _ENCODER.encode(state).decode()


_ENCODER = msgspec.json.Encoder(order="sorted")


def tracking_name(cls: type[Projection]) -> str:
    """The key a view and its position are stored under: a new schema starts from zero."""
    return f"projection:{cls.name}:v{cls.schema}"


# A fact's receipts, for a fact type that carries them: one C call in handlers that run for most facts of a rebuild.
receipts_of: Callable[[object], Sequence[Receipt]] = operator.attrgetter("receipts")


def receipt_sums(
    receipts: Iterable[Receipt], into: dict[str, Any] | None = None, models: list[str] | None = None
) -> dict[str, Any]:
    """Add receipts to running totals: calls, prompt/completion tokens, cost (the sum rounded once per call of
    this: float sums drift); with ``models``, also each model called to that list of distinct models, kept sorted
    (in the same pass)."""
    out = into if into is not None else {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0}
    calls = prompt = completion = 0
    cost = 0.0
    for r in receipts:
        calls += 1
        prompt += r.prompt_tokens
        completion += r.completion_tokens
        cost += r.cost_usd
        if models is not None and r.model and r.model not in models:
            bisect.insort(models, r.model)
    if calls:
        out["calls"] += calls
        out["prompt_tokens"] += prompt
        out["completion_tokens"] += completion
        if cost:  # rounding an already rounded sum again changes nothing
            out["cost_usd"] = round_cost(out["cost_usd"] + cost)
    return out


def round_cost(x: float) -> float:
    """``round(x, 10)``, the very same value, in a third less time: a rebuild rounds a running cost for most facts.

    Exact: for 0 < x < 1e5, y = x * 1e10 is within 2**-53 * y of the exact product, so when y's fraction is
    farther than that from one half its nearest integer n is the exact product rounded (half to even, as round
    does); n / 1e10 (both exact doubles) is then the double nearest n * 1e-10, which is what round returns. Near a
    half, and for any other value (or an int), round itself."""
    if type(x) is float and 0.0 < x < 1e5:
        y = x * 1e10
        n = int(y)
        d = y - n  # exact: y and n are within a factor of two (or n is 0)
        if abs(d - 0.5) > y * 2.5e-16:
            return (n + (d > 0.5)) / 1e10
    return round(x, 10)
