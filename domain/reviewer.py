"""The Reviewers aggregate: who may give verdicts, each known by the SHA-256 of an access token.

One aggregate per ledger (a fixed id), so adding a reviewer is checked against every other one and
two concurrent adds conflict in the ledger instead of both succeeding.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from uuid import NAMESPACE_URL, UUID, uuid5

from domain import facts as f
from domain.chain import Chained
from domain.errors import DomainError, InvalidInput

REVIEWERS_ID: UUID = uuid5(NAMESPACE_URL, "assay:reviewers")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


class ReviewerError(DomainError):
    """A reviewer command the domain refuses (bad or duplicate name, unknown reviewer)."""


def new_token() -> str:
    """A fresh access token; only its hash is ever recorded."""
    return secrets.token_urlsafe(24)


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class BadReviewerName(ReviewerError, InvalidInput):
    """A reviewer name outside the rule (``RULE``): refused wherever a name enters (add, verdicts, checklist)."""


RULE = "1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit"


def check_name(name: str, source: str = "reviewer name") -> str:
    """The name as recorded; BadReviewerName unless it follows ``RULE``. ``source`` says where it came from
    (``--reviewer``, ``$ASSAY_REVIEWER``, ...) for the message. The one rule for every way a name comes in."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise BadReviewerName(f"{source} {name!r} is not allowed: reviewer names are {RULE}")
    return name


class Reviewers(Chained):
    """Active reviewers by name (with their token hashes) and the names that were revoked."""

    class Started(Chained.Started):
        fact: f.ReviewerAdded

    class Recorded(Chained.Recorded):
        fact: f.AnyFact

    def __init__(self, fact: f.ReviewerAdded) -> None:
        self.active: dict[str, str] = {}  # name -> token sha256
        self.revoked: set[str] = set()
        self._when(fact)

    @classmethod
    def start(cls, name: str, sha256: str) -> Reviewers:
        """The ledger's first reviewer creates the aggregate."""
        return cls._create(
            cls.Started, id=REVIEWERS_ID, fact=f.ReviewerAdded(name=check_name(name), token_sha256=sha256)
        )

    # --- queries -----------------------------------------------------------------------------

    def name_for(self, sha256: str) -> str | None:
        """The active reviewer holding the token with this hash, if any."""
        for name, known in self.active.items():
            if secrets.compare_digest(known, sha256):
                return name
        return None

    # --- commands ----------------------------------------------------------------------------

    def add(self, name: str, sha256: str) -> None:
        """Add a reviewer; a name already active is refused (a revoked name may be given a new token)."""
        check_name(name)
        if name in self.active:
            raise ReviewerError(f"reviewer {name!r} already exists; revoke it first to issue a new token")
        if self.name_for(sha256) is not None:
            raise ReviewerError("that token is already in use")
        self.trigger_event(self.Recorded, fact=f.ReviewerAdded(name=name, token_sha256=sha256))

    def revoke(self, name: str) -> None:
        if name not in self.active:
            state = "was already revoked" if name in self.revoked else "does not exist"
            raise ReviewerError(f"reviewer {name!r} {state}")
        self.trigger_event(self.Recorded, fact=f.ReviewerRevoked(name=name))

    def _when(self, fact: f.Fact) -> None:
        if isinstance(fact, f.ReviewerAdded):
            self.active[fact.name] = fact.token_sha256
            self.revoked.discard(fact.name)
        elif isinstance(fact, f.ReviewerRevoked):
            self.active.pop(fact.name, None)
            self.revoked.add(fact.name)
