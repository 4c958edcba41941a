"""The rubric recipe's pure parts and its offline panel world, without litellm: tasks read back from their
prompts, outputs that meet or break chosen requirements, judges that agree on crisp rows and differ on taste,
the author's flaws landing where each gate looks, the repairer's splits, and the reviewer's view."""

from __future__ import annotations

import itertools
import random

import pytest

import recipes
from domain.errors import SpecError
from domain.graders import extract_json
from domain.rubric import (
    compound_parts,
    criteria_from,
    duplicates,
    missing_types,
    overlaps,
    satisfied,
    vague_terms,
)
from panel.protocol import respond
from panel.rubric import author, checks, compose, repair
from panel.rubric.families import FAMILIES
from recipes.rubric import items, prompts
from recipes.rubric.render import render_results

LEVELS = ("easy", "medium", "hard")
TASKS = [
    compose.build(fam, random.Random(seed), level)
    for fam, level, seed in itertools.product(FAMILIES.values(), LEVELS, range(12))
]


def _item(task: compose.Task) -> dict:
    return {"prompt": task.prompt, "output": compose.compose(task, set()), "criteria": [r.row() for r in task.reqs]}


@pytest.mark.parametrize("task", TASKS[::7], ids=lambda t: t.family)
def test_a_task_reads_back_from_its_prompt_and_its_rubric_is_clean(task: compose.Task) -> None:
    assert compose.parse(task.prompt) == compose.Task(task.family, task.description, task.reqs)
    rows = criteria_from([r.row() for r in task.reqs])
    assert not missing_types(rows) and not duplicates(rows) and not overlaps(rows, 0.6)
    assert not any(compound_parts(c.text) or vague_terms(c.text) for c in rows)
    assert all(checks.crisp(c.text) for c in rows) and not items.stale_facts(_item(task), rows)


def test_the_good_output_meets_every_row_and_a_broken_requirement_fails_its_row() -> None:
    for task in TASKS:
        rows = criteria_from([r.row() for r in task.reqs])
        good = compose.compose(task, set())
        assert all(satisfied(c, checks.verdict("judge-a", c.text, good)) for c in rows), good
        for i in range(len(task.reqs)):
            broken = compose.compose(task, {i})
            assert not satisfied(rows[i], checks.verdict("judge-b", rows[i].text, broken)), (rows[i].text, broken)


def test_judges_agree_on_crisp_rows_and_differ_on_taste() -> None:
    task = TASKS[0]
    outputs = [compose.compose(task, {i}) for i in range(len(task.reqs))]
    crisp = "The response mentions the product (blender) and cites the order number (A-1042)"
    for output in outputs:
        assert len({checks.verdict(j, task.reqs[1].text, output) for j in checks.LENIENCY}) == 1
        assert checks.verdict("judge-c", crisp, output) == ("blender" in output and "A-1042" in output)
    taste = "The response sounds trustworthy"
    yes = {j: sum(checks.verdict(j, taste, o) for o in outputs) for j in checks.LENIENCY}
    assert yes["judge-a"] > yes["judge-b"] > yes["judge-c"], yes


@pytest.mark.parametrize(
    "flaw,caught",
    [
        ("compound", lambda rows, item: any(compound_parts(c.text) for c in rows)),
        ("vague", lambda rows, item: any(vague_terms(c.text) for c in rows)),
        (
            "subtle",
            lambda rows, item: (
                not any(vague_terms(c.text) or compound_parts(c.text) for c in rows)
                and not all(checks.crisp(c.text) for c in rows)
            ),
        ),
        ("overlap", lambda rows, item: overlaps(rows, 0.6)),
        ("duplicate", lambda rows, item: duplicates(rows)),
        ("missing", lambda rows, item: missing_types(rows)),
        ("stale", lambda rows, item: items.stale_facts(item, rows)),
    ],
)
def test_each_author_flaw_lands_where_its_gate_looks(flaw: str, caught) -> None:
    for task in TASKS[::5]:
        item = _item(task)
        if author.apply(flaw, item, random.Random(1)) != flaw:
            continue  # no row suited this flaw; the author made another mistake instead
        rows = criteria_from(item["criteria"])
        assert caught(rows, item), (flaw, item["criteria"])


def test_the_repairer_splits_a_compound_row_into_rows_that_keep_its_text() -> None:
    task = next(t for t in TASKS if len(t.reqs) >= 7 and not repair.stubborn("split", t.prompt))
    item = _item(task)
    merged = f"{task.reqs[2].text} and {task.reqs[3].text.removeprefix('The response ')}"
    item["criteria"][2:4] = [{**item["criteria"][2], "text": merged}]
    text = f'Row 3 joins separate checks ("{merged}"): split it into one row per check.'
    fixed = next(
        f for seed in range(20) if (f := repair.repair(item, text, random.Random(seed)))["criteria"] != item["criteria"]
    )
    rows = criteria_from(fixed["criteria"])
    assert [c.text for c in rows[2:4]] == [task.reqs[2].text, task.reqs[3].text]
    assert rows[2].split_from == rows[3].split_from == merged and len(rows) == len(task.reqs)


