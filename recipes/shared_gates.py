"""What every recipe shares: novelty against the corpus, a judge's realism verdict, the difficulty probe, and
repair by a model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from domain.facts import Receipt
from domain.graders import extract_json
from domain.novelty import nearest
from recipes.base import Context, GateOutcome
from recipes.text import short

Messages = list[dict[str, str]]


class NoveltyGate:
    """Too similar to a queued/approved point or to an earlier draft of this run: a final reject."""

    def __init__(self, text_of: Callable[[dict[str, Any]], str], reads: frozenset[str]) -> None:
        self.name = "novelty"
        self.reads = reads
        self.text_of = text_of

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        pool = [
            e
            for e in ctx.corpus
            if e.candidate_id != ctx.candidate_id
            and e.text
            and (e.status in ("queued", "approved") or (e.run_id == ctx.run_id and e.index < ctx.index))
        ]
        index, score = nearest(self.text_of(payload), [e.text for e in pool])
        limit = ctx.spec.gates.novelty_threshold
        detail = {
            "nearest": pool[index].candidate_id if index >= 0 else None,
            "score": score,
            "threshold": limit,
            "compared": len(pool),
        }
        if score > limit:
            return GateOutcome("fail", f"near-duplicate of an earlier item (similarity {score:.2f})", detail=detail)
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
