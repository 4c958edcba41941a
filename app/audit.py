"""`assay verify`: walk the whole ledger and name every event that was altered or removed.

Three checks, each naming the event it concerns:
- every stored event decodes, and its ``chain`` equals the link computed from its predecessor's chain and
  its own fact (domain.chain): an altered fact breaks the chain exactly there;
- each aggregate's versions run 1, 2, 3, ... with no hole: a removed event leaves one;
- a run's record of a settled candidate matches that candidate's own terminal event, which catches the
  removal of a candidate's last event (the one removal a chain alone cannot see).
On SQLite, a hole in the notification positions also shows where a row was deleted. Once one event carries a
chain, every later one must: an event without one after that point had its chain stripped.

Heads kept outside the ledger catch what chains cannot (an aggregate's newest event removed, an aggregate
rewritten with all its links): the ledger-wide rolling head (domain.chain.roll) is recomputed and compared
with every head the bus witnessed (adapters.witness) and with an anchor file (``anchor``), and the relay's
own record of how far it published must not lie beyond the ledger's end.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec

from adapters.ledger import AssayLedger, Row, fact_and_chain, originator_text, scan, scan_raw, twin_reader
from adapters.witness import roll_on
from domain import facts as f
from domain.chain import GENESIS, link, roll, twin_link


@dataclass(frozen=True)
class Problem:
    """One broken thing, located: the aggregate, the event version and the ledger position where known."""

    kind: str  # "altered" | "removed" | "undecodable" | "inconsistent"
    aggregate: str
    version: int | None
    position: int | None
    message: str


@dataclass
class Report:
    events: int = 0
    aggregates: int = 0
    unchained: int = 0  # events recorded before hash chains existed: decoded, not verifiable
    problems: list[Problem] = field(default_factory=list)
    position: int = 0  # the last ledger position walked
    head: str = GENESIS  # the rolling head there
    witnessed: int = 0  # witnessed heads compared
    anchored: int = 0  # anchored aggregate heads compared

    @property
    def ok(self) -> bool:
        return not self.problems


_QUEUED, _REJECTED = 1, 2  # a candidate's recorded outcomes, as bits of _Walk.outcomes


class _Walk(msgspec.Struct, gc=False):
    """One aggregate as the walk has seen it so far. It is never in a reference cycle, so it is left out of the
    cyclic collector, whose passes over thousands of tracked walks (and rows) took a tenth of a big ledger's verify."""

    version: int = 0
    chain: str = GENESIS
    kind: str = "?"
    # Only what the settlement check needs, not every fact (that held the whole ledger in memory):
    settled: list[tuple[str, str]] | None = None  # a run's settlements: (candidate id, outcome)
    outcomes: int = 0  # a candidate's Queued / Rejected, when recorded (_QUEUED, _REJECTED)

    def settle(self, candidate_id: str, outcome: str) -> None:
        if self.settled is None:
            self.settled = []
        self.settled.append((candidate_id, outcome))


_KINDS: dict[str, str] = {}  # _kind per topic


def _kind(topic: str) -> str:
    kind = _KINDS[topic] = topic.split(":")[-1].split(".")[0].lower()  # "domain.candidate:Candidate.Recorded"
    return kind


@dataclass(frozen=True)
class Anchor:
    """Heads a user keeps outside the ledger: the rolling head at a position, and each aggregate's newest link."""

    position: int
    head: str
    aggregates: dict[str, tuple[int, str]]  # aggregate id -> (version, chain)
    created: str = ""


def _link_of(chain: str | None, state: bytes) -> str:
    return chain if chain is not None else "sha256:" + hashlib.sha256(state).hexdigest()


