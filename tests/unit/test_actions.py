"""The agent-step grader: reading "ACTION: name {args}", normalising, comparing, and argument schemas."""

from __future__ import annotations

import datetime
import math

import pytest

from domain import actions as a
from domain.graders import Verdict

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


def test_values_normalise_by_kind() -> None:
    assert a.normalise_args({"team": "Tier \n  2", "flag": False, "Address": {" City ": " Paris ", "zip": None}}) == {
        "team": "tier 2",
        "flag": "false",
        "address": {"city": "paris"},
    }
    assert a.normalise_args({"flag": False}) == a.normalise_args({"flag": "FALSE"})
    assert a.normalise_args({"flag": False}) != a.normalise_args({"flag": True})
    assert a.normalise_args({"flag": False}) != a.normalise_args({"flag": 0})
    # a reference read from TOML may hold a date: it compares as its ISO text
    assert a.normalise_args({"when": datetime.date(2024, 5, 1)}) == a.normalise_args({"when": " 2024-05-01 "})


def test_non_finite_numbers_compare_by_their_text() -> None:
    assert a.normalise_args({"x": math.inf, "y": -math.inf}) == {"x": "inf", "y": "-inf"}
    ref = {"action": "set_limit", "args": {"limit": math.nan}}
    assert a.grade(ref, "action_args", 'ACTION: set_limit {"limit": NaN}').ok  # NaN != NaN as a float
    assert not a.grade(
        {"action": "set_limit", "args": {"limit": math.inf}}, "action_args", 'ACTION: set_limit {"limit": -Infinity}'
    ).ok


def test_format_action_sorts_keys_and_keeps_non_ascii() -> None:
    assert a.format_action("leave_note", {"text": "café", "id": 7}) == 'ACTION: leave_note {"id": 7, "text": "café"}'
    assert a.format_action("wait") == "ACTION: wait {}"


def test_verdicts_in_full() -> None:
    reply = "x" * 150 + "\n\n" + "y" * 100  # 251 characters once the whitespace is one space
    assert a.grade(REF, "action_args", reply) == Verdict(
        False, "x" * 99 + " " + "y" * 100, "no ACTION line in the reply"
    )
    assert a.grade(REF, "action_args", 'ACTION: cancel_order {"order_id": "A-1", "amount": 2}') == Verdict(
        False, 'cancel_order {"amount": 2, "order_id": "A-1"}', "a different action"
    )
    assert a.grade(REF, "action_args", 'ACTION: issue_refund {"order_id": ') == Verdict(
        False, "issue_refund", "arguments are not a JSON object"
    )
    assert a.grade(REF, "action_args", 'ACTION: issue_refund {"order_id": "A-48213", "amount": 1}') == Verdict(
        False, 'issue_refund {"amount": 1, "order_id": "A-48213"}', "wrong arguments"
    )
    assert a.grade(REF, "action_args", 'ACTION: Issue_Refund {"order_id": "a-48213", "amount": "64.50"}') == Verdict(
        True, 'issue_refund {"amount": "64.50", "order_id": "a-48213"}', ""
    )
    assert a.grade(REF, "action", "ACTION: issue_refund {broken") == Verdict(True, "issue_refund", "")


def test_a_reference_without_an_action_matches_no_reply() -> None:
    assert a.grade({}, "action", "ACTION: None") == Verdict(False, "none {}", "a different action")


def test_same_needs_the_same_name_under_either_grading() -> None:
    assert not a.same(a.Action("issue_refund", {}), a.Action("cancel_order", {}), "action")
    assert a.same(a.Action("Issue Refund", {"x": 1}), a.Action("issue_refund", {"x": "1"}), "action_args")


def test_names_lose_quotes_and_markdown_but_keep_their_letters() -> None:
    assert a.normalise_name('"Issue Refund"') == a.normalise_name("*issue-refund*") == "issue_refund"
    assert a.normalise_name("`X-Ray Scan`") == "x_ray_scan"


def test_an_optional_argument_given_must_have_its_type() -> None:
    schema = {"order_id": "string", "note": "string?"}
    assert a.schema_errors({"order_id": "A-1", "note": "late"}, schema) == []
    assert a.schema_errors({"order_id": "A-1", "note": 5}, schema) == ["argument 'note' is not string"]
