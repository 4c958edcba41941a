"""The offline panel without litellm: task families, determinism, the author's flaw rates, solver skill."""

from __future__ import annotations

import functools
import itertools
import random

import pytest

from domain.graders import extract_json, grade
from domain.novelty import nearest
from panel import flaws, tasks
from panel.protocol import respond
from recipes.ground_truth import items, prompts

TOPICS = ["arithmetic", "percentages", "unit conversion", "sequences"]
LEVELS = ["easy", "medium", "hard"]


@pytest.mark.parametrize("fam", tasks.families(), ids=lambda f: f.name)
def test_every_generated_task_solves_back_to_its_answer(fam: tasks.Family) -> None:
    for level, seed in itertools.product(LEVELS, range(60)):
        item = tasks.generate(fam, random.Random(seed), level, fam.name)
        again = tasks.solve(item.prompt)
        assert again is not None and again.family == fam.name, item.prompt
        assert again.answer == item.answer and again.latent == item.latent
        assert grade(item.payload(), f"ANSWER: {flaws.fmt(item.answer)}").ok
        assert items.accepts(item.payload(), items.concluded(item.payload())), item.solution  # ends on the answer


def test_answer_types_cover_exact_numeric_and_json() -> None:
    kinds = {tasks.generate(f, random.Random(1), "medium", f.name).answer_type for f in tasks.families()}
    assert kinds == {"exact", "numeric", "json"}


def test_mistakes_are_plausible_but_graded_wrong() -> None:
    for fam, seed in itertools.product(tasks.families(), range(40)):
        item = tasks.generate(fam, random.Random(seed), LEVELS[seed % 3], fam.name)
        wrong = tasks.mistakes(item.prompt)
        assert wrong, item.prompt
        assert not any(grade(item.payload(), f"ANSWER: {flaws.fmt(w)}").ok for w in wrong), item.prompt


def test_degenerate_tasks_are_answered_by_a_trivial_strategy() -> None:
    for fam in (f for f in tasks.families() if f.name != "sequences"):
        found = [tasks.generate(fam, random.Random(s), "medium", fam.name, degenerate=True) for s in range(30)]
        zero = [i for i in found if items.accepts(i.payload(), 0)]
        assert len(zero) >= 20, (fam.name, [i.prompt for i in found[:3]])
        assert all(tasks.mistakes(i.prompt) for i in zero)  # a solver that slips still answers something else


def test_latent_difficulty_rises_with_the_difficulty_label() -> None:
    for fam in tasks.families():
        mean = {
            lvl: sum(tasks.generate(fam, random.Random(s), lvl, fam.name).latent for s in range(40)) / 40
            for lvl in LEVELS
        }
        assert mean["easy"] < mean["medium"] < mean["hard"], (fam.name, mean)


def _author(seed: int, topic: str = "percentages", level: str = "medium", checklist: list[str] | None = None) -> str:
    return respond("local/author", prompts.author(topic, level, checklist or [], []), seed, 1.0)


def test_replies_are_a_pure_function_of_the_request() -> None:
    assert _author(5) == _author(5)
    assert len({_author(s) for s in range(8)}) == 8
    solve = prompts.solve("Convert 12 miles to kilometres. Give the result to one decimal place.")
    assert respond("local/solver-mid", solve, 1, 0.0) == respond("local/solver-mid", solve, 2, 0.0)  # greedy
    assert respond("local/solver-mid", solve, 1, 0.8) == respond("local/solver-mid", solve, 1, 0.8)


def test_junk_model_and_unknown_protocol() -> None:
    assert extract_json(respond("local/junk", prompts.author("arithmetic", "easy", [], []), 1, 1.0)) is None
    assert "protocol" in respond("local/author", [{"role": "user", "content": "hello"}], 1, 1.0)


