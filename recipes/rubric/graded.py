"""The rubric recipe's model-graded gates: discriminating (does the rubric separate a good output from flawed
ones?) and agreement (do independent judges answer each row the same way?), with the calls they share.

Reasons are short sentences with any variable part in parentheses at the end. Model failures
(adapters.llm.ModelError) propagate.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from domain.facts import Receipt
from domain.rubric import Criterion, Score, constant, fleiss_kappa, raw_agreement, satisfied, score
from recipes.base import Context, GateOutcome
from recipes.rubric import items, prompts
from recipes.text import short

TASK = frozenset({"prompt", "criteria"})


async def grade(
    ctx: Context, model: str | None, prompt: str, output: str, criteria: Sequence[Criterion], seed: int | None = None
) -> tuple[list[bool] | None, Receipt]:
    """One judge's per-criterion "present" answers on one output (None when the reply is unusable)."""
    messages = prompts.judge(prompt, output, [c.text for c in criteria])
    reply = await ctx.call("judge", messages, model=model, seed=ctx.seed if seed is None else seed, temperature=0.0)
    return items.present_list(reply.text, len(criteria)), reply.receipt


_WRITTEN: OrderedDict[tuple[str, int, str, int], tuple[str, list[tuple[str, str]]]] = OrderedDict()
_KEEP = 256  # candidates whose samples stay at hand (the two gates that use them run back to back)


async def samples(
    ctx: Context, prompt: str, count: int
) -> tuple[tuple[str, list[tuple[str, str]]] | None, list[Receipt]]:
    """A good output and ``count`` deliberately flawed ones for the prompt, by the spec's writer (default: the
    author's model), with the receipts of the calls made. The discriminating and agreement gates both need the
    same samples of the same candidate: the second one reuses them (the call's receipt is on the first's result)
    instead of paying for the same request again; after a restart it simply asks again, with the same seed."""
    key = (ctx.candidate_id, ctx.seed, prompt, count)
    if key in _WRITTEN:
        _WRITTEN.move_to_end(key)
        return _WRITTEN[key], []
    reply = await ctx.call("writer", prompts.writer(prompt, count), seed=ctx.seed, temperature=0.7)
    found = items.samples_from(reply.text, count)
    if found is None:
        return None, [reply.receipt]
    _WRITTEN[key] = (found[0], found[1][:count])
    while len(_WRITTEN) > _KEEP:
        _WRITTEN.popitem(last=False)
    return _WRITTEN[key], [reply.receipt]


def _unusable(who: str, receipts: list[Receipt]) -> GateOutcome:
    return GateOutcome("fail", f"{who} returned unusable output", receipts=receipts, unusable_output=True)


def _scored(label: str, flaw: str, s: Score) -> dict[str, Any]:
    return {"label": label, "flaw": flaw, "total": s.total, "raw": s.raw, "by_type": s.by_type}


class Discriminating:
    """A writer makes one good output and several deliberately flawed ones; scored by the judge with the rubric,
    the good one must come out strictly above every flawed one."""

    name, reads = "discriminating", TASK

    def __init__(self, flawed: int, cap: float) -> None:
        self.flawed, self.cap = flawed, cap

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        criteria = items.rubric(payload)
        found, written = await samples(ctx, payload["prompt"], self.flawed)
        if found is None:
            return _unusable("writer", written)
        good, flawed = found
        graded = await asyncio.gather(
            *(grade(ctx, None, payload["prompt"], o, criteria) for o in [good, *(f[1] for f in flawed)])
        )
        receipts = [*written, *(r for _, r in graded)]
        if any(p is None for p, _ in graded):
            return _unusable("judge", receipts)
        scores = [score(criteria, p, self.cap) for p, _ in graded if p is not None]
        pairs = list(zip(flawed, scores[1:], strict=True))
        detail = {
            "samples": [_scored("good", "", scores[0])]
            + [_scored(f"flawed {k}", f[0], s) for k, (f, s) in enumerate(pairs, 1)]
        }
        missed = [f[0] or "an unnamed flaw" for f, s in pairs if s.total >= scores[0].total]
        if not missed:
            return GateOutcome("pass", detail=detail, receipts=receipts)
        return GateOutcome(
            "repair",
            f"rubric scores a flawed output as high as the good one ({short(missed[0], 80)})",
            instruction=(
                f"The rubric scores {len(missed)} deliberately flawed output(s) as high as a good one. Add or "
                f"sharpen criteria that catch: {'; '.join(missed)}. Each new criterion is one yes/no check "
                "answerable from the output alone; keep the other rows."
            ),
            detail=detail,
            receipts=receipts,
        )


def _kappa(ratings: list[list[bool]]) -> float | None:
    kappa = fleiss_kappa(ratings)
    return None if kappa is None else round(kappa, 4)


Rows = list[dict[str, Any]]


