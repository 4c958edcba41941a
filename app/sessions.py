"""Review-page sessions: sign in with a reviewer token, find a session's reviewer, sign out.

The browser holds only a random session id; the store keeps its SHA-256 with the reviewer's name, a
fingerprint of the token grant, and the expiry. A session is good while it has not expired and its
reviewer still holds the same grant: revoking the reviewer (or giving the name a new token) ends it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from adapters.ledger import AssayLedger
from adapters.sessions import SessionRow, SessionStore
from app import reviewers
from domain.reviewer import token_sha256

MAX_ID = 100  # longer cookie values are not ours: refused without a lookup


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def id_sha256(session_id: str) -> str:
    """How a session id is stored (and what the page's form token derives from)."""
    return _sha256(session_id)


def _grant(reviewer_token_sha256: str) -> str:
    # A hash of the ledger's token hash: ties a session to one token without copying the ledger's hash here.
    return _sha256("grant:" + reviewer_token_sha256)


def sign_in(
    ledger: AssayLedger, store: SessionStore, token: str, hours: float, now: float | None = None
) -> tuple[str, str] | None:
    """(a new session id, the reviewer's name) for an active reviewer's ``token``; None for any other token."""
    name = reviewers.authenticate(ledger, token)
    if name is None:
        return None
    now = time.time() if now is None else now
    store.delete_expired(now)  # housekeeping where it is cheap: sign-ins are rare
    session_id = secrets.token_urlsafe(32)
    store.add(id_sha256(session_id), SessionRow(name, _grant(token_sha256(token)), now, now + hours * 3600))
    return session_id, name


def reviewer_for(ledger: AssayLedger, store: SessionStore, session_id: str, now: float | None = None) -> str | None:
    """The reviewer signed in under ``session_id``; None when unknown, expired, revoked or re-issued (then deleted)."""
    if not session_id or len(session_id) > MAX_ID:
        return None
    key = id_sha256(session_id)
    row = store.get(key)
    if row is None:
        return None
    if row.expires_at > (time.time() if now is None else now):
        current = reviewers.load(ledger)
        held = current.active.get(row.reviewer) if current is not None else None
        if held is not None and hmac.compare_digest(_grant(held), row.grant_sha256):
            return row.reviewer
    store.delete(key)
    return None


def sign_out(store: SessionStore, session_id: str) -> None:
    """Delete the session: its id no longer works, even if replayed."""
    if session_id and len(session_id) <= MAX_ID:
        store.delete(id_sha256(session_id))


def end_all(store: SessionStore, reviewer: str) -> int:
    """End every session of ``reviewer`` (on revoke); how many were ended."""
    return store.delete_reviewer(reviewer)
