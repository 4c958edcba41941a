"""Hash chains: every recorded event commits to its predecessor in the same aggregate.

``link = sha256(previous link, aggregate id, version, fact tag, fact)`` over a canonical encoding (sorted
keys). Altering any recorded fact, or removing or reordering an event, breaks the chain at that event;
``app.audit`` walks the whole ledger and names the first broken link of each aggregate.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import math
import types
import typing
from datetime import datetime
from typing import Any, Protocol, cast
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate

from domain.facts import ALL_FACTS, AnyFact, Fact, tag_of

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


# --- Links straight from a fact's stored JSON -------------------------------------------------------------------
#
# link() walks a decoded fact in Python (canonical()): most of what verify spends on a big ledger. A fact type's
# *twin* is a generated msgspec Struct with the same fields, encoded names, types and tag, so its decoder accepts
# exactly the JSON the fact type's does and reads the same values; it differs in what lets msgspec write canonical()'s
# form itself:
# - its fields are declared in sorted order and it has ``omit_defaults``: encoded with order="deterministic" (dict
#   keys sorted, fields in declared order), it is canonical()'s sorted dict, less the fields that hold their default
#   object itself (identity; for a list or dict default, any empty one). Every twin default is an object the decoder
#   returns for every value equal to it (None, True, False, a small int, "", a Literal's own member, an empty list or
#   dict), so "is" means the "==" canonical() compares with;
# - whole floats become ints as canonical() makes them: in float fields by generated code (``_fix_lines``) that
#   ``twin_link`` runs first (a float field's default 0.0 is the int 0 in the twin, the object int() returns for
#   it), in ``dict[str, Any]`` fields as they are decoded (``twin_float``, the decoder's float_hook).
# A fact type with anything else (another default, a field type ``_fix_lines`` does not know) has no twin, and
# verify takes the reference path for it; ``twin_link`` equals ``link`` on every fact a twin decodes
# (tests/unit/test_twins.py).


class _Unmirrored(Exception):
    """A fact type a twin cannot mirror exactly."""


_SMALL_INTS = range(-5, 257)  # CPython's preallocated ints: every equal int anything returns is this one object


def twin_float(text: str) -> Any:
    """msgspec's ``float_hook`` for twins: a float in a ``dict[str, Any]`` field, as canonical() writes it. Python's
    float() and msgspec both round a decimal text to the nearest double, so they read the same value; a text too
    long to be sure of, or one msgspec refuses (beyond the largest double), fails the decode instead."""
    if len(text) > 40:
        raise ValueError("a float too long for a twin")
    x = float(text)
    if x.is_integer():
        return int(x)
    if x != x or x in (math.inf, -math.inf):
        raise ValueError("a float out of range")
    return x


def _fix_lines(declared: Any, var: str, assign: str | None, depth: int) -> list[str]:
    """Statements making the decoded value in ``var``, of type ``declared``, what canonical() makes of it: a whole
    float becomes an int (``assign`` formats the statement that stores one where the value came from); a struct is
    fixed field by field in place. Empty when the decoded value already is canonical() (a ``dict[str, Any]``:
    ``twin_float`` made its floats so as they were decoded)."""
    if declared in (str, int, bool, type(None)):
        return []
    if declared is float:
        if assign is None:
            raise _Unmirrored("a float where it cannot be replaced")
        return [f"if type({var}) is float and {var}.is_integer():", f"    {assign.format(f'int({var})')}"]
    origin, args = typing.get_origin(declared), typing.get_args(declared)
    if origin is typing.Literal and all(type(a) is str for a in args):
        return []
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        (other,) = (a for a in args if a is not type(None))
        inner = _fix_lines(other, var, assign, depth)
        if not inner or other is float:  # type(x) is float already leaves None out
            return inner
        return [f"if {var} is not None:", *(f"    {line}" for line in inner)]
    item, key = f"i{depth}", f"k{depth}"
    if origin is list and len(args) == 1:
        inner = _fix_lines(args[0], item, f"{var}[{key}] = {{}}", depth + 1)
        if not inner:
            return []
        if isinstance(args[0], type) and issubclass(args[0], msgspec.Struct):  # fixed in place
            return [f"for {item} in {var}:", *(f"    {line}" for line in inner)]
        return [f"for {key}, {item} in enumerate({var}):", *(f"    {line}" for line in inner)]
    if origin is dict and len(args) == 2 and args[0] is str:
        if args[1] is Any:
            return []
        inner = _fix_lines(args[1], item, f"{var}[{key}] = {{}}", depth + 1)
        return [f"for {key}, {item} in {var}.items():", *(f"    {line}" for line in inner)] if inner else []
    if isinstance(declared, type) and issubclass(declared, msgspec.Struct):
        lines = []
        for name, _, _, _, kind in _layout(declared):
            value = f"x{depth}"
            inner = _fix_lines(kind, value, f"{var}.{name} = {{}}", depth + 1)
            if inner:
                lines += [f"{value} = {var}.{name}", *inner]
        return lines
    raise _Unmirrored(f"field type {declared!r}")


def _twin_type(declared: Any) -> Any:
    """The twin's type for a field declared ``declared``: the same, with each struct type its twin."""
    if isinstance(declared, type) and issubclass(declared, msgspec.Struct):
        return _twin_and_fixer(declared)[0]
    origin, args = typing.get_origin(declared), typing.get_args(declared)
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        (other,) = (a for a in args if a is not type(None))
        return _twin_type(other) | None
    if origin is list or origin is dict:
        return types.GenericAlias(origin, tuple(_twin_type(a) for a in args))
    return declared


