"""The rubric model: rows, files with row-located errors, scoring with the gate cap, agreement, rubric checks."""

from __future__ import annotations

from itertools import combinations

import pytest

from domain.rubric import (
    Criterion,
    RubricError,
    compound_parts,
    criteria_from,
    duplicates,
    fleiss_kappa,
    missing_types,
    overlaps,
    parse_rubric,
    raw_agreement,
    score,
    vague_terms,
)

TOML = """
[[criteria]]
text = "The response mentions the price ($49)."
type = "outcome"
criticality = "gate"

[[criteria]]
text = "The response promises a refund."
type = "grounding-and-safety"
polarity = "must-not"

[[criteria]]
text = "The response is at most 120 words."
type = "instruction_following"
"""


def rubric() -> list[Criterion]:
    return parse_rubric(TOML, "r.toml")


def test_toml_rows_parse_with_defaults_and_aliases() -> None:
    rows = rubric()
    assert [c.type for c in rows] == ["outcome", "grounding-and-safety", "instruction-following"]
    assert [c.polarity for c in rows] == ["must", "must-not", "must"]
    assert [c.criticality for c in rows] == ["gate", "additive", "additive"]


def test_json_rubric_as_list_or_object() -> None:
    rows = [{"text": "Says hello to Dana.", "type": "outcome"}]
    assert parse_rubric('{"criteria": [{"text": "Says hello to Dana.", "type": "outcome"}]}')[0].text == rows[0]["text"]
    assert len(parse_rubric('[{"text": "Says hello to Dana.", "type": "process"}]')) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("type", "outcomes", r"criterion 2 \(line 9\): unknown type 'outcomes'"),
        ("polarity", "should", r"criterion 2 \(line 10\): unknown polarity 'should'"),
        ("criticality", "critical", r"criterion 2 \(line 11\): unknown criticality 'critical'"),
    ],
)
def test_bad_rows_are_named_with_their_line(field: str, value: str, message: str) -> None:
    row = {
        "type": 'type = "grounding-and-safety"',
        "polarity": 'polarity = "must-not"',
        "criticality": 'polarity = "must-not"',
    }[field]
    text = TOML.replace(row, f'{field} = "{value}"' if field != "criticality" else f'{row}\n{field} = "{value}"')
    with pytest.raises(RubricError, match=message):
        parse_rubric(text, "r.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "r.toml: no criteria"),
        ("title = 'x'", "r.toml: no criteria"),
        ("[]", "r.toml: no criteria"),
        ('[{"type": "outcome"}]', "criterion 1: missing or empty 'text'"),
        ('[{"text": "x y z"}]', "criterion 1: missing 'type'"),
        ('[{"text": "x y z", "type": "outcome", "weight": 2}]', "criterion 1: unknown field 'weight'"),
        ("[[criteria]\ntext=", "r.toml: not valid TOML"),
        ('{"criteria": [}', "r.toml: line 1: not valid JSON"),
    ],
)
def test_unusable_files_say_what_and_where(text: str, message: str) -> None:
    with pytest.raises(RubricError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        parse_rubric(text, "r.toml")


def test_score_is_equal_weight_binary_with_polarity() -> None:
    rows = rubric()
    # price mentioned, no refund promised, too long: 2 of 3 satisfied
    got = score(rows, [True, False, False])
    assert got.raw == pytest.approx(2 / 3) and got.total == pytest.approx(2 / 3) and not got.capped
    assert got.satisfied == [True, True, False]
    assert got.by_type == {"instruction-following": 0.0, "outcome": 1.0, "grounding-and-safety": 1.0}


def test_failed_gate_criterion_caps_the_total() -> None:
    rows = rubric()
    got = score(rows, [False, False, True])
    assert got.raw == pytest.approx(2 / 3) and got.total == 0.0 and got.capped and got.failed_gates == [0]
    assert score(rows, [False, False, True], cap=0.5).total == 0.5
    assert score(rows, [False, True, False], cap=0.5).total == pytest.approx(0.0)  # raw 0 is below the cap


def test_score_needs_one_judgement_per_criterion() -> None:
    with pytest.raises(ValueError, match="2 judgements for 3 criteria"):
        score(rubric(), [True, False])


def test_compound_and_vague_rows_are_found() -> None:
    assert compound_parts("The response mentions the price and includes a subject line") == [
        "The response mentions the price",
        "includes a subject line",
    ]
    assert compound_parts("The response is at most 120 words.") == []
    assert compound_parts("Uses salt and pepper") == []  # parts under three words: one requirement
    assert vague_terms("The tone is clear and appropriate") == ["appropriate", "clear"]
    assert vague_terms("The response names the customer (Dana)") == []


def test_duplicates_overlaps_and_coverage() -> None:
    rows = criteria_from(
        [
            {"text": "The response mentions the price ($49).", "type": "outcome"},
            {"text": "the response  mentions the price ($49)", "type": "process"},
            {"text": "The response clearly mentions the price ($49) to the reader.", "type": "outcome"},
            {"text": "The response contains no exclamation marks.", "type": "instruction-following"},
        ]
    )
    assert duplicates(rows) == [(0, 1)]
    assert (0, 2) in [(i, j) for i, j, _ in overlaps(rows, 0.3)]
    assert all(3 not in pair[:2] for pair in overlaps(rows, 0.3))
    assert missing_types(rows) == ["grounding-and-safety"]


def _pairwise(row: list[bool]) -> float:
    pairs = list(combinations(row, 2))
    return sum(a == b for a, b in pairs) / len(pairs)


def test_raw_agreement_is_the_mean_share_of_agreeing_pairs() -> None:
    ratings = [[True, True, True], [False, False, False], [True, True, False], [True, False, False]]
    assert raw_agreement(ratings) == pytest.approx(sum(_pairwise(r) for r in ratings) / len(ratings))


def test_fleiss_kappa_known_values() -> None:
    # P-bar = 2/3, p(yes) = 1/2, P_e = 1/2: kappa = (2/3 - 1/2) / (1/2) = 1/3
    assert fleiss_kappa(
        [[True, True, True], [False, False, False], [True, True, False], [True, False, False]]
    ) == pytest.approx(1 / 3)
    assert fleiss_kappa([[True, True, True], [False, False, False]]) == pytest.approx(1.0)
    assert fleiss_kappa([[True, True, True], [True, True, True]]) == 1.0  # one category only: full agreement
    # judges split every time: worse than chance
    assert fleiss_kappa([[True, False], [False, True], [True, False], [False, True]]) == pytest.approx(-1.0)


def test_agreement_needs_two_judges_each() -> None:
    with pytest.raises(ValueError):
        fleiss_kappa([[True], [False]])
    with pytest.raises(ValueError):
        fleiss_kappa([[True, True], [True, False, True]])
