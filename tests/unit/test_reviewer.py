"""The Reviewers aggregate: tokens known only by hash, duplicate names refused, revocation."""

from __future__ import annotations

import hashlib
import string
from collections.abc import Callable

import pytest

from domain import facts as f
from domain.errors import InvalidInput
from domain.reviewer import REVIEWERS_ID, BadReviewerName, ReviewerError, Reviewers, new_token, token_sha256


def test_reviewers_are_known_by_token_hash_only() -> None:
    token = new_token()
    crew = Reviewers.start("ana", token_sha256(token))
    assert crew.id == REVIEWERS_ID and len(token) >= 32
    assert crew.name_for(token_sha256(token)) == "ana"
    assert crew.name_for(token_sha256(token + "x")) is None
    events = crew.collect_events()
    assert [type(e.fact) for e in events] == [f.ReviewerAdded]  # type: ignore[attr-defined]
    assert token not in repr(events) and events[0].fact.token_sha256 == token_sha256(token)  # type: ignore[attr-defined]


def test_duplicate_names_and_bad_names_are_refused() -> None:
    crew = Reviewers.start("ana", token_sha256("t1"))
    with pytest.raises(ReviewerError, match="reviewer 'ana' already exists"):
        crew.add("ana", token_sha256("t2"))
    with pytest.raises(ReviewerError, match="not allowed"):
        crew.add("two words", token_sha256("t3"))
    with pytest.raises(ReviewerError, match="not allowed"):
        Reviewers.start("", token_sha256("t4"))
    with pytest.raises(ReviewerError, match="already in use"):
        crew.add("bob", token_sha256("t1"))


def test_revoked_tokens_stop_working_and_the_name_can_get_a_new_one() -> None:
    crew = Reviewers.start("ana", token_sha256("old"))
    crew.revoke("ana")
    assert crew.name_for(token_sha256("old")) is None and crew.revoked == {"ana"}
    with pytest.raises(ReviewerError, match="already revoked"):
        crew.revoke("ana")
    with pytest.raises(ReviewerError, match="does not exist"):
        crew.revoke("zed")
    crew.add("ana", token_sha256("new"))
    assert crew.name_for(token_sha256("new")) == "ana" and crew.name_for(token_sha256("old")) is None


def test_a_token_is_24_random_bytes_in_url_safe_base64() -> None:
    tokens = {new_token() for _ in range(3)}
    assert len(tokens) == 3
    # 24 bytes are 32 base64 characters, without padding
    assert all(len(t) == 32 and set(t) <= set(string.ascii_letters + string.digits + "-_") for t in tokens)


def test_a_token_hash_is_the_sha256_of_its_utf8_bytes() -> None:
    assert token_sha256("café") == hashlib.sha256("café".encode()).hexdigest()


def test_a_revoked_name_added_again_is_no_longer_revoked() -> None:
    crew = Reviewers.start("ana", token_sha256("t1"))
    crew.add("bo", token_sha256("t2"))
    crew.revoke("ana")
    crew.add("ana", token_sha256("t3"))
    assert crew.revoked == set() and crew.active == {"ana": token_sha256("t3"), "bo": token_sha256("t2")}


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            lambda crew: crew.add("-ana", token_sha256("t9")),
            "reviewer name '-ana' is not allowed: reviewer names are 1-64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit",
        ),
        (lambda crew: crew.add("bo", token_sha256("t1")), "that token is already in use"),
        (lambda crew: crew.revoke("zed"), "reviewer 'zed' does not exist"),
        (lambda crew: crew.revoke("old"), "reviewer 'old' was already revoked"),
    ],
)
def test_refusal_messages_in_full(command: Callable[[Reviewers], object], message: str) -> None:
    crew = Reviewers.start("ana", token_sha256("t1"))
    crew.add("old", token_sha256("t0"))
    crew.revoke("old")
    with pytest.raises(ReviewerError) as info:
        command(crew)
    assert str(info.value) == message


def test_the_acting_name_comes_from_the_option_the_environment_or_the_login_and_follows_the_rule() -> None:
    from app.reviewers import acting_name

    def login() -> str:
        return "carol"

    def no_login() -> str:
        raise KeyError("no login name")

    assert acting_name(" ana ", {"ASSAY_REVIEWER": "bo"}, login) == "ana"
    assert acting_name(None, {"ASSAY_REVIEWER": "bo"}, login) == "bo"
    assert acting_name(None, {}, login) == "carol"
    assert acting_name(None, {}, no_login) == "unknown"
    for given, environ, user, source in (
        ("bad name", {}, login, "--reviewer 'bad name'"),
        ("", {}, login, "--reviewer ''"),
        (None, {"ASSAY_REVIEWER": "-x"}, login, "$ASSAY_REVIEWER '-x'"),
        (None, {}, lambda: "Carol Smith", "your login name 'Carol Smith'"),
    ):
        with pytest.raises(BadReviewerName) as refused:
            acting_name(given, environ, user)
        assert str(refused.value).startswith(f"{source} is not allowed: reviewer names are 1-64 letters")
        assert isinstance(refused.value, InvalidInput)  # 2 on the command line, 422 on the page
