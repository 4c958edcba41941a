"""What every recipe shares: novelty against the corpus, a judge's realism verdict, the difficulty probe, and
repair by a model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from domain.facts import Receipt
from domain.graders import extract_json
from domain.novelty import compare, judge, profile, same_numbers
from recipes.base import Context, CorpusEntry, GateOutcome
from recipes.text import short

Messages = list[dict[str, str]]


class NoveltyGate:
    """Too similar to a queued/approved point or to an earlier draft of this run: a final reject.

    Lexical rules first (domain.novelty.judge: raw similarity, or the same number-masked template beyond the
    allowed variants), on the LSH neighbours the services give (``ctx.novelty``) or on the whole pool without
    them; then, when the spec turns it on, the embedding stage against the whole pool. docs/novelty.md."""

    def __init__(self, text_of: Callable[[dict[str, Any]], str], reads: frozenset[str]) -> None:
        self.name = "novelty"
        self.reads = reads
        self.text_of = text_of

    @staticmethod
    def _in_pool(e: CorpusEntry, ctx: Context) -> bool:
        return (
            e.candidate_id != ctx.candidate_id
            and bool(e.text)
            and (e.status in ("queued", "approved") or (e.run_id == ctx.run_id and e.index < ctx.index))
        )

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        gates, text = ctx.spec.gates, self.text_of(payload)
        found = ctx.novelty.neighbours(text) if ctx.novelty is not None else ctx.corpus
        near = [e for e in found if self._in_pool(e, ctx)]
        decision = judge(
            compare(text, [(e.candidate_id, e.text) for e in near]),
            novelty_threshold=gates.novelty_threshold,
            template_threshold=gates.template_threshold,
            variants_per_template=gates.variants_per_template,
        )
        detail: dict[str, Any] = {
            "nearest": decision.nearest,
            "score": decision.raw,
            "template_score": decision.template,
            "same_template": decision.same_template,
            "rule": decision.rule,
            "threshold": gates.novelty_threshold,
            "template_threshold": gates.template_threshold,
            "compared": len(near),
            "indexed": ctx.novelty is not None,
        }
        if decision.rule == "raw":
            return GateOutcome(
                "fail", f"near-duplicate of an earlier item (similarity {decision.raw:.2f})", detail=detail
            )
        if decision.rule == "template":
            reason = f"near-duplicate of an earlier item (template similarity {decision.template:.2f})"
            return GateOutcome("fail", reason, detail=detail)
        if gates.semantic and ctx.novelty is not None:
            pool = [e for e in ctx.corpus if self._in_pool(e, ctx)]
            scores = ctx.novelty.semantic(text, pool) if pool else []
            best = max(range(len(scores)), key=scores.__getitem__, default=-1)
            detail.update(
                semantic_score=round(float(scores[best]), 6) if best >= 0 else 0.0,
                semantic_nearest=pool[best].candidate_id if best >= 0 else None,
                semantic_threshold=gates.semantic_threshold,
                semantic_compared=len(pool),
            )
            # The embedding barely sees numbers: a same-task item with other numbers scores as high as a
            # paraphrase. A paraphrase keeps its numbers; other numbers make it a variant (the template rule's job).
            hits = sorted((i for i, s in enumerate(scores) if s >= gates.semantic_threshold), key=lambda i: -scores[i])
            mine = profile(text)
            same_task = [i for i in hits if same_numbers(mine, profile(pool[i].text))]
            if same_task:
                score = round(float(scores[same_task[0]]), 6)
                detail.update(rule="semantic", nearest=pool[same_task[0]].candidate_id, semantic_score=score)
                return GateOutcome(
                    "fail", f"paraphrase of an earlier item (semantic similarity {score:.2f})", detail=detail
                )
        return GateOutcome("pass", detail=detail)


class RealismGate:
    """The spec's judge model answers ``{"realistic": bool, "readings": [str, ...], "reason": str}`` about the
    item: whether it is realistic, and each distinct reading a careful expert could take.

    More than one reading, or unrealistic: repair with the judge's readings and reason (``instruction`` says what
    to keep); the detail records the readings. A reply without "readings" is judged on "realistic" alone (older
    prompts, terse hosted models). A reply that is not that JSON is a final reject marked ``unusable_output``:
    the judge failed, not the item.
    """

    def __init__(
        self,
        messages: Callable[[dict[str, Any]], Messages],
        reads: frozenset[str],
        *,
        subject: str = "prompt",
        instruction: str = "",
    ) -> None:
        self.name = "realism"
        self.reads = reads
        self.messages = messages
        self.subject = subject
        self.instruction = instruction or (
            f"Rewrite the {subject} so it is realistic and has exactly one reading; keep everything else unchanged."
        )

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        reply = await ctx.call("judge", self.messages(payload), seed=ctx.seed, temperature=0.0)
        data = extract_json(reply.text)
        if not isinstance(data, dict) or not isinstance(data.get("realistic"), bool):
            return GateOutcome(
                "fail",
                "judge returned unusable output",
                detail={"reply": short(reply.text, 200)},
                receipts=[reply.receipt],
                unusable_output=True,
            )
        why = short(data.get("reason", ""), 160)
        readings = readings_of(data)
        detail: dict[str, Any] = {"reason": why, "readings": readings}
        if len(readings) > 1:
            named = "; ".join(f"({i}) {r}" for i, r in enumerate(readings, 1))
            return GateOutcome(
                "repair",
                f"{self.subject} judged ambiguous or unrealistic ({len(readings)} readings)",
                instruction=f"A reviewer found the {self.subject} ambiguous or unrealistic: it can be read "
                f"{len(readings)} ways: {named}. Make exactly one of them the only reading. {self.instruction}",
                detail=detail,
                receipts=[reply.receipt],
            )
        if data["realistic"]:
            return GateOutcome("pass", detail=detail, receipts=[reply.receipt])
        return GateOutcome(
            "repair",
            f"{self.subject} judged ambiguous or unrealistic ({why})",
            instruction=f"A reviewer found the {self.subject} ambiguous or unrealistic: {why} {self.instruction}",
            detail=detail,
            receipts=[reply.receipt],
        )


def readings_of(data: dict[str, Any]) -> list[str]:
    """The distinct readings a judge listed (shortened, blanks and repeats dropped); [] when it listed none."""
    raw = data.get("readings")
    if not isinstance(raw, list):
        return []
    out: list[str] = []
    for r in raw:
        text = short(str(r), 200) if isinstance(r, (str, int, float)) else ""
        if text.strip() and text not in out:
            out.append(text)
    return out


class ProbeGate:
    """The difficulty gate. The harness never calls ``check``: the probing service calls ``Recipe.attempt``
    n times per panel model and bands the item by pass@k (domain.passk)."""

    def __init__(self, reads: frozenset[str], name: str = "difficulty") -> None:
        self.name = name
        self.reads = reads

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        raise NotImplementedError("the difficulty gate is a probe: run Recipe.attempt per panel model instead")


async def repair_by_model(
    payload: dict[str, Any],
    instruction: str,
    ctx: Context,
    *,
    fields: Sequence[str],
    messages: Callable[[dict[str, Any], str], Messages],
    normalise: Callable[[dict[str, Any]], dict[str, Any]],
    parse: Callable[[str], Any] = extract_json,
    keep: Sequence[str] = (),
) -> tuple[dict[str, Any], list[Receipt]]:
    """The usual ``Recipe.repair``: the repairer gets the item's ``fields`` and the instruction and returns the
    whole item as JSON; ``keep`` fields (the coordinate) never change. An unusable reply changes nothing, so
    the gate fails again and the bound on repairs ends it honestly."""
    item = {k: payload[k] for k in fields if k in payload}
    reply = await ctx.call("repairer", messages(item, instruction), seed=ctx.seed, temperature=0.3)
    raw = parse(reply.text)
    if not isinstance(raw, dict):
        return dict(payload), [reply.receipt]
    kept = {k: payload[k] for k in keep if k in payload}
    return {**payload, **normalise({**item, **raw}), **kept}, [reply.receipt]
