"""Known answers for the hash chain: a fixed small ledger and its chain heads, as literal hex.

The values were computed once and checked against an independent computation (``json.dumps`` + ``hashlib``,
below). A different genesis value, a renamed or dropped hashed key, another version numbering or another
canonical form changes them, and with them every chain already recorded in a ledger: if one of these tests
fails, the change breaks ``assay verify`` on existing ledgers. Never update the literals to make it pass.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from uuid import UUID

import pytest

from domain import facts as f
from domain.chain import GENESIS, canonical, link, roll
from domain.evaluation import Evaluation, evaluation_uuid

EVAL_ID = "eval-1"
EVAL_UUID = "d7a57117-f37e-5f70-b393-9ab5f31112bf"
STARTED = f.EvaluationStarted(
    eval_id=EVAL_ID,
    dataset="arithmetic",
    recipe="ground_truth",
    models=["strong", "weak"],
    n=4,
    ks=[1, 2],
    points=["p1"],
)
STRONG = f.ItemEvaluated(
    point_id="p1", model="strong", n=4, c=3, pass_at_k={"1": 0.75, "2": 1.0}, passed_samples=[0, 1, 3]
)
RECEIPT = f.Receipt(
    role="solver", model="weak", prompt_sha256="a" * 64, response_sha256="b" * 64, prompt_tokens=12, cost_usd=0.5
)
WEAK = f.ItemEvaluated(point_id="p1", model="weak", n=4, c=0, pass_at_k={"1": 0.0, "2": 0.0}, receipts=[RECEIPT])
SUMMARY = {"models": 2, "mean": {"strong": 0.75, "weak": 0.0}}

# The chain head after each event of the ledger above: started, strong, weak, completed (versions 1..4).
HEADS = [
    "b26f38622e97e60de4489a8dbb27462b218decd6d02b723e831af5e8a804929f",
    "4d5ecb76b83c4e679c1773291c257692f816ae6f26727e5a8f93496866bfdd38",
    "e0d8b8e1284ac8c867f15f7a59805f00ebec0ec8d36d9b3f4edf9b11de3cf686",
    "6a256af4dcfde808aabee8ff6a98267fe20a568594af1735676a1908717bdb11",
]


def by_hand(previous: str, originator_id: str, version: int, tag: str, fact: dict[str, Any]) -> str:
    """The link as the module docstring defines it, computed without domain.chain: sorted-key compact JSON."""
    body = {"prev": previous, "id": originator_id, "v": version, "tag": tag, "fact": fact}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def ledger() -> Evaluation:
    evaluation = Evaluation.start(STARTED)
    evaluation.record(STRONG)
    evaluation.record(WEAK)
    evaluation.complete(SUMMARY)
    return evaluation


def test_genesis_is_sixty_four_zeros() -> None:
    assert GENESIS == "0000000000000000000000000000000000000000000000000000000000000000"


def test_one_link_matches_the_documented_formula() -> None:
    fact = f.Rejected(gate="oracle", reason="wrong answer")
    expected = "eb708ee64c5ddee416565120ed31d6a9c6b98090f61701e980510ea3c8015876"
    body = (
        b'{"fact":{"gate":"oracle","reason":"wrong answer"},"id":"c1",'
        b'"prev":"0000000000000000000000000000000000000000000000000000000000000000","tag":"Rejected","v":1}'
    )
    assert hashlib.sha256(body).hexdigest() == expected
    assert by_hand(GENESIS, "c1", 1, "Rejected", {"gate": "oracle", "reason": "wrong answer"}) == expected
    assert link(GENESIS, "c1", 1, fact) == expected
    assert link(GENESIS, UUID("00000000-0000-0000-0000-000000000001"), 1, fact) == by_hand(
        GENESIS, "00000000-0000-0000-0000-000000000001", 1, "Rejected", {"gate": "oracle", "reason": "wrong answer"}
    )


def test_the_fixed_ledger_has_the_known_chain_heads() -> None:
    evaluation = ledger()
    events = evaluation.collect_events()
    assert str(evaluation.id) == EVAL_UUID == str(evaluation_uuid(EVAL_ID))
    assert [e.originator_version for e in events] == [1, 2, 3, 4]
    assert [e.chain for e in events] == HEADS
    assert evaluation._chain == HEADS[-1]


def test_the_known_heads_agree_with_the_formula() -> None:
    facts: list[tuple[str, dict[str, Any]]] = [
        (
            "EvaluationStarted",
            {
                "eval_id": "eval-1",
                "dataset": "arithmetic",
                "recipe": "ground_truth",
                "models": ["strong", "weak"],
                "n": 4,
                "ks": [1, 2],
                "points": ["p1"],
            },  # temperature and seed are at their defaults, so left out
        ),
        (
            "ItemEvaluated",
            {
                "point_id": "p1",
                "model": "strong",
                "n": 4,
                "c": 3,
                "pass_at_k": {"1": 0.75, "2": 1},
                "passed_samples": [0, 1, 3],
            },
        ),
        (
            "ItemEvaluated",
            {
                "point_id": "p1",
                "model": "weak",
                "n": 4,
                "c": 0,
                "pass_at_k": {"1": 0, "2": 0},  # whole floats hash as integers
                "receipts": [
                    {
                        "role": "solver",
                        "model": "weak",
                        "prompt_sha256": "a" * 64,
                        "response_sha256": "b" * 64,
                        "prompt_tokens": 12,
                        "cost_usd": 0.5,
                    }
                ],
            },
        ),
        ("EvaluationCompleted", {"summary": {"models": 2, "mean": {"strong": 0.75, "weak": 0}}}),
    ]
    previous = GENESIS
    for version, ((tag, fact), head) in enumerate(zip(facts, HEADS, strict=True), start=1):
        assert by_hand(previous, EVAL_UUID, version, tag, fact) == head
        previous = head


def test_canonical_forms_of_the_ledger_facts() -> None:
    assert canonical(STRONG)["passed_samples"] == [0, 1, 3]
    assert "passed_samples" not in canonical(WEAK)  # at its default (an empty list): left out
    assert "receipts" not in canonical(STRONG)
    assert canonical(WEAK)["receipts"][0]["cost_usd"] == 0.5
    assert canonical({1: (2.0, 2.5), "k": {"x", "y"} - {"y"}}) == {"1": [2, 2.5], "k": ["x"]}


def test_a_reloaded_aggregate_continues_the_same_chain() -> None:
    evaluation = Evaluation.start(STARTED)
    evaluation.record(STRONG)
    stored = evaluation.collect_events()
    reloaded: Any = None
    for event in stored:
        reloaded = event.mutate(reloaded)
    assert reloaded._chain == HEADS[1]
    reloaded.record(WEAK)
    reloaded.complete(SUMMARY)
    assert [e.chain for e in reloaded.collect_events()] == HEADS[2:]


def test_a_chained_aggregate_cannot_start_without_its_id() -> None:
    with pytest.raises(TypeError, match="chain"):
        Evaluation(fact=STARTED)  # eventsourcing would pick a random id: no link, so no Started event


def test_the_rolling_head_has_known_values() -> None:
    """The ledger-wide head (domain.chain.roll) as the bus witnesses and anchor files have always stored it."""
    state = '{"chain":"x","fact":"é"}'.encode()
    topic = "domain.candidate:Candidate.Recorded"
    assert (
        roll(GENESIS, 7, UUID("0d3a764c-5deb-50fd-adcd-82a2296854d7"), 3, topic, state)
        == "405de421abb967a863c1a11c63d2ddaad9698910b66c94452d452d683a64467c"
    )
    assert (
        roll("ab" * 32, 10**12, "0d3a764c-5deb-50fd-adcd-82a2296854d7", 1, "té", b"")
        == "af9e3763bea8856b1b3dcbaa10e19833869c656f553d4855c148c1f908463345"
    )