def _twin_default(declared: Any, default: Any) -> Any:
    """The twin's default for a field's default: an object the decoder returns for every value equal to it."""
    if default is None or type(default) is bool:
        return default
    if type(default) is int and default in _SMALL_INTS:
        return default
    if type(default) is float and default.is_integer() and int(default) in _SMALL_INTS and declared is float:
        return int(default)  # what _whole makes of every float equal to it, and int() returns the preallocated int
    if type(default) is str:
        if default == "":
            return ""  # msgspec, like CPython, returns the one empty string
        if typing.get_origin(declared) is typing.Literal:
            for member in typing.get_args(declared):
                if member == default:
                    return member  # msgspec returns a Literal's own member
    raise _Unmirrored(f"default {default!r} of {declared!r}")


@functools.cache
def _twin_and_fixer(struct: type[msgspec.Struct]) -> tuple[type[msgspec.Struct], Any]:
    """A struct type's twin, and the function making a decoded twin's values canonical() in place (None when
    there is nothing to make)."""
    config = struct.__struct_config__
    if config.array_like or config.forbid_unknown_fields or config.tag_field not in (None, "type"):
        raise _Unmirrored(f"{struct.__qualname__}: its struct options")
    fields: list[tuple[str, Any, Any]] = []
    for name, encoded, default, factory, declared in sorted(_layout(struct), key=lambda f: f[1]):
        if not encoded.isascii() or encoded == "type":
            raise _Unmirrored(f"{struct.__qualname__}.{name}: its name")
        if factory is not None:
            if factory not in (list, dict):
                raise _Unmirrored(f"{struct.__qualname__}.{name}: default factory {factory!r}")
            spec = msgspec.field(name=encoded, default_factory=factory)
        elif default is not _NO_DEFAULT:
            spec = msgspec.field(name=encoded, default=_twin_default(declared, default))
        else:
            spec = msgspec.field(name=encoded)
        fields.append((name, _twin_type(declared), spec))
    twin = msgspec.defstruct(
        f"Twin{struct.__name__}",
        fields,
        kw_only=True,  # a required field may follow a defaulted one in sorted order
        omit_defaults=True,
        gc=False,
        tag=config.tag if config.tag is not None else None,
        tag_field=config.tag_field if config.tag is not None else None,
    )
    lines = _fix_lines(struct, "v", None, 0)
    fixer = None
    if lines:
        namespace: dict[str, Any] = {}
        exec("\n".join(["def fix(v):", *(f"    {line}" for line in lines)]), namespace)  # noqa: S102 - field names
        fixer = namespace["fix"]
    if config.tag is not None:
        # what twin_link needs, on the class itself: whichever twin types a decoder was built with, they know it
        head = b'{"type":' + msgspec.json.encode(config.tag)
        twin._twin = (struct, head, fixer, str(config.tag))  # type: ignore[attr-defined]
    return twin, fixer


@functools.cache
def twins() -> dict[type, tuple[type[Fact], bytes, Any]]:
    """Per twin of a fact type (every fact type that has one): that fact type, the twin's JSON up to its tag, and
    its fixer (or None)."""
    out: dict[type, tuple[type[Fact], bytes, Any]] = {}
    for fact_type in ALL_FACTS:
        try:
            twin, _ = _twin_and_fixer(fact_type)
        except _Unmirrored:
            continue
        out[twin] = twin._twin[:3]  # type: ignore[attr-defined]
    return out


def twin_fact_type(twin: Any) -> type[Fact]:
    """The fact type of which ``twin`` is the twin."""
    return type(twin)._twin[0]


_TWIN_ENCODER = msgspec.json.Encoder(order="deterministic")  # dict keys sorted, struct fields in declared order


class _Body(msgspec.Struct, gc=False):
    """What link() hashes, its fields in sorted order, the fact as its twin."""

    fact: Any
    id: str
    prev: str
    tag: str
    v: int


_AT = len(b'{"fact":{')  # where the twin's tag starts in an encoded _Body


def twin_link(previous: str, originator_id: UUID | str, version: int, twin: Any) -> str:
    """``link(previous, originator_id, version, fact)`` for the fact whose stored JSON decoded to ``twin`` (a type
    of ``twins()``), computed by msgspec. Makes ``twin``'s values canonical() in place (again: a no-op)."""
    _, head, fixer, tag = type(twin)._twin
    if fixer is not None:
        fixer(twin)
    body = _TWIN_ENCODER.encode(_Body(twin, str(originator_id), previous, tag, version))
    # The twin writes its tag first ('{"fact":{"type":"Tag",...}'); canonical() has none: cut it and its comma.
    end = _AT + len(head) - 1
    return hashlib.sha256(body[:_AT] + body[end + 1 if body[end] == 44 else end :]).hexdigest()  # 44: ","


def roll(head: str, position: int, originator_id: UUID | str, version: int, topic: str, state: bytes) -> str:
    """The ledger-wide head after the event stored at ``position``: it commits to every stored byte of every event
    up to there, in notification order. Chains are per aggregate and cannot see the removal of an aggregate's
    newest event or a rewrite of a whole aggregate; a head kept outside the ledger (the bus's witness, an anchor
    file) can."""
    digest = hashlib.sha256(f"{head}|{position}|{originator_id}|{version}|{topic}|".encode())
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
