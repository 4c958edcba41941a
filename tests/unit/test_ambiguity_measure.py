"""Ambiguity measured, not assumed: the realism judge and the probe's split on clean items and on items carrying
vague sentences written here, in wordings that appear nowhere in the panel's or the gates' code.

Items follow specs/arithmetic.toml (its topic and difficulty weights, its panel, n and [probe] thresholds); the
judge and the solvers are the offline panel called directly (no litellm), so the numbers are deterministic.
"""

from __future__ import annotations

import functools
import random
from pathlib import Path

from domain.ambiguity import Split, split
from domain.graders import equivalent, extract_json
from domain.passk import outcome
from domain.spec import parse_spec
from panel import flaws, tasks
from panel.protocol import respond
from recipes.ground_truth import items, prompts
from recipes.shared_gates import readings_of

SPEC = parse_spec((Path(__file__).parents[2] / "specs" / "arithmetic.toml").read_text(), "arithmetic.toml")
# Written for this test; none of them is in panel/flaws.py (checked below).
VAGUE = (
    "The tax may apply either before or after the discount.",
    "Some deliveries might have been counted twice.",
    "It is unclear whether returns count.",
    "Part of the figure may refer to a different day.",
    "Whether the final step is included is left open.",
    "A few entries could be duplicates of others.",
    "The numbers might already include an adjustment.",
    "Nobody has confirmed which version of the rule applies.",
    "The record could be off by a correction made later.",
    "One of the steps may have been cancelled afterwards.",
    "Reports disagree on whether the first figure is a gross or a net amount.",
    "The stated values may be rounded in different ways.",
    "Treat the second step as optional if that seems right.",
    "There may be a hidden fee that some people include.",
    "It depends on which of two standard methods you prefer.",
    "Staff sometimes log partial batches as whole ones.",
    "Whether the opening figure is counted again at the end is not specified.",
    "Interpretations differ on how the last change is applied.",
    "The source mixes two conventions without saying which.",
    "Some readers count the final adjustment, others do not.",
    "An earlier correction may or may not have been applied here.",
    "Either of two cut-off times could be meant.",
)
COUNT = 480  # items per arm


def _clean(i: int) -> tasks.Item:
    rng = random.Random(f"measure|{i}")
    topics, weights = SPEC.axis_table()["topic"]
    levels, level_weights = SPEC.axis_table()["difficulty"]
    topic = rng.choices(topics, weights)[0]
    return tasks.generate(tasks.family_for(topic), rng, rng.choices(levels, level_weights)[0], topic)


def _judged_ambiguous(prompt: str, i: int) -> bool:
    reply = extract_json(respond(SPEC.models.judge or "", prompts.judge(prompt), i, 0.0))
    return isinstance(reply, dict) and (reply.get("realistic") is False or len(readings_of(reply)) > 1)


def _split(payload: dict, i: int) -> Split:
    outcomes = []
    for plan in SPEC.panel_plan():
        replies = [
            respond(plan.model, prompts.solve(payload["prompt"]), 7919 * i + s, SPEC.probe.temperature)
            for s in range(plan.n or 1)
        ]
        verdicts = [items.grade(payload, r) for r in replies]
        outcomes.append(outcome(plan.model, [v.ok for v in verdicts], plan.k or [], [v.parsed for v in verdicts]))
    p = SPEC.probe
    return split(
        outcomes,
        lambda a, b: equivalent(payload, a, b),
        min_support=p.split_min_support,
        min_share=p.split_min_share,
        min_coverage=p.split_min_coverage,
        oracle_share=p.oracle_min_share,
    )


@functools.cache
def measured() -> dict[str, float]:
    """Rates over COUNT clean items and COUNT items each carrying one of the VAGUE sentences."""
    counts = dict.fromkeys(("clean_split", "clean_judge", "vague_split", "vague_judge", "vague_caught"), 0)
    for i in range(COUNT):
        item = _clean(i)
        counts["clean_split"] += _split(item.payload(), i).ambiguous
        counts["clean_judge"] += _judged_ambiguous(item.prompt, i)
        vague = {**item.payload(), "prompt": flaws.insert_before_question(item.prompt, VAGUE[i % len(VAGUE)])}
        by_split, by_judge = _split(vague, i).ambiguous, _judged_ambiguous(vague["prompt"], i)
        counts["vague_split"] += by_split
        counts["vague_judge"] += by_judge
        counts["vague_caught"] += by_split or by_judge
    return {k: v / COUNT for k, v in counts.items()}


def test_the_sentences_are_new_wording() -> None:
    source = (Path(flaws.__file__)).read_text() + Path(tasks.__file__).read_text()
    assert len(set(VAGUE)) >= 20 and not any(s in source for s in VAGUE)


def test_clean_items_are_almost_never_called_ambiguous() -> None:
    rates = measured()
    assert rates["clean_split"] <= 0.01, rates  # the solver split's false alarms: ~0
    assert rates["clean_judge"] <= 0.06, rates  # the judge's, as before (~3%)


def test_vague_sentences_in_new_wording_are_caught_by_realism_or_the_split() -> None:
    rates = measured()
    assert rates["vague_caught"] >= 0.95, rates
    assert rates["vague_judge"] >= 0.8 and rates["vague_split"] >= 0.3, rates  # each signal does its share
