"""The rubric model: rows, files with row-located errors, scoring with the gate cap, agreement, rubric checks."""

from __future__ import annotations

from itertools import combinations

import pytest

from domain.novelty import similarity
from domain.rubric import (
    Criterion,
    RubricError,
    as_rows,
    compound_parts,
    constant,
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
    assert fleiss_kappa([[True, True, True], [True, True, True]]) is None  # one category only: undefined
    assert fleiss_kappa([[False, False], [False, False]]) is None
    # judges split every time: worse than chance
    assert fleiss_kappa([[True, False], [False, True], [True, False], [False, True]]) == pytest.approx(-1.0)


def test_agreement_needs_two_judges_each() -> None:
    with pytest.raises(ValueError):
        fleiss_kappa([[True], [False]])
    with pytest.raises(ValueError):
        fleiss_kappa([[True, True], [True, False, True]])


def test_per_type_subscore_is_the_share_of_that_types_rows_satisfied() -> None:
    rows = criteria_from(
        [
            {"text": "Mentions the price.", "type": "outcome"},
            {"text": "Mentions the delivery date.", "type": "outcome"},
            {"text": "Names the customer.", "type": "outcome"},
            {"text": "Stays under 120 words.", "type": "instruction-following"},
            {"text": "Uses a subject line.", "type": "instruction-following"},
        ]
    )
    got = score(rows, [True, True, False, True, False])
    # outcome: 2 of 3 rows; instruction-following: 1 of 2 rows; overall 3 of 5
    assert got.by_type == {"instruction-following": pytest.approx(1 / 2), "outcome": pytest.approx(2 / 3)}
    assert got.raw == pytest.approx(3 / 5)


def test_scores_are_rounded_to_six_places_and_an_empty_rubric_scores_zero() -> None:
    rows = criteria_from([{"text": f"Row {n} holds.", "type": "outcome"} for n in range(3)])
    got = score(rows, [True, False, False])
    assert got.raw == 0.333333 and got.total == 0.333333  # exactly: 1/3 rounded to 6 places
    empty = score([], [])
    assert (empty.raw, empty.total, empty.capped, empty.by_type) == (0.0, 0.0, False, {})


def test_a_failed_gate_only_counts_as_capped_when_the_cap_lowered_the_total() -> None:
    rows = criteria_from(
        [
            {"text": "Mentions the price.", "type": "outcome", "criticality": "gate"},
            {"text": "Names the customer.", "type": "outcome"},
        ]
    )
    at_cap = score(rows, [False, True], cap=0.5)  # raw 1/2 equals the cap: nothing was taken away
    assert at_cap.failed_gates == [0] and at_cap.total == 0.5 and not at_cap.capped
    nothing = score(rows, [False, False])  # raw 0 with the default cap 0
    assert nothing.failed_gates == [0] and nothing.total == 0.0 and not nothing.capped
    assert score(rows, [False, True], cap=0.25).capped  # raw 1/2 above the cap 1/4


def test_aliases_and_defaults_are_normalised() -> None:
    rows = criteria_from(
        [
            {"text": "No refund  is\npromised.", "type": "Safety", "polarity": "mustnot", "id": "r1"},
            {"text": "Cites the manual.", "type": "grounding", "polarity": "Must_Not"},
            {"text": "Follows the steps.", "type": "instruction"},
        ]
    )
    assert [c.type for c in rows] == ["grounding-and-safety", "grounding-and-safety", "instruction-following"]
    assert [c.polarity for c in rows] == ["must-not", "must-not", "must"]
    assert [c.criticality for c in rows] == ["additive"] * 3
    assert rows[0].text == "No refund is promised." and [c.split_from for c in rows] == ["", "", ""]


def test_rows_round_trip_through_as_rows() -> None:
    rows = criteria_from(
        [
            {"text": "Mentions the price.", "type": "outcome", "criticality": "gate"},
            {"text": "Mentions $49.", "type": "outcome", "polarity": "must-not", "split_from": "Mentions $49 and $59."},
        ]
    )
    back = as_rows(rows)
    assert back[1] == {
        "text": "Mentions $49.",
        "type": "outcome",
        "polarity": "must-not",
        "criticality": "additive",
        "split_from": "Mentions $49 and $59.",
    }
    assert criteria_from(back) == rows


ALL_TYPES = "instruction-following, outcome, process, grounding-and-safety"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            ["Mentions the price."],
            "rubric: criterion 1: expected a table with text, type, polarity, criticality; got str",
        ),
        ([{"text": "x y z"}], f"rubric: criterion 1: missing 'type' (one of {ALL_TYPES})"),
        ([{"text": "x y z", "type": "result"}], f"rubric: criterion 1: unknown type 'result' (one of {ALL_TYPES})"),
        ([], "rubric: no criteria"),
    ],
)
def test_row_errors_name_the_row_and_the_choices(rows: list[object], message: str) -> None:
    with pytest.raises(RubricError) as info:
        criteria_from(rows)
    assert str(info.value).startswith(message)


