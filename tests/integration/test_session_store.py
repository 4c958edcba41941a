"""Review-page sessions on both backends: beside the ledger in a table of their own, never in the ledger."""

from __future__ import annotations

from adapters.ledger import open_ledger
from adapters.sessions import open_sessions
from app import reviewers, sessions


def test_sign_in_look_up_expire_sign_out_and_revoke(store_url: str) -> None:
    ledger, store = open_ledger(store_url), open_sessions(store_url)
    try:
        ana, bob = reviewers.add(ledger, "ana"), reviewers.add(ledger, "bob")
        before = ledger.recorder.max_notification_id()
        assert sessions.sign_in(ledger, store, "not-a-token", 12) is None
        first, name = sessions.sign_in(ledger, store, ana, 12, now=1000.0) or ("", "")
        second, _ = sessions.sign_in(ledger, store, ana, 12, now=1000.0) or ("", "")
        third, _ = sessions.sign_in(ledger, store, bob, 1, now=1000.0) or ("", "")
        assert name == "ana" and len({first, second, third}) == 3
        assert sessions.reviewer_for(ledger, store, first, now=1000.0 + 12 * 3600 - 1) == "ana"
        assert sessions.reviewer_for(ledger, store, first, now=1000.0 + 12 * 3600) is None  # expired: deleted
        assert sessions.reviewer_for(ledger, store, first, now=1000.0) is None
        assert sessions.reviewer_for(ledger, store, ana, now=1000.0) is None  # a token is not a session id
        sessions.sign_out(store, second)
        assert sessions.reviewer_for(ledger, store, second, now=1000.0) is None
        assert sessions.reviewer_for(ledger, store, third, now=1000.0) == "bob"
        reviewers.revoke(ledger, "bob", store)
        assert store.delete_reviewer("bob") == 0  # already gone with the revoke
        assert sessions.reviewer_for(ledger, store, third, now=1000.0) is None
        assert ledger.recorder.max_notification_id() == before + 1  # the revoke; no session ever entered the ledger
    finally:
        store.close()
        ledger.close()