def test_panel_roles_answer_the_recipes_messages() -> None:
    task = TASKS[4]
    reply = extract_json(respond("local/author", prompts.author("support reply", "easy", []), 3, 1.0))
    assert set(reply) >= {"prompt", "output", "criteria"}
    written = items.samples_from(respond("local/author", prompts.writer(task.prompt, 3), 9, 0.7), 3)
    assert written is not None and len(written[1]) == 3 and all(flaw for flaw, _ in written[1])
    texts = [r.text for r in task.reqs]
    present = items.present_list(
        respond("local/judge-b", prompts.judge(task.prompt, written[0], texts), 1, 0.0), len(texts)
    )
    assert present is not None and all(
        satisfied(c, p) for c, p in zip(criteria_from(_item(task)["criteria"]), present, strict=True)
    )


def test_items_helpers_name_rows_and_refuse_junk() -> None:
    assert (items.rows_text([0]), items.rows_text([1, 4]), items.rows_text([0, 3, 5])) == (
        "row 1",
        "rows 2 and 5",
        "rows 1, 4 and 6",
    )
    item = _item(TASKS[0])
    assert items.construct_problems(item, ("outcome",)) == []
    assert items.construct_problems({**item, "output": " "}, ()) == ["the captured output is empty"]
    doubled = {**item, "criteria": [*item["criteria"], item["criteria"][0]]}
    assert items.construct_problems(doubled, ())[0].startswith("duplicate criteria (rows 1 and ")
    bad = {**item, "criteria": [{**item["criteria"][0], "type": "style"}]}
    assert items.construct_problems(bad, ())[0].startswith("malformed item (criteria: criterion 1: unknown type")
    assert items.present_list('{"present": [true, false]}', 2) == [True, False]
    assert items.present_list('{"present": [true]}', 2) is None and items.present_list("fine", 1) is None
    assert items.samples_from('{"good": "x", "flawed": []}', 1) is None


def test_recipe_options_are_checked_and_recorded() -> None:
    assert recipes.get("rubric", agreement="kappa").agreement_threshold == 0.6
    assert recipes.recipe_info(recipes.get("rubric")).args["pass_score"] == 0.75
    for bad in ({"agreement": "median"}, {"require_types": ["style"]}, {"flawed_outputs": 0}):
        with pytest.raises(SpecError):
            recipes.get("rubric", **bad)
    names = [g.name for g in recipes.get("rubric").gates]
    assert names == [
        "construct",
        "novelty",
        "atomicity",
        "mece",
        "discriminating",
        "agreement",
        "realism",
        "difficulty",
        "final",
    ]


def test_render_shows_the_rubric_table_and_the_results() -> None:
    item = {**_item(TASKS[0]), "topic": "support reply", "difficulty": "easy"}
    item["criteria"][0]["split_from"] = "an older compound row"
    plain = recipes.get("rubric").render(item)
    assert item["prompt"] in plain and "| # | criterion | type | polarity | criticality | split from |" in plain
    rows = [
        {"row": i + 1, "text": r["text"], "raw": 1.0, "kappa": None if i else 1.0, "ratings": []}
        for i, r in enumerate(item["criteria"])
    ]
    details = {
        "agreement": {
            "measure": "raw",
            "threshold": 0.8,
            "judges": ["a", "b", "c"],
            "samples": ["captured"],
            "per_criterion": rows,
            "captured": {"label": "captured", "total": 0.5, "by_type": {}},
        },
        "discriminating": {
            "samples": [
                {"label": "good", "flaw": "", "total": 1.0, "by_type": {"outcome": 1.0}},
                {"label": "flawed 1", "flaw": "promises a refund", "total": 0.0},
            ]
        },
    }
    full = render_results(item, details)
    assert "agreement (raw / kappa)" in full and "1.00 / 1.00" in full
    assert "1.00 / n/a" in full  # kappa undefined: every judge answered the row alike on every sample
    assert "| flawed 1 | promises a refund | 0.00 |" in full
    assert render_results(item, {}) == plain


def test_the_repairer_cuts_a_row_that_separates_nothing_or_makes_its_types_last_row_a_gate() -> None:
    task = next(t for t in TASKS if not repair.stubborn("constant", t.prompt))
    item = _item(task)
    rows = item["criteria"]
    shared = next(i for i, r in enumerate(rows) if sum(o["type"] == r["type"] for o in rows) > 1)
    item["criteria"] = [r for i, r in enumerate(rows) if i == shared or r["type"] != rows[shared]["type"]]
    item["criteria"].append(dict(rows[shared], text=rows[shared]["text"] + " again"))  # two rows of one type
    rows = item["criteria"]
    alone = next(i for i, r in enumerate(rows) if sum(o["type"] == r["type"] for o in rows) == 1)
    instruction = " ".join(
        f'Row {i + 1} ("{rows[i]["text"]}") separates nothing: every output, good and flawed, satisfies it for '
        "every judge. Sharpen it so it separates good from bad outputs, or cut it."
        for i in (len(rows) - 1, alone)
    )
    outcomes = set()
    for seed in range(12):
        fixed = repair.repair(item, instruction + " Keep every other row unchanged.", random.Random(seed))["criteria"]
        if fixed == rows:
            continue  # an unlucky attempt changes nothing
        assert rows[-1] not in fixed  # the row of a type others cover is cut
        assert dict(rows[alone], criticality="gate") in fixed  # the type's only row stays, as a hard requirement
        outcomes.add(len(fixed))
    assert outcomes == {len(rows) - 1}
