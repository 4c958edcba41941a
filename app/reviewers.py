"""Reviewers in the ledger: add (a token shown once), revoke, list, and authenticate a token."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from adapters import logs
from adapters.ledger import AssayLedger, change_and_save, find
from adapters.sessions import SessionStore
from domain import facts as f
from domain.chain import fact_event
from domain.reviewer import (
    REVIEWERS_ID,
    BadReviewerName,
    ReviewerError,
    Reviewers,
    check_name,
    new_token,
    token_sha256,
)

log = logs.get("assay.reviewers")
RETRIES = 5


def load(ledger: AssayLedger) -> Reviewers | None:
    return find(ledger, REVIEWERS_ID)


def _change(ledger: AssayLedger, command: Callable[[Reviewers | None], Reviewers]) -> None:
    """Load, apply ``command``, save; a concurrent change to the reviewers is retried on the new state."""
    change_and_save(
        ledger,
        lambda: command(load(ledger)),
        RETRIES,
        ReviewerError("the reviewers kept changing while this change was made; try again"),
    )


def acting_name(given: str | None, environ: Mapping[str, str], login: Callable[[], str]) -> str:
    """Who a CLI command acts as: ``--reviewer``, else ``$ASSAY_REVIEWER``, else the login name (``unknown`` where
    there is none), held to the one reviewer-name rule (domain.reviewer.check_name); the refusal names the source."""
    if given is not None:
        return check_name(given.strip(), "--reviewer")
    if environ.get("ASSAY_REVIEWER"):
        return check_name(environ["ASSAY_REVIEWER"].strip(), "$ASSAY_REVIEWER")
    try:
        name = login()
    except Exception:  # no login name in some containers
        name = "unknown"
    try:
        return check_name(name.strip(), "your login name")
    except BadReviewerName as exc:
        raise BadReviewerName(f"{exc}; give --reviewer NAME or set ASSAY_REVIEWER") from None


def add(ledger: AssayLedger, name: str, token: str | None = None) -> str:
    """Add reviewer ``name`` and return their token (only its SHA-256 is recorded)."""
    check_name(name)
    token = token or new_token()
    sha = token_sha256(token)

    def command(current: Reviewers | None) -> Reviewers:
        if current is None:
            return Reviewers.start(name, sha)
        current.add(name, sha)
        return current

    _change(ledger, command)
    log.info("reviewer added", reviewer=name)
    return token


def revoke(ledger: AssayLedger, name: str, sessions: SessionStore | None = None) -> None:
    """Revoke ``name``'s token; with ``sessions``, their review-page sessions are deleted too (a session of a
    revoked reviewer is refused on its next request either way)."""

    def command(current: Reviewers | None) -> Reviewers:
        if current is None:
            raise ReviewerError(f"reviewer {name!r} does not exist")
        current.revoke(name)
        return current

    _change(ledger, command)
    ended = sessions.delete_reviewer(name) if sessions is not None else 0
    log.info("reviewer revoked", reviewer=name, sessions_ended=ended)


def rotate(ledger: AssayLedger, name: str, sessions: SessionStore | None = None) -> str:
    """A new token for ``name`` (the old one is revoked first, when there is one, with its sessions)."""
    current = load(ledger)
    if current is not None and name in current.active:
        revoke(ledger, name, sessions)
    return add(ledger, name)


def authenticate(ledger: AssayLedger, token: str) -> str | None:
    """The name of the active reviewer holding ``token``; None for an unknown or revoked token."""
    current = load(ledger) if token else None
    return current.name_for(token_sha256(token)) if current is not None else None


def listing(ledger: AssayLedger) -> list[dict[str, Any]]:
    """Every reviewer ever added: name, whether active, when added and (if so) when revoked."""
    rows: dict[str, dict[str, Any]] = {}
    try:
        events = [fact_event(e) for e in ledger.repository.event_store.get(REVIEWERS_ID)]
    except AggregateNotFoundError:
        events = []
    for event in events:
        fact, when = event.fact, event.timestamp.isoformat()
        if isinstance(fact, f.ReviewerAdded):
            rows[fact.name] = {"name": fact.name, "active": True, "added_at": when, "revoked_at": None}
        elif isinstance(fact, f.ReviewerRevoked) and fact.name in rows:
            rows[fact.name].update(active=False, revoked_at=when)
    return sorted(rows.values(), key=lambda r: r["name"])