def verify(
    app: AssayLedger,
    batch: int = 1000,
    *,
    positions_are_dense: bool = False,
    witnessed: Sequence[tuple[int, str]] = (),
    anchor: Anchor | None = None,
    relayed_to: int = 0,
) -> Report:
    """Check every event in the ledger; ``positions_are_dense`` (SQLite) also reports holes in positions.
    ``witnessed`` heads (the bus's), an ``anchor`` and ``relayed_to`` (how far the relay says it published) are
    compared with the heads recomputed from the ledger."""
    report = Report()
    walks: dict[str, _Walk] = {}  # by the aggregate id's canonical text
    last_position = 0
    heads = dict(witnessed)
    if anchor is not None:
        heads.setdefault(anchor.position, anchor.head)
    anchored = dict(anchor.aggregates) if anchor is not None else {}
    chained_since: int | None = None  # the first position whose event carries a chain
    matched = 0  # the last position whose witnessed or anchored head matched
    events, head, position = 0, report.head, 0
    read_twin = twin_reader(app)
    texts: dict[str, str] = {}  # stored originator id -> its text, made once per aggregate
    for chunk in scan_raw(app, batch=batch):
        events += len(chunk)
        for position, stored_id, version, topic, state in chunk:
            where = texts.get(stored_id)
            if where is None:
                where = texts[stored_id] = originator_text(stored_id)
            head = roll(head, position, where, version, topic, state)
            if position in heads:
                report.witnessed += 1
                if heads.pop(position) != head:
                    report.problems.append(_head_problem(position, matched))
                else:
                    matched = position
            walk = walks.get(where)
            if walk is None:
                walk = walks[where] = _Walk()
            walk.kind = _KINDS.get(topic) or _kind(topic)
            if position != last_position + 1 and positions_are_dense:
                gone = f"{last_position + 1}" + (f"-{position - 1}" if position - 1 > last_position + 1 else "")
                report.problems.append(
                    Problem(
                        "removed",
                        "?",
                        None,
                        last_position + 1,
                        f"ledger position {gone}: the event stored there was removed",
                    )
                )
            last_position = position
            if version != walk.version + 1:
                missing = ", ".join(str(v) for v in range(walk.version + 1, version)) or "?"
                report.problems.append(
                    Problem(
                        "removed",
                        where,
                        version,
                        position,
                        f"{walk.kind} {where}: event version {missing} is missing before version {version}",
                    )
                )
            walk.version = version
            # The common case at msgspec's speed: the fact read as its twin, its chain what twin_link computes,
            # which is link()'s (domain.chain). Anything else, a broken link included, takes the reference path
            # (_check), which reads and reports it exactly as before.
            twin = read_twin(topic, state)
            chain = None
            if twin is not None:
                fact, fact_type, chain = twin
            if chain is not None:
                try:
                    linked = walk.chain == "?" or chain == twin_link(walk.chain, where, version, fact)
                except Exception:  # link() fails on it too (a whole float beyond 64 bits): _check says how
                    linked = False
                if linked:
                    if fact_type is f.CandidateSettled:
                        walk.settle(fact.candidate_id, fact.outcome)
                    elif fact_type is f.Queued:
                        walk.outcomes |= _QUEUED
                    elif fact_type is f.Rejected:
                        walk.outcomes |= _REJECTED
                    if anchored:
                        _check_anchored(report, anchored, walk, Row(position, where, version, topic, state), chain)
                    if chained_since is None:
                        chained_since = position
                    walk.chain = chain
                    continue
            n = Row(position, where, version, topic, state)
            chained_since = _check(app, report, anchored, walk, n, chained_since)
    report.events, report.head, report.position = events, head, position
    report.aggregates = len(walks)
    report.problems += _settlements(walks)
    for position in sorted(heads):  # witnessed or anchored beyond the ledger's end (or at a removed position)
        report.problems.append(_beyond(position, report.position, "the bus witnessed it"))
    if relayed_to > report.position:
        report.problems.append(_beyond(relayed_to, report.position, "the relay published it"))
    for where, (version, _) in sorted(anchored.items()):
        report.problems.append(
            Problem(
                "removed", where, version, None, f"aggregate {where}: its v{version} in the anchor is not in the ledger"
            )
        )
    return report


