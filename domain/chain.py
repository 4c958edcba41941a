"""Hash chains: every recorded event commits to its predecessor in the same aggregate.

``link = sha256(previous link, aggregate id, version, fact tag, fact)`` over a canonical encoding (sorted
keys). Altering any recorded fact, or removing or reordering an event, breaks the chain at that event;
``app.audit`` walks the whole ledger and names the first broken link of each aggregate.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import types
import typing
from datetime import datetime
from typing import Any, Protocol, cast
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate

from domain.facts import AnyFact, Fact, tag_of

GENESIS = "0" * 64
_ENCODER = msgspec.json.Encoder(order="sorted")


_NO_DEFAULT = object()


@functools.cache
def _layout(struct: type[msgspec.Struct]) -> tuple[tuple[str, str, Any, Any, Any], ...]:
    """Per struct type: (attribute, encoded name, default, default factory, declared type) of each field. Cached
    because ``msgspec.structs.fields`` re-evaluates string annotations on every call (about 100 us)."""
    return tuple(
        (
            field.name,
            field.encode_name,
            _NO_DEFAULT if field.default is msgspec.NODEFAULT else field.default,
            None if field.default_factory is msgspec.NODEFAULT else field.default_factory,
            field.type,
        )
        for field in msgspec.structs.fields(struct)
    )


def canonical(value: Any) -> Any:
    """A fact as plain data for hashing, stable across schema growth and storage round trips: fields at their
    default are left out (so adding a defaulted field later keeps old links valid), and whole floats are
    integers (a float field given ``0`` comes back from the store as ``0.0``)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return int(value) if value.is_integer() else value
    walk = _WALKS.get(kind)
    if walk is not None:
        return walk(value)
    if isinstance(value, msgspec.Struct):
        return _walk_of(kind)(value)
    if isinstance(value, str | int | bool):
        return value
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [canonical(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return msgspec.to_builtins(value)


def _canonical_dict(value: dict[Any, Any]) -> dict[str, Any]:
    out = {}
    for key, item in value.items():
        kind = type(item)
        if kind is str or kind is int or kind is bool or item is None:
            out[str(key)] = item
        else:
            walk = _WALKS.get(kind)
            out[str(key)] = walk(item) if walk is not None else canonical(item)
    return out


def _canonical_list(value: Any) -> list[Any]:
    out = []
    for item in value:
        kind = type(item)
        if kind is str or kind is int or kind is bool or item is None:
            out.append(item)
        else:
            walk = _WALKS.get(kind)
            out.append(walk(item) if walk is not None else canonical(item))
    return out


_TAGS: dict[type, str] = {}  # tag_of per fact type

# canonical() per container or struct type; a struct's walk is generated once from its layout (below)
_WALKS: dict[type, Any] = {dict: _canonical_dict, list: _canonical_list, tuple: _canonical_list}

# One field of a generated walk: plain values inline, the rest through canonical(); a field at its default (or
# equal to what its default factory makes) is left out. ``{d}`` is the default's name in the walk's namespace.
_FIELD = """    x = v.{name}
    if {skip}:
        t = type(x)
        if t is str or t is int or t is bool or x is None:
            out[{key!r}] = x
        elif t is float:
            out[{key!r}] = int(x) if x.is_integer() else x
        else:
            w = walks.get(t)
            out[{key!r}] = w(x) if w is not None else canonical(x)
"""
# A field declared as one plain type (or it or None): the value it nearly always holds is tested for first and
# kept as it is; anything else (a whole float, a subclass, a value of another type) goes through canonical().
_PLAIN_FIELD = """    x = v.{name}
    if {skip}:
        out[{key!r}] = x if {test} else canonical(x)
"""
_TESTS = {
    str: "type(x) is str",
    int: "type(x) is int",
    bool: "type(x) is bool",
    float: "(type(x) is float and not x.is_integer())",
}


def _plain_test(declared: Any) -> str | None:
    """The inline test for a value of a field declared ``declared`` that canonical() would return unchanged."""
    if declared in _TESTS:
        return _TESTS[declared]
    origin, args = typing.get_origin(declared), typing.get_args(declared)
    if origin is typing.Literal and all(type(a) is str for a in args):
        return _TESTS[str]
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        (other,) = (a for a in args if a is not type(None))
        if other in _TESTS:
            return f"(x is None or {_TESTS[other]})"
    return None


def _walk_of(struct: type[msgspec.Struct]) -> Any:
    """canonical() for one struct type, as straight-line code over its fields (a generic loop over
    ``_layout`` costs several times more per field; the fields of a receipt-laden fact number in the hundreds)."""
    namespace: dict[str, Any] = {"canonical": canonical, "walks": _WALKS}
    lines = ["def walk(v):", "    out = {}"]
    for i, (name, encoded, default, factory, declared) in enumerate(_layout(struct)):
        if default is not _NO_DEFAULT:
            namespace[f"d{i}"] = default
            skip = f"not (x == d{i})"
        elif factory is not None:
            namespace[f"d{i}"] = factory()  # only compared with, never handed out
            skip = f"not (x == d{i})"
        else:
            skip = "True"
        test = _plain_test(declared)
        if test is not None:
            lines.append(_PLAIN_FIELD.format(name=name, skip=skip, key=encoded, test=test))
        else:
            lines.append(_FIELD.format(name=name, skip=skip, key=encoded))
    lines.append("    return out")
    exec("\n".join(lines), namespace)  # noqa: S102 - the source is built from a struct's own field names
    _WALKS[struct] = namespace["walk"]
    return namespace["walk"]


def link(previous: str, originator_id: UUID | str, version: int, fact: Fact) -> str:
    """The chain value of the event at ``version`` that records ``fact``."""
    kind = type(fact)
    tag = _TAGS.get(kind) or _TAGS.setdefault(kind, tag_of(fact))
    walk = _WALKS.get(kind)
    body = _ENCODER.encode(
        {
            "prev": previous,
            "id": str(originator_id),
            "v": version,
            "tag": tag,
            "fact": walk(fact) if walk is not None else canonical(fact),
        }
    )
    return hashlib.sha256(body).hexdigest()


def roll(head: str, position: int, originator_id: UUID | str, version: int, topic: str, state: bytes) -> str:
    """The ledger-wide head after the event stored at ``position``: it commits to every stored byte of every event
    up to there, in notification order. Chains are per aggregate and cannot see the removal of an aggregate's
    newest event or a rewrite of a whole aggregate; a head kept outside the ledger (the bus's witness, an anchor
    file) can."""
    digest = hashlib.sha256(head.encode())
    digest.update(f"|{position}|{originator_id}|{version}|{topic}|".encode())
    digest.update(state)
    return digest.hexdigest()


class Chained(Aggregate):
    """An aggregate whose events carry ``chain``. Subclasses define ``Started``/``Recorded`` as subclasses of
    ``Chained.Started``/``Chained.Recorded`` with their ``fact`` type, and a ``_when(fact)`` method."""

    class Started(Aggregate.Created):
        chain: str

        def apply(self, aggregate: Any) -> None:
            aggregate._chain = getattr(self, "chain", GENESIS)  # events recorded before chains have none

    class Recorded(Aggregate.Event):
        chain: str

        def apply(self, aggregate: Any) -> None:
            aggregate._chain = getattr(self, "chain", GENESIS)
            aggregate._when(fact_event(self).fact)

    _chain = GENESIS  # the last link (no annotation: eventsourcing would make it an __init__ field)

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        """The copy the repository hands out from its cache (so a failed command never changes the cached
        aggregate): dicts, lists and sets are copied all the way down, while facts (frozen structs) and other
        immutable values are shared. ``copy.deepcopy`` walked every fact and receipt too, and cost more than all
        the rest of the ledger's work per handler."""
        twin = object.__new__(type(self))
        twin.__dict__.update({key: _thaw(value, memo) for key, value in self.__dict__.items()})
        return twin

    @classmethod
    def _create(cls, event_class: Any, *, id: UUID | None = None, **kwargs: Any) -> Any:  # noqa: A002
        if id is not None and "fact" in kwargs:
            kwargs["chain"] = link(GENESIS, id, cls.INITIAL_VERSION, kwargs["fact"])
        return super()._create(event_class, id=id, **kwargs)

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        if "fact" in kwargs:
            kwargs["chain"] = link(self._chain, self.id, self.version + 1, kwargs["fact"])
        super().trigger_event(event_class, **kwargs)


_IMMUTABLE = (str, int, float, bool, bytes, type(None), UUID, datetime, frozenset)


def _thaw(value: Any, memo: dict[int, Any]) -> Any:
    """``value`` with its dicts, lists and sets copied; immutable things shared; anything else deep-copied."""
    kind = type(value)
    if kind is dict:
        return {key: _thaw(item, memo) for key, item in value.items()}
    if kind is list:
        return [_thaw(item, memo) for item in value]
    if kind is set:
        return set(value)  # members are hashable, hence immutable here
    if isinstance(value, _IMMUTABLE) or (isinstance(value, msgspec.Struct) and value.__struct_config__.frozen):
        return value
    if kind is tuple and all(isinstance(item, _IMMUTABLE) for item in value):
        return value
    return copy.deepcopy(value, memo)


class FactEvent(Protocol):
    """An event of a ``Chained`` aggregate: the one fact it records, for which aggregate, at which version, when."""

    @property
    def originator_id(self) -> UUID: ...
    @property
    def originator_version(self) -> int: ...
    @property
    def timestamp(self) -> datetime: ...
    @property
    def fact(self) -> AnyFact: ...


def fact_event(event: object) -> FactEvent:
    """``event`` as the ``Chained`` event it is. Every aggregate in the ledger is ``Chained`` and its ``Started`` and
    ``Recorded`` subclasses declare ``fact``, but eventsourcing's stores, mappers and ``collect_events`` type the
    events they return only as generic domain events."""
    if not isinstance(event, Chained.Started | Chained.Recorded):
        raise TypeError(f"{type(event).__qualname__} is not an event of a Chained aggregate")
    return cast(FactEvent, event)