TOML_LINES = """\
[[criteria]]
text = "Mentions the price."
type = "outcome"

[[criteria]]
type = "outcome"
text = ""

[[criteria]]
text = "Names the customer."
Weight = 2
"""


def test_toml_errors_give_the_line_of_the_field_or_else_of_the_row() -> None:
    with pytest.raises(RubricError, match=r"^r.toml: criterion 2 \(line 7\): missing or empty 'text'$"):
        parse_rubric(TOML_LINES, "r.toml")
    fixed = TOML_LINES.replace('text = ""', 'text = "Mentions the date."')
    # the last row's unknown key is located at its own line (keys may start with a capital)
    with pytest.raises(RubricError, match=r"^r.toml: criterion 3 \(line 11\): unknown field 'Weight'"):
        parse_rubric(fixed, "r.toml")
    # a field the row lacks falls back to the row's header line
    with pytest.raises(RubricError, match=r"^r.toml: criterion 3 \(line 9\): missing 'type'"):
        parse_rubric(fixed.replace("Weight = 2\n", ""), "r.toml")
    with pytest.raises(RubricError, match=r"^r.toml: criterion 3 \(line 11\): unknown type 'result'"):
        parse_rubric(fixed.replace("Weight = 2", 'type = "result"'), "r.toml")


def test_keys_of_a_later_table_are_not_taken_for_the_rows_keys() -> None:
    text = '[[criteria]]\ntype = "outcome"\n\n[meta]\ntext = "not a criterion"\n'
    with pytest.raises(RubricError, match=r"^r.toml: criterion 1 \(line 1\): missing or empty 'text'$"):
        parse_rubric(text, "r.toml")


def test_inline_criteria_arrays_and_indented_json_parse() -> None:
    inline = 'criteria = [{text = "Mentions the price.", type = "outcome"}, {text = "Is short.", type = "process"}]'
    assert [c.type for c in parse_rubric(inline)] == ["outcome", "process"]
    assert parse_rubric('\n  [{"text": "Says hello to Dana.", "type": "outcome"}]\n')[0].type == "outcome"


@pytest.mark.parametrize("text", ["", "criteria = []", 'criteria = "Mentions the price."'])
def test_a_file_without_a_list_of_rows_has_no_criteria(text: str) -> None:
    with pytest.raises(RubricError, match=r"^rubric: no criteria"):
        parse_rubric(text)


def test_compound_parts_edges() -> None:
    # three words on each side is enough; the trailing full stop is not part of the requirement
    assert compound_parts("Mentions the price and names the customer.") == ["Mentions the price", "names the customer"]
    model_x = "The reply names Model X"
    assert compound_parts(f"{model_x} and cites the manual") == [model_x, "cites the manual"]
    # a stray ellipsis between joiners is no requirement of its own
    assert compound_parts("The reply greets Dana and ... and signs off with a name") == [
        "The reply greets Dana",
        "signs off with a name",
    ]
    # a one-word alternative makes the or-list one requirement
    assert compound_parts("The reply recommends plan A or X or the premium plan") == []


def test_overlaps_are_strictly_above_the_threshold() -> None:
    rows = criteria_from(
        [
            {"text": "The response mentions the price ($49).", "type": "outcome"},
            {"text": "The response clearly mentions the price ($49) to the reader.", "type": "outcome"},
        ]
    )
    s = similarity(rows[0].text, rows[1].text)
    assert 0 < s < 1
    assert overlaps(rows, s) == []
    assert overlaps(rows, s - 1e-9) == [(0, 1, s)]


def test_agreement_edges_and_messages() -> None:
    assert raw_agreement([]) == 1.0
    assert fleiss_kappa([]) is None
    with pytest.raises(ValueError, match="^agreement needs at least two judges per subject$"):
        raw_agreement([[True]])
    with pytest.raises(ValueError, match=r"^Fleiss' kappa needs the same number \(>= 2\) of judges for every subject$"):
        fleiss_kappa([[True, True], [True]])


def test_constant_is_the_one_answer_every_judge_gave_on_every_subject() -> None:
    assert constant([[True, True, True], [True, True, True]]) is True
    assert constant([[False, False], [False, False]]) is False
    assert constant([[True, True], [True, False]]) is None
    assert constant([[True, True], [False, False]]) is None  # each sample agreed, but the samples differ
    assert constant([]) is None
