"""The ledger's codec: Chained events to and from their stored bytes with msgspec, in eventsourcing's own format.

eventsourcing's ``JSONTranscoder`` stores a Chained event's state as

    {"timestamp":{"_type_":"datetime_iso","_data_":ISO}[,"originator_topic":TOPIC],"chain":HEX,
     "fact":{"_type_":"assay.<Tag>","_data_":{"type":"<Tag>",...}}}

walking every value in Python twice (``to_builtins``, then ``json`` with a hook per boxed object). This codec
writes and reads the same layout in one msgspec call, so ledgers written before it load unchanged and ledgers
written with it load with the plain transcoder too. Its bytes differ from the old ones only in how an exponent is
spelled (``1e-05`` vs ``1e-5``): both read back as the same float. Anything outside that layout (a cipher or
compressor configured, another event class, an unknown key, NaN or infinity, which JSON spells only in Python's
dialect) goes through eventsourcing's generic path, as before.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from datetime import datetime
from functools import cache
from typing import Any, Union, cast
from uuid import UUID

import msgspec
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, find_id_convertor
from eventsourcing.utils import get_topic, resolve_topic

from domain import chain
from domain import facts as f
from domain.chain import Chained

_STAMP = "datetime_iso"  # eventsourcing's DatetimeAsISO transcoding
_PREFIX = "assay."  # adapters.ledger registers each fact type's transcoding as "assay.<Tag>"
_ENCODER = msgspec.json.Encoder()
_OWN = frozenset(("originator_id", "originator_version"))  # kept in the stored event's columns, not its state


# The decoded layout. gc=False: these are short-lived and hold no cycles; untracked, they spare the cyclic
# collector a pass every few hundred rows read (about 10% of a decode).
class _Stamp(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    kind: str = msgspec.field(name="_type_")
    iso: str = msgspec.field(name="_data_")


class _Boxed(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    kind: str = msgspec.field(name="_type_")
    fact: f.AnyFact = msgspec.field(name="_data_")


class _RawBoxed(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    kind: str = msgspec.field(name="_type_")
    fact: msgspec.Raw = msgspec.field(name="_data_")


class _State(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A stored Chained event's state (older events may lack ``chain``)."""

    timestamp: _Stamp
    fact: _Boxed
    chain: str | msgspec.UnsetType = msgspec.UNSET
    originator_topic: str | msgspec.UnsetType = msgspec.UNSET


