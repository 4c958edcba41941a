"""The agent-step grader: reading "ACTION: name {args}", normalising, comparing, and argument schemas."""

from __future__ import annotations

import pytest

from domain import actions as a

REF = {"action": "issue_refund", "args": {"order_id": "A-48213", "amount": 64.5}}


@pytest.mark.parametrize(
    "reply",
    [
        'ACTION: issue_refund {"order_id": "A-48213", "amount": 64.5}',
        'I will refund the kettle.\nACTION: issue_refund {"amount": "64.50", "order_id": "a-48213"}',
        'ACTION: `Issue-Refund` {"order_id": " A-48213 ", "amount": 64.50, "note": null}',
        '**Action:** issue_refund\n{"order_id": "A-48213",\n "amount": "$64.50"}',
        'ACTION: get_order {}\nOn second thought:\nACTION: issue_refund() {"order_id": "A-48213", "amount": 64.5}',
    ],
)
def test_the_same_decision_written_differently_is_accepted(reply: str) -> None:
    verdict = a.grade(REF, "action_args", reply)
    assert verdict.ok, verdict


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ('ACTION: issue_refund {"order_id": "A-48213", "amount": 112.0}', "wrong arguments"),
        ('ACTION: issue_refund {"order_id": "A-48213"}', "wrong arguments"),
        ('ACTION: issue_refund {"order_id": "A-48213", "amount": 64.5, "sku": "x"}', "wrong arguments"),
        ('ACTION: cancel_order {"order_id": "A-48213"}', "a different action"),
        ('ACTION: issue_refund {"order_id": "A-48213", "amount": ', "arguments are not a JSON object"),
        ("I would refund the customer.", "no ACTION line in the reply"),
    ],
)
def test_wrong_decisions_are_rejected_with_the_reason(reply: str, why: str) -> None:
    verdict = a.grade(REF, "action_args", reply)
    assert not verdict.ok and verdict.why == why


def test_action_grading_compares_names_only() -> None:
    assert a.grade(REF, "action", 'ACTION: issue_refund {"amount": 1}').ok
    assert a.grade(REF, "action", "ACTION: issue_refund {broken").ok
    assert not a.grade(REF, "action", "ACTION: refund").ok
    assert a.grade({"action": "resolve_directly"}, "action_args", "ACTION: resolve_directly").ok


def test_parse_and_format_round_trip() -> None:
    line = a.format_action("check_status", {"reference": "OP-1"})
    assert line == 'ACTION: check_status {"reference": "OP-1"}'
    assert a.parse(line) == a.Action("check_status", {"reference": "OP-1"})
    assert a.parse("ACTION: resolve_directly") == a.Action("resolve_directly", {})
    assert a.parse("ACTION: x [1, 2]") == a.Action("x", {})  # not an object: the name still counts
    assert a.parse("ACTION: x {1: 2}") == a.Action("x", None)
    assert a.parse("no decision here") is None and a.parse("") is None


def test_normalisation() -> None:
    assert a.normalise_name(" Issue Refund() ") == a.normalise_name("issue-refund") == "issue_refund"
    assert a.normalise_args(
        {" Amount ": "1,240.50", "Team": " Tier2 ", "x": None, "n": 3, "ok": True, "tags": ["A", 2]}
    ) == {"amount": 1240.5, "team": "tier2", "n": 3.0, "ok": "true", "tags": ["a", 2.0]}
    assert a.normalise_args({"flag": True}) != a.normalise_args({"flag": 1})
    assert a.normalise_args({"flag": True}) == a.normalise_args({"flag": "True"})


def test_argument_schemas() -> None:
    schema = {"order_id": "string", "amount": "number", "note": "string?"}
    assert a.schema_errors({"order_id": "A-1", "amount": 3}, schema) == []
    assert a.schema_errors({"order_id": "A-1", "amount": 3, "note": None}, schema) == []
    assert a.schema_errors({"order_id": 7, "extra": 1}, schema) == [
        "unknown argument 'extra'",
        "argument 'order_id' is not string",
        "missing argument 'amount'",
    ]
    assert a.schema_errors([], schema) == ["arguments must be an object"]
    assert a.known_type("integer?") and not a.known_type("money") and not a.known_type(3)