def _drafts(n: int, checklist: list[str] | None = None) -> list[dict | None]:
    cells = list(itertools.product(TOPICS, LEVELS))
    out = []
    for i in range(n):
        topic, level = cells[i % len(cells)]
        raw = extract_json(_author(1000 + i, topic, level, checklist))
        out.append(items.normalise(raw) if isinstance(raw, dict) and isinstance(raw.get("prompt"), str) else None)
    return out


def _flaws(drafts: list[dict | None]) -> dict[str, float]:
    counts = dict.fromkeys(
        ["truncated", "malformed", "wrong", "leak", "ambiguous", "loose", "contradiction", "near_dup"], 0
    )
    seen: list[str] = []
    for d in drafts:
        if d is None:
            counts["truncated"] += 1
            continue
        if seen and nearest(d["prompt"], seen)[1] > 0.6:
            counts["near_dup"] += 1
        seen.append(d["prompt"])
        if items.validate(d):
            counts["malformed"] += 1
            continue
        truth = tasks.solve(flaws.strip_flaws(d["prompt"]))
        assert truth is not None, d["prompt"]
        counts["wrong"] += not items.accepts(d, truth.answer)
        counts["leak"] += items.leaked(d)
        counts["ambiguous"] += flaws.has_ambiguity(d["prompt"])
        counts["loose"] += any(items.accepts(d, w) for w in items.counters(d))
        said = items.concluded(d)
        counts["contradiction"] += said is not None and items.accepts(d, truth.answer) and not items.accepts(d, said)
    return {k: v / len(drafts) for k, v in counts.items()}


@functools.cache
def _plain_rates() -> dict[str, float]:
    return _flaws(_drafts(360))


def test_author_flaw_rates_give_every_gate_work() -> None:
    rates = _plain_rates()
    assert 0.09 <= rates["wrong"] <= 0.20, rates
    assert 0.04 <= rates["leak"] <= 0.13, rates
    assert 0.06 <= rates["ambiguous"] <= 0.16, rates
    assert 0.05 <= rates["loose"] <= 0.15, rates
    assert 0.06 <= rates["contradiction"] <= 0.17, rates
    assert 0.03 <= rates["malformed"] <= 0.10, rates
    assert 0.0 < rates["truncated"] <= 0.05, rates
    assert 0.05 <= rates["near_dup"] <= 0.25, rates


def test_a_checklist_naming_a_problem_makes_the_author_make_it_less() -> None:
    plain = _plain_rates()
    careful = _flaws(
        _drafts(
            360,
            [
                "reference answer disagrees with the oracle",
                "prompt judged ambiguous",
                "worked solution contradicts the reference answer",
            ],
        )
    )
    for flaw in ("wrong", "ambiguous", "contradiction"):
        assert careful[flaw] < plain[flaw], (flaw, careful, plain)
    assert careful["loose"] > plain["loose"] / 1.5  # not named: unchanged (within noise)


def _rate(model: str, prompts_: list[str], seed: int = 0) -> float:
    hits = 0
    for i, prompt in enumerate(prompts_):
        item = tasks.solve(prompt)
        hits += grade(item.payload(), respond(model, prompts.solve(prompt), seed + i, 0.8)).ok
    return hits / len(prompts_)


def test_solvers_separate_and_accuracy_falls_with_difficulty() -> None:
    by_level = {
        lvl: [tasks.generate(f, random.Random(s), lvl, f.name).prompt for f in tasks.families() for s in range(25)]
        for lvl in LEVELS
    }
    everything = [p for ps in by_level.values() for p in ps]
    strong, mid, weak = (_rate(f"local/solver-{m}", everything) for m in ("strong", "mid", "weak"))
    assert strong > mid + 0.1 and mid > weak + 0.1, (strong, mid, weak)
    assert _rate("local/oracle", everything) >= 0.9
    assert _rate("local/solver-weak", by_level["easy"]) > _rate("local/solver-weak", by_level["hard"]) + 0.4