def _constant_rows(criteria: Sequence[Criterion], rows: Rows) -> tuple[Rows, Rows]:
    """Rows every judge answered the same on every sample, split into those flagged (no evidence either way) and
    the gate criteria whose constant pass is intended, each with the reason it passes."""
    flagged, kept = [], []
    for c, r in zip(criteria, rows, strict=True):
        answer = constant(r["ratings"])
        if answer is None:
            continue
        if c.criticality == "gate" and satisfied(c, answer):
            why = "a gate criterion every output satisfies: it guards against a failure no sample made"
            kept.append({"row": r["row"], "text": c.text, "reason": why})
        else:
            flagged.append(r)
    return flagged, kept


class Agreement:
    """At least three judges grade the captured output and the writer's samples row by row; each row's raw
    agreement and Fleiss' kappa across those outputs is measured, and the configured one must reach the
    threshold. A row judges disagree on is a matter of taste, not a check: it is reworded. A row every judge
    answers the same on every sample separates nothing (its kappa is undefined, None): it is sharpened or cut,
    unless it is a gate criterion (criticality "gate") that every output satisfies, whose constant pass is the
    point; that pass is recorded in the detail under "constant_gates"."""

    name, reads = "agreement", frozenset(items.FIELDS)

    def __init__(self, measure: str, threshold: float, flawed: int, cap: float) -> None:
        self.measure, self.threshold, self.flawed, self.cap = measure, threshold, flawed, cap

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        judges = list(ctx.spec.models.judges)
        if len(judges) < 3:
            return GateOutcome("fail", f"agreement needs at least three judges ({len(judges)} configured)")
        criteria = items.rubric(payload)
        found, written = await samples(ctx, payload["prompt"], self.flawed)
        if found is None:
            return _unusable("writer", written)
        outputs = [payload["output"], found[0], *(f[1] for f in found[1])]
        graded = await asyncio.gather(*(grade(ctx, j, payload["prompt"], o, criteria) for j in judges for o in outputs))
        receipts = [*written, *(r for _, r in graded)]
        if any(p is None for p, _ in graded):
            return _unusable("judge", receipts)
        # by_judge[j][s][i]: judge j's answer on sample s for row i
        by_judge = [[graded[j * len(outputs) + s][0] or [] for s in range(len(outputs))] for j in range(len(judges))]
        rows: list[dict[str, Any]] = []
        for i, c in enumerate(criteria):
            ratings = [[by_judge[j][s][i] for j in range(len(judges))] for s in range(len(outputs))]
            rows.append(
                {
                    "row": i + 1,
                    "text": c.text,
                    "raw": round(raw_agreement(ratings), 4),
                    "kappa": _kappa(ratings),
                    "ratings": ratings,
                }
            )
        majority = [sum(by_judge[j][0][i] for j in range(len(judges))) * 2 > len(judges) for i in range(len(criteria))]
        flat, gates = _constant_rows(criteria, rows)
        detail = {
            "measure": self.measure,
            "threshold": self.threshold,
            "judges": judges,
            "samples": ["captured", "good", *(f"flawed {k}" for k in range(1, len(outputs) - 1))],
            "per_criterion": rows,
            "captured": _scored("captured", "", score(criteria, majority, self.cap)),
            "constant": [r["row"] for r in flat],
            "constant_gates": gates,
        }
        # An undefined kappa means a constant row: the constant rule below judges it, not the threshold.
        low = [r for r in rows if r[self.measure] is not None and r[self.measure] < self.threshold]
        if not low and not flat:
            return GateOutcome("pass", detail=detail, receipts=receipts)
        steps = [
            f'Row {r["row"]} ("{r["text"]}", {self.measure} agreement {r[self.measure]:.2f}): reword it concretely.'
            for r in low
        ]
        steps += [
            f'Row {r["row"]} ("{r["text"]}") separates nothing: every output, good and flawed, '
            f"{'satisfies' if satisfied(c, bool(r['ratings'][0][0])) else 'fails'} it for every judge. Sharpen it "
            "so it separates good from bad outputs, or cut it."
            for r in flat
            for c in [criteria[r["row"] - 1]]
        ]
        if low:
            reason = f"judges disagree on criteria ({items.rows_text([r['row'] - 1 for r in low])})"
            lead = "Judges disagree on these rows. "
            tail = (
                " Reword the rows they disagree on concretely: each must name the exact fact, word or format to "
                "look for, so any reader answers it the same way from the output alone. Keep every other row "
                "unchanged."
            )
        else:
            reason = f"criteria separate nothing ({items.rows_text([r['row'] - 1 for r in flat])})"
            lead, tail = "", " Keep every other row unchanged."
        return GateOutcome(
            "repair", reason, instruction=lead + " ".join(steps) + tail, detail=detail, receipts=receipts
        )
