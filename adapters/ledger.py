"""The ledger: an eventsourcing Application over SQLite (default) or PostgreSQL, chosen by URL only."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple, TypeVar
from urllib.parse import unquote, urlparse
from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper, Notification, Transcoding
from eventsourcing.sqlite import SQLiteApplicationRecorder

from adapters import codec
from domain import facts as f
from domain.candidate import Candidate
from domain.chain import fact_event
from domain.run import Run

T = TypeVar("T")


class LedgerUnavailable(Exception):
    """The store named by the configuration cannot be opened."""


class _FactTranscoding(Transcoding):
    def __init__(self, struct: type[f.Fact]) -> None:
        self.type = struct
        self.name = f"assay.{f.tag_of(struct)}"
        self._decoder = msgspec.convert

    def encode(self, obj: Any) -> Any:
        return msgspec.to_builtins(obj)

    def decode(self, data: Any) -> Any:
        return self._decoder(data, self.type)


class AssayLedger(Application):
    """Holds Run and Candidate aggregates; every save is one atomic transaction."""

    name = "Assay"
    is_snapshotting_enabled = False

    def construct_mapper(self) -> Mapper[UUID]:
        """adapters.codec's mapper: Chained events in the JSONTranscoder's layout, written and read by msgspec."""
        return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=codec.AssayMapper)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        for struct in f.ALL_FACTS:
            transcoder.register(_FactTranscoding(struct))


# Aggregates are cached and fast-forwarded from the store on every get (so other processes' events are seen);
# a get returns a deep copy, so a failed save never leaves a half-changed aggregate in the cache.
_CACHE = {"AGGREGATE_CACHE_MAXSIZE": "2000", "AGGREGATE_CACHE_FASTFORWARD": "y", "DEEPCOPY_FROM_AGGREGATE_CACHE": "y"}


def store_env(store_url: str) -> dict[str, str]:
    """eventsourcing environment variables for a store URL."""
    url = urlparse(store_url)
    if url.scheme == "sqlite":
        path = Path(unquote(url.path))
        path.parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": "30",
            **_CACHE,
        }
    if url.scheme in ("postgresql", "postgres"):
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.path.lstrip("/") or "assay",
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_CONNECT_TIMEOUT": "5",
            **_CACHE,
        }
        return env
    raise LedgerUnavailable(f"ASSAY_STORE_URL: unsupported scheme {url.scheme!r} (use sqlite:/// or postgresql://)")


def creating_race(exc: BaseException) -> bool:
    """Whether ``exc`` is another process creating the same tables at the same moment, which passes: SQLite's
    "database is locked" while a file is set up, PostgreSQL's "tuple concurrently updated" or a duplicate catalog
    entry when several processes run ``CREATE TABLE IF NOT EXISTS`` on an empty database at once."""
    text = str(exc)
    return any(
        sign in text
        for sign in ("database is locked", "tuple concurrently updated", "pg_type_typname_nsp_index", "already exists")
    )


def open_ledger(store_url: str, wait_s: float = 30.0) -> AssayLedger:
    """Open (creating tables if needed) the ledger at ``store_url``, waiting out another process creating the
    same store (``while_creating``)."""
    env = store_env(store_url)

    def make() -> AssayLedger:
        app = AssayLedger(env=env)
        app.recorder.max_notification_id()
        return app

    return while_creating(make, f"the ledger at {store_url.split('@')[-1]}", wait_s)


def while_creating(make: Callable[[], T], what: str, wait_s: float = 30.0) -> T:
    """``make()``, tried again while another process is creating the same store and it refuses for a moment
    (``creating_race``: tables, SQLite's WAL switch) until ``wait_s`` has passed; any other failure is
    LedgerUnavailable naming ``what`` (a LedgerUnavailable from ``make`` passes as it is)."""
    deadline = time.monotonic() + wait_s
    delay = 0.05
    while True:
        try:
            return make()
        except LedgerUnavailable:
            raise
        except Exception as exc:
            if creating_race(exc) and time.monotonic() < deadline:
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            raise LedgerUnavailable(f"cannot open {what}: {type(exc).__name__}: {exc}") from None


def find(app: AssayLedger, aggregate_id: UUID) -> Any | None:
    """The aggregate with this id, or None when the ledger has none."""
    try:
        return app.repository.get(aggregate_id)
    except AggregateNotFoundError:
        return None


def change_and_save(app: AssayLedger, change: Callable[[], Aggregate], attempts: int, busy: Exception) -> None:
    """Save what ``change()`` returns (it loads the aggregate and applies a command). When a concurrent writer
    saved first, run ``change`` again on the new state, up to ``attempts`` times, then raise ``busy``."""
    for _ in range(attempts):
        try:
            app.save(change())
            return
        except IntegrityError:
            continue
    raise busy


def event_id(originator_id: UUID | str, version: int) -> str:
    return f"{originator_id}:{version}"


def envelopes(app: AssayLedger, after: int, limit: int = 500) -> list[f.Envelope]:
    """Recorded facts after global position ``after``, in order, as bus envelopes."""
    return [to_envelope(app, n) for n in rows(app, after, limit)]


def to_envelope(app: AssayLedger, notification: Any) -> f.Envelope:
    """One stored event as a bus envelope: decoded straight from its stored state by msgspec, or through the
    application's mapper when the state is outside adapters.codec's layout (TypeError if not a Chained event)."""
    state = _decoded(app, notification)
    if state is not None:
        version = notification.originator_version
        originator = _text_of(notification)
        stamp = state.timestamp.iso
        if not stamp.endswith("+00:00"):
            stamp = _iso(stamp)
        # positional: the field order of f.Envelope (event_id, originator_id, version, position, timestamp, fact)
        return f.Envelope(f"{originator}:{version}", originator, version, notification.id, stamp, state.fact.fact)
    event = fact_event(app.mapper.to_domain_event(notification))
    return f.Envelope(
        event_id=event_id(event.originator_id, event.originator_version),
        originator_id=str(event.originator_id),
        version=event.originator_version,
        position=notification.id,
        timestamp=event.timestamp.isoformat(),
        fact=event.fact,
    )


class _Wire(msgspec.Struct):
    """An Envelope as JSON, its fact spliced in as stored (same field names and order as f.Envelope)."""

    event_id: str
    originator_id: str
    version: int
    position: int
    timestamp: str
    fact: msgspec.Raw


_wire_encoder = msgspec.json.Encoder()


def wire(app: AssayLedger, notification: Any) -> tuple[type[f.Fact], str, bytes]:
    """One stored event as the bus carries it: (fact type, event id, Envelope JSON). The fact's JSON is taken
    as stored, without decoding it, when the state is in adapters.codec's layout; a consumer decodes the same
    Envelope either way (defaults fill fields an older fact lacks, unknown ones are ignored)."""
    if _plain(app) and codec.chained_class(notification.topic) is not None:
        try:
            state, fact_type = codec.decode_raw(notification.state)
        except codec.Unreadable:
            pass
        else:
            originator = _text_of(notification)
            ident = f"{originator}:{notification.originator_version}"
            body = _Wire(
                ident,
                originator,
                notification.originator_version,
                notification.id,
                _iso(state.timestamp.iso),
                state.fact.fact,
            )
            return fact_type, ident, _wire_encoder.encode(body)
    envelope = to_envelope(app, notification)
    return type(envelope.fact), envelope.event_id, _wire_encoder.encode(envelope)


def _text_of(stored_event: Any) -> str:
    """The originator id's canonical text: a Row (``rows``) already holds it."""
    if type(stored_event) is Row:
        return stored_event.originator_id
    return codec.uuid_text(stored_event.originator_id)


def _plain(app: AssayLedger) -> bool:
    """No cipher or compressor configured: stored states are the transcoder's JSON as is."""
    return app.mapper.cipher is None and app.mapper.compressor is None


def _iso(text: str) -> str:
    """A stored timestamp as ``datetime.isoformat`` writes it (which every stored one already is, in UTC)."""
    return text if text.endswith("+00:00") else datetime.fromisoformat(text).isoformat()


def stored(app: AssayLedger, after: int = 0, upto: int | None = None, batch: int = 1000) -> Iterator[Any]:
    """The stored events (notifications, as the store holds them) after position ``after``, through ``upto``,
    read ``batch`` at a time."""
    while notifications := app.recorder.select_notifications(
        start=after, limit=batch, stop=upto, inclusive_of_start=False
    ):
        yield from notifications
        after = notifications[-1].id
        if upto is not None and after >= upto:
            return


class Row(NamedTuple):
    """A stored event as read by ``rows``: a Notification's fields, the originator id as its canonical text."""

    id: int
    originator_id: str
    originator_version: int
    topic: str
    state: bytes


def rows(app: AssayLedger, after: int, limit: int) -> Sequence[Row] | Sequence[Notification]:
    """Up to ``limit`` stored events after position ``after``, in order. On SQLite straight from the table into
    tuples (eventsourcing builds a UUID and a dataclass per row, most of a read's cost); elsewhere its
    notifications. Either has what ``to_envelope``, ``wire`` and ``witness.roll_on`` read."""
    recorder = _quick(app.recorder)
    if recorder is None:
        return app.recorder.select_notifications(start=after, limit=limit, inclusive_of_start=False)
    statement = (
        f"SELECT rowid, originator_id, originator_version, topic, state FROM {recorder.events_table_name} "
        "WHERE rowid>? ORDER BY rowid LIMIT ?"
    )
    with recorder.datastore.transaction(commit=False) as c:
        c.sqlite_cursor.row_factory = None  # plain tuples: eventsourcing's sqlite3.Row per row is no use here
        c.execute(statement, (after, limit))
        return [Row(r[0], _dashed(r[1]), r[2], r[3], r[4]) for r in c.fetchall()]


def _dashed(stored_id: str) -> str:
    """A UUID stored as 32 hex digits (eventsourcing's SQLite form) in its canonical text, as ``str(UUID)``."""
    h = stored_id
    if len(h) == 32 and h.islower():
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return str(UUID(h))


def scan(app: AssayLedger, after: int = 0, batch: int = 1000) -> Iterator[Row | Notification]:
    """Every stored event after position ``after``, in order, read ``batch`` at a time by ``rows``."""
    while chunk := rows(app, after, batch):
        yield from chunk
        after = chunk[-1].id


def scan_raw(app: AssayLedger, after: int = 0, batch: int = 1000) -> Iterator[list[tuple[int, str, int, str, bytes]]]:
    """Every stored event after position ``after``, in order, in lists of up to ``batch``: each a plain tuple
    (position, originator id as stored, version, topic, state); ``originator_text`` makes the id what ``Row``
    holds (``Row(p, originator_text(i), v, t, s)`` is one). For a walk over the whole ledger: on SQLite the tuples
    come from the table untouched, the id as 32 hex digits (no object per row, and plain tuples of strings and
    numbers cost the cyclic collector nothing once it has seen them, where a ``Row`` or a Notification stays
    tracked); elsewhere the id is its text already."""
    recorder = app.recorder
    if not isinstance(recorder, SQLiteApplicationRecorder) or recorder.datastore.originator_id_type != "uuid":
        while chunk := rows(app, after, batch):
            yield [(n.id, _text_of(n), n.originator_version, n.topic, n.state) for n in chunk]
            after = chunk[-1].id
        return
    statement = (
        f"SELECT rowid, originator_id, originator_version, topic, state FROM {recorder.events_table_name} "
        "WHERE rowid>? ORDER BY rowid LIMIT ?"
    )
    while True:
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(statement, (after, batch))
            fetched: list[tuple[int, str, int, str, bytes]] = c.fetchall()
        if not fetched:
            return
        yield fetched
        after = fetched[-1][0]


def originator_text(stored_id: str) -> str:
    """An originator id as ``scan_raw`` gives it, as the canonical text ``Row`` holds."""
    return _dashed(stored_id)


def twin_reader(app: AssayLedger) -> Callable[[str, bytes], tuple[Any, type[f.Fact], str | None] | None]:
    """A function reading a stored event (topic, state) as ``fact_and_chain`` would, the fact as its twin
    (domain.chain.twin_link): (twin, fact type, chain). It returns None when that is not sure (a cipher or a
    compressor configured, a state outside adapters.codec's layout or the twin's reach): ``fact_and_chain`` then."""
    plain = _plain(app)

    def read(topic: str, state: bytes) -> tuple[Any, type[f.Fact], str | None] | None:
        if plain and codec.chained_class(topic) is not None:
            try:
                return codec.decode_twin(state)
            except Exception:  # Unreadable, or whatever else (nesting too deep...): fact_and_chain says what
                return None
        return None

    return read


def fact_and_chain(app: AssayLedger, notification: Any) -> tuple[f.Fact, str | None]:
    """A stored event's fact and hash chain (None for an event recorded before chains): decoded straight by
    msgspec when the state is in adapters.codec's layout, else through the application's mapper (whatever that
    raises when the bytes no longer decode; TypeError if it is not a Chained event)."""
    state = _decoded(app, notification)
    if state is not None:
        return state.fact.fact, (None if state.chain is msgspec.UNSET else state.chain)
    event = fact_event(app.mapper.to_domain_event(notification))
    return event.fact, getattr(event, "chain", None)


def _decoded(app: AssayLedger, notification: Any) -> Any:
    """The stored state decoded by msgspec in adapters.codec's layout, or None when it is not in that layout (a
    cipher or compressor, another event class, values only the generic transcoder reads): the mapper's then."""
    if _plain(app) and codec.chained_class(notification.topic) is not None:
        try:
            return codec.decode_state(notification.state)
        except codec.Unreadable:
            return None
    return None


def iter_envelopes(app: AssayLedger, after: int = 0, batch: int = 1000) -> Iterator[f.Envelope]:
    """Every recorded fact after position ``after``, in order, as bus envelopes (what ``to_envelope`` makes), read
    ``batch`` at a time.

    On SQLite with no cipher or compressor (what a rebuild reads), straight from the table's rows: the checks per
    stored event made once per topic, and each originator id's text once per scan (an aggregate records several
    events). Any other row, and any other store, goes through ``to_envelope``. Each envelope is made as it is
    asked for: a consumer that drops it before the next one keeps the memory it touches small."""
    recorder = _quick(app.recorder)
    if recorder is None or not _plain(app):
        while chunk := rows(app, after, batch):
            yield from (to_envelope(app, n) for n in chunk)
            after = chunk[-1].id
        return
    statement = (
        f"SELECT rowid, originator_id, originator_version, topic, state FROM {recorder.events_table_name} "
        "WHERE rowid>? ORDER BY rowid LIMIT ?"
    )
    texts: dict[str, str] = {}  # stored id -> canonical text
    chained: dict[str, bool] = {}  # topic -> whether codec's layout may hold it
    decode, envelope, unreadable = codec.decode_state, f.Envelope, codec.Unreadable
    while True:
        with recorder.datastore.transaction(commit=False) as c:
            c.sqlite_cursor.row_factory = None  # plain tuples, as in rows
            c.execute(statement, (after, batch))
            found = c.fetchall()
        if not found:
            return
        if len(texts) > _TEXTS_KEPT:
            texts.clear()
        for position, stored_id, version, topic, state in found:
            originator = texts.get(stored_id)
            if originator is None:
                originator = texts[stored_id] = _dashed(stored_id)
            quick = chained.get(topic)
            if quick is None:
                quick = chained[topic] = codec.chained_class(topic) is not None
            try:
                if not quick:
                    raise unreadable(topic)
                decoded = decode(state)
            except unreadable:
                yield to_envelope(app, Row(position, originator, version, topic, state))
                continue
            stamp = decoded.timestamp.iso
            if not stamp.endswith("+00:00"):
                stamp = _iso(stamp)
            # positional: the field order of f.Envelope, as in to_envelope
            yield envelope(f"{originator}:{version}", originator, version, position, stamp, decoded.fact.fact)
        after = found[-1][0]


_TEXTS_KEPT = 50_000  # originator ids one scan remembers: an aggregate's events lie close together


def _quick(recorder: Any) -> SQLiteApplicationRecorder | None:
    """The recorder when ``rows`` reads its table directly (SQLite, UUID originator ids), else None."""
    if isinstance(recorder, SQLiteApplicationRecorder) and recorder.datastore.originator_id_type == "uuid":
        return recorder
    return None


__all__ = ["AssayLedger", "Candidate", "Run", "open_ledger", "envelopes", "iter_envelopes", "event_id"]