def test_judge_flags_injected_ambiguity_with_few_false_alarms() -> None:
    clean = [tasks.generate(f, random.Random(s), "medium", f.name).prompt for f in tasks.families() for s in range(50)]
    vague = [flaws.insert_before_question(p, flaws.AMBIGUOUS[i % 5]) for i, p in enumerate(clean)]

    def flagged(ps: list[str]) -> float:
        replies = [extract_json(respond("local/judge-a", prompts.judge(p), i, 0.0)) or {} for i, p in enumerate(ps)]
        return sum(r.get("realistic") is False for r in replies) / len(ps)

    assert flagged(vague) >= 0.8
    assert flagged(clean) <= 0.08


def _repaired(bad: dict, instruction: str, seed: int) -> dict:
    reply = respond("local/repairer", prompts.repair(bad, instruction), seed, 0.3)
    return {**bad, **items.normalise(extract_json(reply))}


def test_repairer_fixes_a_wrong_reference_unless_the_item_is_stubborn() -> None:
    fixed, count = {True: 0, False: 0}, {True: 0, False: 0}
    for s, attempt in itertools.product(range(160), range(3)):  # asking again only helps a non-stubborn item
        item = tasks.generate(tasks.families()[s % 4], random.Random(s), "medium")
        hard = flaws.stubborn("reference", item.prompt)
        out = _repaired(
            {**item.payload(), "answer": tasks.mistakes(item.prompt)[0]},
            "The reference answer looks wrong: re-derive it.",
            100 * s + attempt,
        )
        count[hard], fixed[hard] = count[hard] + 1, fixed[hard] + items.accepts(out, item.answer)
        assert items.accepts(out, items.concluded(out))  # the solution follows whatever answer it wrote
    assert 0.3 <= count[True] / (count[True] + count[False]) <= 0.6, count
    assert fixed[True] == 0 and 0.6 <= fixed[False] / count[False] <= 0.9, (fixed, count)


def test_stubbornness_belongs_to_the_task_not_its_wording() -> None:
    for s in range(60):
        prompt = tasks.generate(tasks.families()[s % 4], random.Random(s), "hard").prompt
        variants = [
            flaws.reword(prompt, random.Random(s)),
            flaws.insert_before_question(prompt, flaws.AMBIGUOUS[0]),
            flaws.insert_before_question(prompt, f"Hint: it works out to {s}."),
        ]
        for kind in flaws.STUBBORN:
            assert {flaws.stubborn(kind, v) for v in variants} == {flaws.stubborn(kind, prompt)}, kind


BROKEN = {
    "grading": lambda d: any(items.accepts(d, w) for w in items.counters(d)),
    "ambiguity": lambda d: flaws.has_ambiguity(d["prompt"]),
    "leak": items.leaked,
}


@pytest.mark.parametrize(
    ("kind", "flaw", "instruction"),
    [
        ("grading", "loose", "Tighten the tolerance so only rounding differences are accepted."),
        ("ambiguity", "ambiguous", "The prompt is ambiguous: rewrite it to have exactly one reading."),
        ("leak", "leak", "The prompt reveals the answer. Remove the answer from the prompt."),
    ],
)
def test_stubborn_grading_ambiguity_and_leaks_survive_every_repair(kind: str, flaw: str, instruction: str) -> None:
    still: dict[bool, list[bool]] = {True: [], False: []}
    for s in range(80):
        item = tasks.generate(tasks.families()[s % 4], random.Random(s), "medium")
        payload = items.normalise(flaws.inject(flaw, item, random.Random(s)))
        for attempt in range(2):  # as the services do: repair while the gate still fails, at most twice
            payload = _repaired(payload, instruction, 10 * s + attempt) if BROKEN[kind](payload) else payload
        still[flaws.stubborn(kind, item.prompt)].append(BROKEN[kind](payload))
    assert still[True] and all(still[True]), still
    assert sum(still[False]) / len(still[False]) <= 0.2, still
