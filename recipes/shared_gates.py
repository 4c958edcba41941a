"""Gates every recipe shares as they are: novelty against the corpus, and the difficulty probe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.novelty import nearest
from recipes.base import Context, GateOutcome


class NoveltyGate:
    """Too similar to a queued/approved point or to an earlier draft of this run: a final reject."""

    def __init__(self, text_of: Callable[[dict[str, Any]], str], reads: frozenset[str]) -> None:
        self.name = "novelty"
        self.reads = reads
        self.text_of = text_of

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        pool = [
            e for e in ctx.corpus
            if e.candidate_id != ctx.candidate_id and e.text
            and (e.status in ("queued", "approved") or (e.run_id == ctx.run_id and e.index < ctx.index))
        ]
        index, score = nearest(self.text_of(payload), [e.text for e in pool])
        limit = ctx.spec.gates.novelty_threshold
        detail = {"nearest": pool[index].candidate_id if index >= 0 else None, "score": score,
                  "threshold": limit, "compared": len(pool)}
        if score > limit:
            return GateOutcome("fail", f"near-duplicate of an earlier item (similarity {score:.2f})", detail=detail)
        return GateOutcome("pass", detail=detail)


class ProbeGate:
    """The difficulty gate. The harness never calls ``check``: the probing service calls ``Recipe.attempt``
    n times per panel model and bands the item by pass@k (domain.passk)."""

    def __init__(self, reads: frozenset[str], name: str = "difficulty") -> None:
        self.name = name
        self.reads = reads

    async def check(self, payload: dict[str, Any], ctx: Context) -> GateOutcome:
        raise NotImplementedError("the difficulty gate is a probe: run Recipe.attempt per panel model instead")