class _RawState(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """The same, with the fact left as its stored JSON text."""

    timestamp: _Stamp
    fact: _RawBoxed
    chain: str | msgspec.UnsetType = msgspec.UNSET
    originator_topic: str | msgspec.UnsetType = msgspec.UNSET


_STATE = msgspec.json.Decoder(_State)
_RAW_STATE = msgspec.json.Decoder(_RawState)
_NAMES: dict[type, str] = {t: _PREFIX + f.tag_of(t) for t in f.ALL_FACTS}
_TAGS = {name: cast(type[f.Fact], t) for t, name in _NAMES.items()}


class Unreadable(Exception):
    """The stored state is outside the layout this codec reads: use eventsourcing's generic path."""


@cache
def chained_class(topic: str) -> type | None:
    """The event class a stored topic names, when it is an event of a Chained aggregate (else None)."""
    try:
        cls = resolve_topic(topic)
    except Exception:  # a topic of a class that is gone: the generic path raises its own error
        return None
    if isinstance(cls, type) and issubclass(cls, Chained.Started | Chained.Recorded):
        if getattr(cls, "class_version", 1) == 1:  # upcasting is the generic mapper's job
            return cls
    return None


def encode_state(event: object) -> bytes | None:
    """A Chained event's stored state, or None when the event holds anything outside the layout."""
    out: dict[str, Any] = {}
    fact: Any = None
    for key, value in vars(event).items():
        if key in _OWN:
            continue
        kind = type(value)
        if kind is str or value is None or kind is int or kind is bool:
            out[key] = value
        elif kind is datetime:
            out[key] = {"_type_": _STAMP, "_data_": value.isoformat()}
        elif kind in _NAMES:
            out[key] = {"_type_": _NAMES[kind], "_data_": value}
            fact = value
        else:
            return None
    try:
        state = _ENCODER.encode(out)
    except (TypeError, ValueError, OverflowError):  # a value msgspec cannot write: the generic path decides
        return None
    if b"null" in state and fact is not None and _non_finite(fact):
        return None  # msgspec writes NaN and infinity as null: the generic path keeps Python's spelling
    return state


# In MessagePack a float is 0xcb and its 8 IEEE bytes, so NaN and infinity (exponent all ones) start with these
# three bytes; they cannot occur in UTF-8 text, only, rarely, inside another number (then the generic path runs).
_NON_FINITE = re.compile(rb"\xcb[\x7f\xff][\xf0-\xff]")
_PACKER = msgspec.msgpack.Encoder()


def _non_finite(fact: Any) -> bool:
    """Whether ``fact`` may hold a NaN or an infinity (never a false no)."""
    try:
        packed = _PACKER.encode(fact)
    except (TypeError, ValueError, OverflowError):  # an integer beyond 64 bits: let the generic path write it
        return True
    return _NON_FINITE.search(packed) is not None


def decode_state(state: bytes) -> _State:
    """A stored Chained state, checked against the layout; Unreadable when it is not one."""
    try:
        decoded = _STATE.decode(state)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise Unreadable(str(exc)) from None
    if decoded.timestamp.kind != _STAMP or decoded.fact.kind != _NAMES.get(type(decoded.fact.fact)):
        raise Unreadable("unexpected transcoding names")
    return decoded


def decode_raw(state: bytes) -> tuple[_RawState, type[f.Fact]]:
    """A stored Chained state with its fact left as stored JSON, and the fact's type; Unreadable when the layout
    differs or the fact holds tokens only Python's JSON reads (NaN, Infinity: msgspec refuses them even in Raw)."""
    try:
        decoded = _RAW_STATE.decode(state)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise Unreadable(str(exc)) from None
    fact_type = _TAGS.get(decoded.fact.kind)
    if decoded.timestamp.kind != _STAMP or fact_type is None:
        raise Unreadable("unexpected transcoding names")
    return decoded, fact_type


@cache
def _twin_state() -> msgspec.json.Decoder[Any]:
    """_State's decoder with each fact read as its twin (built on first use: the twins take a while to make)."""
    boxed = msgspec.defstruct(
        "_TwinBoxed",
        [
            ("kind", str, msgspec.field(name="_type_")),
            ("fact", Union[tuple(chain.twins())], msgspec.field(name="_data_")),  # noqa: UP007 - built at run time
        ],
        forbid_unknown_fields=True,
        gc=False,
    )
    state = msgspec.defstruct(
        "_TwinState",
        [
            ("timestamp", _Stamp),
            ("fact", boxed),
            ("chain", str | msgspec.UnsetType, msgspec.UNSET),
            ("originator_topic", str | msgspec.UnsetType, msgspec.UNSET),
        ],
        forbid_unknown_fields=True,
        gc=False,
    )
    return msgspec.json.Decoder(state, float_hook=chain.twin_float)


def decode_twin(state: bytes) -> tuple[Any, type[f.Fact], str | None]:
    """A stored Chained state's fact as its twin (domain.chain.twin_link takes it), the fact's type and the chain
    (None when the event has none). Unreadable when ``decode_state`` would not read it the same way: the layout
    differs, or the fact holds what its twin does not mirror exactly; decode_state may still read it then."""
    try:
        decoded: Any = _twin_state().decode(state)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise Unreadable(str(exc)) from None
    fact_type = chain.twin_fact_type(decoded.fact.fact)
    if decoded.timestamp.kind != _STAMP or decoded.fact.kind != _NAMES[fact_type]:
        raise Unreadable("unexpected transcoding names")
    return decoded.fact.fact, fact_type, (None if decoded.chain is msgspec.UNSET else decoded.chain)


class AssayMapper(Mapper[UUID]):
    """eventsourcing's Mapper, with Chained events written and read by msgspec (see the module docstring)."""

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        if (
            self.cipher is None
            and self.compressor is None
            and isinstance(domain_event, Chained.Started | Chained.Recorded)
        ):
            cls = type(domain_event)
            if getattr(cls, "class_version", 1) == 1:
                state = encode_state(domain_event)
                if state is not None:
                    return StoredEvent(
                        originator_id=domain_event.originator_id,
                        originator_version=domain_event.originator_version,
                        topic=get_topic(cls),
                        state=state,
                    )
        return super().to_stored_event(domain_event)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        cls = chained_class(stored_event.topic) if self.cipher is None and self.compressor is None else None
        if cls is None:
            return super().to_domain_event(stored_event)
        try:
            decoded = decode_state(stored_event.state)
            when = datetime.fromisoformat(decoded.timestamp.iso)
        except (Unreadable, ValueError):
            return super().to_domain_event(stored_event)
        state: dict[str, Any] = {"timestamp": when}
        if decoded.originator_topic is not msgspec.UNSET:
            state["originator_topic"] = decoded.originator_topic
        if decoded.chain is not msgspec.UNSET:
            state["chain"] = decoded.chain
        state["fact"] = decoded.fact.fact
        convert = find_id_convertor(cls, cast(Hashable, type(stored_event.originator_id)))
        state["originator_id"] = convert(stored_event.originator_id)
        state["originator_version"] = stored_event.originator_version
        event: Any = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return cast(DomainEventProtocol[UUID], event)


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def uuid_text(originator_id: UUID | str) -> str:
    """An originator id as Envelope text (a UUID's canonical form)."""
    if isinstance(originator_id, UUID):
        return str(originator_id)
    return originator_id if _CANONICAL_UUID.fullmatch(originator_id) else str(UUID(originator_id))