def _check(
    app: AssayLedger,
    report: Report,
    anchored: dict[str, tuple[int, str]],
    walk: _Walk,
    n: Any,
    chained_since: int | None,
) -> int | None:
    """The reference check of one stored event's fact and chain (after its version): decoded by fact_and_chain,
    linked by link(). Returns the first chained position, as it now is."""
    try:
        fact, chain = fact_and_chain(app, n)
    except Exception as exc:  # tampered bytes that no longer decode
        report.problems.append(_at("undecodable", walk, n, f") cannot be read: {type(exc).__name__}: {str(exc)[:120]}"))
        walk.chain = "?"
        return chained_since
    if isinstance(fact, f.CandidateSettled):
        walk.settle(fact.candidate_id, fact.outcome)
    elif isinstance(fact, f.Queued | f.Rejected):
        walk.outcomes |= _QUEUED if isinstance(fact, f.Queued) else _REJECTED
    if anchored:
        _check_anchored(report, anchored, walk, n, chain)
    if chain is None and chained_since is not None:
        report.problems.append(
            _at(
                "altered",
                walk,
                n,
                f", {f.tag_of(fact)}) has no hash chain, though the ledger's events carry one from position "
                f"{chained_since}: its chain was stripped",
            )
        )
        walk.chain = "?"
        return chained_since
    if chain is None:
        report.unchained += 1
        return chained_since
    if chained_since is None:
        chained_since = n.id
    if walk.chain != "?" and chain != link(walk.chain, n.originator_id, n.originator_version, fact):
        report.problems.append(
            _at(
                "altered",
                walk,
                n,
                f", {f.tag_of(fact)}) does not match its hash chain: this event or the one before it was altered",
            )
        )
    walk.chain = chain
    return chained_since


def _check_anchored(
    report: Report, anchored: dict[str, tuple[int, str]], walk: _Walk, n: Any, chain: str | None
) -> None:
    """An aggregate's newest link in the anchor, compared at its version."""
    where = str(n.originator_id)
    kept = anchored.get(where)
    if kept is not None and kept[0] == n.originator_version:
        report.anchored += 1
        del anchored[where]
        if kept[1] != _link_of(chain, n.state):
            report.problems.append(_at("altered", walk, n, ") differs from the anchor: the aggregate was rewritten"))


def _at(kind: str, walk: _Walk, n: Any, rest: str) -> Problem:
    """A problem with the stored event ``n``: ``rest`` goes on from "<kind> <id> v<version> (position <p>"."""
    where = str(n.originator_id)
    return Problem(
        kind, where, n.originator_version, n.id, f"{walk.kind} {where} v{n.originator_version} (position {n.id}{rest}"
    )


def _head_problem(position: int, matched: int) -> Problem:
    since = f"after position {matched}, the last that matched, " if matched else ""
    return Problem(
        "altered",
        "ledger",
        None,
        position,
        f"the ledger up to position {position} does not match the head witnessed there: an event {since}at or "
        "before it was altered, removed or rewritten",
    )


def _beyond(position: int, end: int, who: str) -> Problem:
    where = f"the ledger now ends at position {end}" if position > end else "no event is stored there now"
    return Problem(
        "removed",
        "ledger",
        None,
        position,
        f"ledger position {position} is missing ({who}; {where}): recorded events were removed",
    )


def anchor(app: AssayLedger, batch: int = 1000) -> Anchor:
    """The heads to keep elsewhere: the rolling head at the ledger's end and each aggregate's newest link."""
    head, position = GENESIS, 0
    aggregates: dict[str, tuple[int, str]] = {}
    for n in scan(app, batch=batch):
        head, position = roll_on(head, n), n.id
        aggregates[str(n.originator_id)] = (n.originator_version, _link_of(fact_and_chain(app, n)[1], n.state))
    return Anchor(position=position, head=head, aggregates=aggregates, created=datetime.now(UTC).isoformat())


def _settlements(walks: dict[str, _Walk]) -> list[Problem]:
    """A run says a candidate settled as queued or rejected: that candidate must have recorded it too."""
    found = []
    for run_id, walk in walks.items():
        if walk.kind != "run":
            continue
        for candidate_id, outcome in walk.settled or ():
            mine = walks.get(_canonical(candidate_id))
            want, bit = (f.Queued, _QUEUED) if outcome == "queued" else (f.Rejected, _REJECTED)
            if mine is None or not mine.outcomes & bit:
                found.append(
                    Problem(
                        "removed",
                        candidate_id,
                        None,
                        None,
                        f"candidate {candidate_id}: its {want.__name__} event is missing (run "
                        f"{run_id} recorded it settled as {outcome})",
                    )
                )
    return found


def _canonical(candidate_id: str) -> str:
    """An id as ``str(UUID)`` writes it (the walks' keys), or as given when it is no UUID."""
    try:
        return str(UUID(candidate_id))
    except ValueError:
        return candidate_id
